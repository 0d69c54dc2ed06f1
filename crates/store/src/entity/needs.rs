//! `needs`: what lead enterprises want to source.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "needs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: i64,
    pub created_by: Option<i64>,
    pub category_code: String,
    pub title: String,
    pub specification: String,
    pub quantity: i64,
    pub unit: String,
    pub estimated_value_fen: i64,
    /// A JSON array of certification kinds.
    pub required_certifications: String,
    pub delivery_region_code: String,
    pub response_deadline: TimeDateTimeWithTimeZone,
    pub visibility: String,
    pub status: String,
    pub awarded_quantity: i64,
    pub version: i32,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
    pub published_at: Option<TimeDateTimeWithTimeZone>,
    /// Whether the matching engine found an eligible supplier when the need was published.
    pub matched_at_publish: Option<bool>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
