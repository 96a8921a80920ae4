//! Table `log_entries`: One entry of a community's change log, numbered in commit order.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "log_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub community_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub elder_id: String,
    pub kind: String,
    pub change_hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
