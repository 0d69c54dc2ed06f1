//! `capabilities`: what a supplier can make, with annual capacity.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "capabilities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: i64,
    pub category_code: String,
    pub annual_capacity: i64,
    pub unit: String,
    /// Process names, a JSON array of strings.
    #[sea_orm(column_type = "JsonBinary")]
    pub processes: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
