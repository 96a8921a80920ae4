//! Table `documents`: each elder's Automerge document and its materialised rows, both
//! sealed with the data key.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "documents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub elder_id: String,
    pub community_id: String,
    pub sealed_snapshot: Vec<u8>,
    /// `ElderRows` as JSON, so the roster opens without loading every document.
    pub sealed_rows: Vec<u8>,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
