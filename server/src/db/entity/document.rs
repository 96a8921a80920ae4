//! Table `documents`: An elder's Automerge document: its compacted snapshot and heads.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "documents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub elder_id: String,
    pub community_id: String,
    #[sea_orm(column_type = "VarBinary(StringLen::None)")]
    pub snapshot: Vec<u8>,
    #[sea_orm(column_type = "Text")]
    pub heads: String,
    pub change_count: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
