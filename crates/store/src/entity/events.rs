//! `events`: the outbox, one row per thing that happened, in the transaction that made it happen.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `resource.verb`.
    pub kind: String,
    pub occurred_at: TimeDateTimeWithTimeZone,
    /// A JSON object.
    pub payload: String,
    /// The park whose administrator may see it.
    pub park_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
