//! The supplier directory: SMEs filtered by what they make, where they are, what they hold and
//! whether they are verified. Every filter is a condition in SQL, so a page reads only its own
//! rows and their capabilities, however many suppliers there are.

use std::collections::HashMap;

use peitao_domain::{
    Capability, CategoryCode, CertificationKind, Organization, OrganizationKind, ParkId, RegionCode,
};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Func, LikeExpr, Query},
};
use time::Date;

use crate::{
    Page, PageRequest, Store, StoreError,
    accounts::organization_from_row,
    entity::{capabilities, certifications, organizations},
    reference::{escape_like, significant_prefix},
    suppliers::capability_from_row,
};

/// What the directory is filtered by; every filter narrows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DirectoryFilter {
    /// Only the SMEs of this park (a park administrator's view).
    pub park: Option<ParkId>,
    /// Only SMEs with a capability in one of these categories (a category and its descendants,
    /// resolved by the caller).
    pub categories: Option<Vec<CategoryCode>>,
    /// Only SMEs in this province, prefecture or county.
    pub region: Option<RegionCode>,
    /// Only SMEs holding a certificate of this kind valid on this day.
    pub certification: Option<(CertificationKind, Date)>,
    pub verified: Option<bool>,
    /// Only SMEs whose name contains this text, case-insensitively.
    pub text: Option<String>,
}

/// One SME in the directory, with what it can make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryEntry {
    pub organization: Organization,
    /// Its capabilities, by category code.
    pub capabilities: Vec<Capability>,
}

impl Store {
    /// One page of SMEs matching `filter`, by id.
    pub async fn supplier_directory(
        &self,
        filter: &DirectoryFilter,
        page: &PageRequest,
    ) -> Result<Page<DirectoryEntry>, StoreError> {
        let mut query = organizations::Entity::find()
            .filter(organizations::Column::Kind.eq(OrganizationKind::Sme.as_str()));
        if let Some(park) = filter.park {
            query = query.filter(organizations::Column::ParkId.eq(park.0));
        }
        if let Some(categories) = &filter.categories {
            query = query.filter(
                organizations::Column::Id.in_subquery(
                    Query::select()
                        .column(capabilities::Column::OrganizationId)
                        .from(capabilities::Entity)
                        .and_where(
                            capabilities::Column::CategoryCode
                                .is_in(categories.iter().map(CategoryCode::as_str)),
                        )
                        .to_owned(),
                ),
            );
        }
        if let Some(region) = &filter.region {
            query = query
                .filter(organizations::Column::RegionCode.starts_with(significant_prefix(region)));
        }
        if let Some((kind, day)) = &filter.certification {
            query = query.filter(
                organizations::Column::Id.in_subquery(
                    Query::select()
                        .column(certifications::Column::OrganizationId)
                        .from(certifications::Entity)
                        .and_where(certifications::Column::Kind.eq(kind.as_str()))
                        .and_where(certifications::Column::ValidFrom.lte(*day))
                        .and_where(certifications::Column::ValidUntil.gte(*day))
                        .to_owned(),
                ),
            );
        }
        if let Some(verified) = filter.verified {
            query = query.filter(organizations::Column::Verified.eq(verified));
        }
        if let Some(text) = &filter.text {
            let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
            query = query.filter(
                Expr::expr(Func::lower(Expr::col(organizations::Column::Name)))
                    .like(LikeExpr::new(pattern).escape('\\')),
            );
        }
        if let Some(after) = page
            .after
            .as_deref()
            .and_then(|cursor| cursor.parse::<i64>().ok())
        {
            query = query.filter(organizations::Column::Id.gt(after));
        }
        let rows = query
            .order_by_asc(organizations::Column::Id)
            .limit(page.limit + 1)
            .all(&self.db)
            .await?;
        let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
        let mut held: HashMap<i64, Vec<Capability>> = HashMap::new();
        for row in capabilities::Entity::find()
            .filter(capabilities::Column::OrganizationId.is_in(ids))
            .order_by_asc(capabilities::Column::OrganizationId)
            .order_by_asc(capabilities::Column::CategoryCode)
            .all(&self.db)
            .await?
        {
            let organization = row.organization_id;
            held.entry(organization)
                .or_default()
                .push(capability_from_row(row)?);
        }
        let entries = rows
            .into_iter()
            .map(|row| {
                let capabilities = held.remove(&row.id).unwrap_or_default();
                Ok(DirectoryEntry {
                    organization: organization_from_row(row)?,
                    capabilities,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Page::from_rows(entries, page.limit, |entry| {
            entry.organization.id.0.to_string()
        }))
    }
}
