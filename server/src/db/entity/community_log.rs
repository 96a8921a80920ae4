//! Table `community_logs`: A community's lock row and the last sequence number of its change log.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "community_logs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub community_id: String,
    pub last_seq: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
