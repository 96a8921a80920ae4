//! Table `rejected_changes`: changes the server refused, kept with its reason so the
//! assistant sees them; never dropped silently.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rejected_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub elder_id: String,
    pub hash: String,
    pub sealed_change: Vec<u8>,
    /// The server's `RejectCode` wire name.
    pub code: String,
    pub field: Option<String>,
    pub reason: String,
    pub saved_at: i64,
    pub rejected_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
