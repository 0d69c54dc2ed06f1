//! `credentials`: the titles officials awarded an SME, with issuer and validity.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credentials")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: i64,
    pub tier: String,
    pub issuing_body: String,
    pub batch: Option<String>,
    pub certificate_number: Option<String>,
    pub valid_from: TimeDate,
    pub valid_until: TimeDate,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
