//! `bom_lines`: what a bill of materials lists, line by line.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bom_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub bom_id: i64,
    pub line_no: i32,
    pub category_code: String,
    pub description: String,
    pub annual_value_fen: i64,
    pub current_supplier_region: String,
    pub in_province: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
