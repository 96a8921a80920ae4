//! Table `follow_ups`: A materialised follow-up row.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "follow_ups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub follow_up_id: String,
    pub elder_id: String,
    pub community_id: String,
    pub origin_visit: Option<String>,
    pub due_at: i64,
    pub resolved_at: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub row: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
