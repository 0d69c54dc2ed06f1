//! Bills of materials: stored whole in one transaction, read back with their lines, and listed
//! newest first. The latest of a lead's is its baseline.

use peitao_domain::{
    Bom, BomId, BomLine, BomSummary, CategoryCode, OrganizationId, ProvinceCode, RegionCode, UserId,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use time::OffsetDateTime;

use crate::{
    Page, PageRequest, Store, StoreError,
    entity::{bom_lines, boms},
};

/// Lines are inserted this many at a time, well under SQLite's limit on bound values.
const INSERT_CHUNK: usize = 500;

impl Store {
    /// Stores a bill of materials with every line, all or nothing; `home` decides which lines are
    /// sourced in province today.
    pub async fn insert_bom(
        &self,
        organization: OrganizationId,
        uploaded_by: Option<UserId>,
        name: &str,
        lines: &[BomLine],
        home: ProvinceCode,
    ) -> Result<Bom, StoreError> {
        let txn = self.begin_write().await?;
        let row = boms::ActiveModel {
            id: NotSet,
            organization_id: Set(organization.0),
            uploaded_by: Set(uploaded_by.map(|user| user.0)),
            name: Set(name.to_owned()),
            uploaded_at: Set(OffsetDateTime::now_utc()),
        }
        .insert(&txn)
        .await?;
        for chunk in lines.chunks(INSERT_CHUNK) {
            let rows = chunk
                .iter()
                .map(|line| {
                    Ok(bom_lines::ActiveModel {
                        id: NotSet,
                        bom_id: Set(row.id),
                        line_no: Set(i32::try_from(line.line_no).map_err(|_| {
                            StoreError::Corrupt(format!("line {} is out of range", line.line_no))
                        })?),
                        category_code: Set(line.category_code.as_str().to_owned()),
                        description: Set(line.description.clone()),
                        annual_value_fen: Set(i64::try_from(line.annual_value_fen).map_err(
                            |_| StoreError::Corrupt("an annual value is too large".into()),
                        )?),
                        current_supplier_region: Set(line
                            .current_supplier_region
                            .as_str()
                            .to_owned()),
                        in_province: Set(line.in_province(home)),
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            bom_lines::Entity::insert_many(rows).exec(&txn).await?;
        }
        txn.commit().await?;
        Ok(Bom {
            id: BomId(row.id),
            organization,
            uploaded_by,
            name: row.name,
            uploaded_at: row.uploaded_at,
            lines: lines.to_vec(),
        })
    }

    /// One bill of materials with its lines in file order.
    pub async fn bom(&self, id: BomId) -> Result<Bom, StoreError> {
        let row = boms::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let lines = bom_lines::Entity::find()
            .filter(bom_lines::Column::BomId.eq(id.0))
            .order_by_asc(bom_lines::Column::LineNo)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|line| {
                Ok(BomLine {
                    line_no: u32::try_from(line.line_no)
                        .map_err(|_| StoreError::Corrupt("a negative line number".into()))?,
                    category_code: CategoryCode::parse(&line.category_code)?,
                    description: line.description,
                    annual_value_fen: u64::try_from(line.annual_value_fen)
                        .map_err(|_| StoreError::Corrupt("a negative annual value".into()))?,
                    current_supplier_region: RegionCode::parse(&line.current_supplier_region)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Bom {
            id,
            organization: OrganizationId(row.organization_id),
            uploaded_by: row.uploaded_by.map(UserId),
            name: row.name,
            uploaded_at: row.uploaded_at,
            lines,
        })
    }

    /// A lead's bills of materials, newest first, with their totals.
    pub async fn list_boms(
        &self,
        organization: Option<OrganizationId>,
        page: &PageRequest,
    ) -> Result<Page<BomSummary>, StoreError> {
        let mut query = boms::Entity::find().order_by_desc(boms::Column::Id);
        if let Some(organization) = organization {
            query = query.filter(boms::Column::OrganizationId.eq(organization.0));
        }
        if let Some(after) = page
            .after
            .as_deref()
            .and_then(|cursor| cursor.parse::<i64>().ok())
        {
            query = query.filter(boms::Column::Id.lt(after));
        }
        let rows = query.limit(page.limit + 1).all(&self.db).await?;
        let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
        let totals: Vec<(i64, i64, i64, i64)> = bom_lines::Entity::find()
            .select_only()
            .column(bom_lines::Column::BomId)
            .column_as(bom_lines::Column::Id.count(), "lines")
            .column_as(
                sea_orm::sea_query::Expr::cust("CAST(COALESCE(SUM(annual_value_fen), 0) AS BIGINT)"),
                "total",
            )
            .column_as(
                sea_orm::sea_query::Expr::cust(
                    "CAST(COALESCE(SUM(CASE WHEN in_province THEN annual_value_fen ELSE 0 END), 0) AS BIGINT)",
                ),
                "local",
            )
            .filter(bom_lines::Column::BomId.is_in(ids))
            .group_by(bom_lines::Column::BomId)
            .into_tuple()
            .all(&self.db)
            .await?;
        let summaries = rows
            .into_iter()
            .map(|row| {
                let (lines, total, local) = totals
                    .iter()
                    .find(|(bom, ..)| *bom == row.id)
                    .map_or((0, 0, 0), |&(_, lines, total, local)| (lines, total, local));
                BomSummary {
                    id: BomId(row.id),
                    organization: OrganizationId(row.organization_id),
                    name: row.name,
                    uploaded_at: row.uploaded_at,
                    line_count: u64::try_from(lines).unwrap_or(0),
                    annual_value_fen: total,
                    in_province_value_fen: local,
                }
            })
            .collect();
        Ok(Page::from_rows(
            summaries,
            page.limit,
            |bom: &BomSummary| bom.id.0.to_string(),
        ))
    }
}
