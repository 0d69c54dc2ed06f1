//! `need_invitations`: the suppliers invited to quote on an `invited` need.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "need_invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub need_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub supplier_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
