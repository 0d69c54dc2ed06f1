//! `quotes`: SMEs' answers to needs.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "quotes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub need_id: i64,
    pub supplier_id: i64,
    pub submitted_by: Option<i64>,
    pub unit_price_fen: i64,
    pub quantity: i64,
    pub lead_time_days: i32,
    pub note: Option<String>,
    pub production_site_id: Option<i64>,
    pub ship_region_code: String,
    pub status: String,
    /// The need while the quote is live; NULL otherwise (one live quote per supplier and need).
    pub live_need_id: Option<i64>,
    pub reject_reason: Option<String>,
    pub reject_note: Option<String>,
    pub version: i32,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
