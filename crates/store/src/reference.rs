//! Reference data: regions, categories and parks. Reads for the API, writes for the importers.

use std::collections::HashMap;

use peitao_domain::{
    Category, CategoryCode, NewPark, Park, ParkId, ParkKind, ParkLevel, Region, RegionCode,
    RegionLevel,
};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Func},
};

use crate::{
    Page, PageRequest, Store, StoreError,
    entity::{categories, parks, regions},
};

/// Which categories to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CategoryFilter {
    /// Only the children of this category.
    pub parent: Option<CategoryCode>,
    /// Only categories whose code or a name contains this text, case-insensitively.
    pub text: Option<String>,
}

impl Store {
    /// Regions directly under `parent`, or the provinces when `parent` is `None`, by code.
    pub async fn list_regions(
        &self,
        parent: Option<&RegionCode>,
        page: &PageRequest,
    ) -> Result<Page<Region>, StoreError> {
        let mut query = regions::Entity::find();
        query = match parent {
            Some(parent) => query.filter(regions::Column::ParentCode.eq(parent.as_str())),
            None => query.filter(regions::Column::ParentCode.is_null()),
        };
        if let Some(after) = &page.after {
            query = query.filter(regions::Column::Code.gt(after.as_str()));
        }
        let rows = query
            .order_by_asc(regions::Column::Code)
            .limit(page.limit + 1)
            .all(&self.db)
            .await?;
        Page::from_rows(rows, page.limit, |row| row.code.clone()).try_map(region_from_row)
    }

    /// One region by its code.
    pub async fn region(&self, code: &RegionCode) -> Result<Region, StoreError> {
        let row = regions::Entity::find_by_id(code.as_str())
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        region_from_row(row)
    }

