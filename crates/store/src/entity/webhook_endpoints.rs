//! `webhook_endpoints`: the URLs an organisation receives its events at.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: i64,
    pub url: String,
    /// A JSON array of event type names.
    pub event_types: String,
    /// `whsec_` and the base64 of the signing key.
    pub secret: String,
    pub enabled: bool,
    pub disabled_at: Option<TimeDateTimeWithTimeZone>,
    pub disabled_reason: Option<String>,
    pub consecutive_failures: i32,
    /// Only events after this id go to the endpoint.
    pub since_event_id: i64,
    pub version: i32,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
