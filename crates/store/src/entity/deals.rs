//! `deals`: awards, with what was delivered.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub need_id: i64,
    pub quote_id: i64,
    pub lead_id: i64,
    /// The need's category, copied at the award (a need's category never changes after it).
    pub category_code: String,
    pub supplier_id: i64,
    pub awarded_by: Option<i64>,
    pub quantity: i64,
    pub value_fen: i64,
    pub supplier_region_code: String,
    pub in_province: bool,
    pub status: String,
    pub awarded_at: TimeDateTimeWithTimeZone,
    pub delivered_on: Option<TimeDate>,
    pub on_time: Option<bool>,
    pub quality_rating: Option<i16>,
    pub fulfilled_at: Option<TimeDateTimeWithTimeZone>,
    pub cancelled_at: Option<TimeDateTimeWithTimeZone>,
    pub cancel_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
