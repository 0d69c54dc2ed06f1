//! `supplier_deal_totals`: what a supplier's live deals with one lead in one category add up to,
//! kept by triggers on `deals` (migration 000020). Read only.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "supplier_deal_totals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub supplier_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub lead_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub category_code: String,
    /// Active and fulfilled deals; 0 when none is left.
    pub live: i64,
    /// Units the active deals commit.
    pub committed: i64,
    pub fulfilled: i64,
    pub on_time: i64,
    /// The sum of the fulfilled deals' quality ratings.
    pub quality: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
