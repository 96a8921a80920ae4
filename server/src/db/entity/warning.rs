//! Table `warnings`: an early warning about an elder (not visited this month, a
//! high-risk elder past the interval, a follow-up past due), one open per elder and
//! reason.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "warnings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub elder_id: String,
    pub reason: String,
    pub community_id: String,
    pub since: i64,
    pub escalates_at: i64,
    pub opened_at: i64,
    pub closed_how: Option<String>,
    pub closed_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
