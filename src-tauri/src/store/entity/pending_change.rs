//! Table `pending_changes`: changes saved here and not yet acknowledged by the server,
//! in the order they were made.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pending_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub elder_id: String,
    pub hash: String,
    pub sealed_change: Vec<u8>,
    pub saved_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