    /// Every region code with its level, for checking imported rows.
    pub async fn region_levels(&self) -> Result<HashMap<RegionCode, RegionLevel>, StoreError> {
        let rows: Vec<(String, String)> = regions::Entity::find()
            .select_only()
            .column(regions::Column::Code)
            .column(regions::Column::Level)
            .into_tuple()
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|(code, level)| Ok((RegionCode::parse(&code)?, RegionLevel::parse(&level)?)))
            .collect()
    }

    /// How many regions are stored.
    pub async fn count_regions(&self) -> Result<u64, StoreError> {
        use sea_orm::PaginatorTrait;
        Ok(regions::Entity::find().count(&self.db).await?)
    }

    /// Stores regions in one transaction, parents before children as given. Fails as a whole.
    pub async fn insert_regions(&self, rows: &[Region]) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        for chunk in rows.chunks(500) {
            regions::Entity::insert_many(chunk.iter().map(|region| regions::ActiveModel {
                code: Set(region.code.as_str().to_owned()),
                name: Set(region.name.clone()),
                parent_code: Set(region.parent_code.map(|code| code.as_str().to_owned())),
                level: Set(region.level.as_str().to_owned()),
                longitude: Set(region.longitude),
                latitude: Set(region.latitude),
            }))
            .exec(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Categories matching `filter`, by code. With neither a parent nor a text, the roots.
    pub async fn list_categories(
        &self,
        filter: &CategoryFilter,
        page: &PageRequest,
    ) -> Result<Page<Category>, StoreError> {
        let mut query = categories::Entity::find();
        match (&filter.parent, &filter.text) {
            (Some(parent), _) => {
                query = query.filter(categories::Column::ParentCode.eq(parent.as_str()));
            }
            (None, None) => query = query.filter(categories::Column::ParentCode.is_null()),
            (None, Some(_)) => {}
        }
        if let Some(text) = &filter.text {
            let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
            let contains = |column: categories::Column| {
                Expr::expr(Func::lower(Expr::col(column)))
                    .like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\'))
            };
            query = query.filter(
                Condition::any()
                    .add(contains(categories::Column::Code))
                    .add(contains(categories::Column::NameZh))
                    .add(contains(categories::Column::NameEn)),
            );
        }
        if let Some(after) = &page.after {
            query = query.filter(categories::Column::Code.gt(after.as_str()));
        }
        let rows = query
            .order_by_asc(categories::Column::Code)
            .limit(page.limit + 1)
            .all(&self.db)
            .await?;
        Page::from_rows(rows, page.limit, |row| row.code.clone()).try_map(category_from_row)
    }

    /// One category by its code.
    pub async fn category(&self, code: &CategoryCode) -> Result<Category, StoreError> {
        let row = categories::Entity::find_by_id(code.as_str())
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        category_from_row(row)
    }

    /// The categories with these codes, by code; unknown codes are skipped.
    pub async fn categories_by_codes(
        &self,
        codes: &[CategoryCode],
    ) -> Result<Vec<Category>, StoreError> {
        let mut found = Vec::with_capacity(codes.len());
        for batch in codes.chunks(500) {
            let rows = categories::Entity::find()
                .filter(categories::Column::Code.is_in(batch.iter().map(CategoryCode::as_str)))
                .order_by_asc(categories::Column::Code)
                .all(&self.db)
                .await?;
            for row in rows {
                found.push(category_from_row(row)?);
            }
        }
        found.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(found)
    }

    /// Stores categories in one transaction, parents before children as given. Fails as a whole.
    pub async fn insert_categories(&self, rows: &[Category]) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        crate::taxonomy::insert_categories(&txn, rows).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Parks, by id, optionally only those hosted by `region` or by a region under it.
    pub async fn list_parks(
        &self,
        region: Option<&RegionCode>,
        page: &PageRequest,
    ) -> Result<Page<Park>, StoreError> {
        let mut query = parks::Entity::find();
        if let Some(region) = region {
            query = query.filter(parks::Column::RegionCode.starts_with(significant_prefix(region)));
        }
        if let Some(after) = &page.after {
            let after: i64 = after.parse().map_err(|_| StoreError::NotFound)?;
            query = query.filter(parks::Column::Id.gt(after));
        }
        let rows = query
            .order_by_asc(parks::Column::Id)
            .limit(page.limit + 1)
            .all(&self.db)
            .await?;
        Page::from_rows(rows, page.limit, |row| row.id.to_string()).try_map(park_from_row)
    }

    /// One park by id.
    pub async fn park(&self, id: ParkId) -> Result<Park, StoreError> {
        let row = parks::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        park_from_row(row)
    }

    /// Every park, by id.
    pub async fn all_parks(&self) -> Result<Vec<Park>, StoreError> {
        let rows = parks::Entity::find()
            .order_by_asc(parks::Column::Id)
            .all(&self.db)
            .await?;
        rows.into_iter().map(park_from_row).collect()
    }

    /// Every county-level region whose code starts with `prefix`, by code.
    pub async fn counties_with_prefix(&self, prefix: &str) -> Result<Vec<Region>, StoreError> {
        let rows = regions::Entity::find()
            .filter(regions::Column::Code.starts_with(prefix))
            .filter(regions::Column::Level.eq(RegionLevel::County.as_str()))
            .order_by_asc(regions::Column::Code)
            .all(&self.db)
            .await?;
        rows.into_iter().map(region_from_row).collect()
    }

    /// How many parks are stored.
    pub async fn count_parks(&self) -> Result<u64, StoreError> {
        use sea_orm::PaginatorTrait;
        Ok(parks::Entity::find().count(&self.db).await?)
    }

    /// Stores parks in one transaction. Fails as a whole.
    pub async fn insert_parks(&self, rows: &[NewPark]) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        for park in rows {
            parks::Entity::insert(park_model(park)).exec(&txn).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Stores a park and returns it with its id.
    pub async fn insert_park(&self, park: &NewPark) -> Result<Park, StoreError> {
        let row = parks::Entity::insert(park_model(park))
            .exec_with_returning(&self.db)
            .await?;
        park_from_row(row)
    }
}

/// The digits of a code that name the region itself: `42` for a province (`420000`), `4206` for a
/// prefecture (`420600`), all six for a county.
pub(crate) fn significant_prefix(code: &RegionCode) -> &str {
    let text = code.as_str();
    if text.ends_with("0000") {
        &text[..2]
    } else if text.ends_with("00") {
        &text[..4]
    } else {
        text
    }
}

fn park_model(park: &NewPark) -> parks::ActiveModel {
    parks::ActiveModel {
        id: NotSet,
        code: Set(park.code.clone()),
        name_zh: Set(park.name_zh.clone()),
        name_en: Set(park.name_en.clone()),
        region_code: Set(park.region_code.as_str().to_owned()),
        level: Set(park.level.as_str().to_owned()),
        kind: Set(park.kind.as_str().to_owned()),
        lead_industries: Set(park.lead_industries.join(";")),
        source: Set(park.source.clone()),
    }
}

pub(crate) fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(ch);
    }
    escaped
}

fn region_from_row(row: regions::Model) -> Result<Region, StoreError> {
    Ok(Region {
        code: RegionCode::parse(&row.code)?,
        name: row.name,
        parent_code: row
            .parent_code
            .as_deref()
            .map(RegionCode::parse)
            .transpose()?,
        level: RegionLevel::parse(&row.level)?,
        longitude: row.longitude,
        latitude: row.latitude,
    })
}

fn category_from_row(row: categories::Model) -> Result<Category, StoreError> {
    Ok(Category {
        code: CategoryCode::parse(&row.code)?,
        parent_code: row
            .parent_code
            .as_deref()
            .map(CategoryCode::parse)
            .transpose()?,
        name_zh: row.name_zh,
        name_en: row.name_en,
        reference: row.reference,
    })
}

fn park_from_row(row: parks::Model) -> Result<Park, StoreError> {
    Ok(Park {
        id: ParkId(row.id),
        region_code: RegionCode::parse(&row.region_code)?,
        lead_industries: row
            .lead_industries
            .split(';')
            .filter(|code| !code.is_empty())
            .map(str::to_owned)
            .collect(),
        code: row.code,
        name_zh: row.name_zh,
        name_en: row.name_en,
        level: ParkLevel::parse(&row.level)?,
        kind: ParkKind::parse(&row.kind)?,
        source: row.source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_prefixes_cover_the_region_and_what_lies_under_it() {
        let code = |raw| RegionCode::parse(raw).unwrap();
        assert_eq!(significant_prefix(&code("420000")), "42");
        assert_eq!(significant_prefix(&code("420600")), "4206");
        assert_eq!(significant_prefix(&code("420606")), "420606");
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
    }
}
