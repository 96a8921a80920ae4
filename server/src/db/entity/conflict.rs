//! Table `conflicts`: A materialised open conflict.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "conflicts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub elder_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub field: String,
    pub community_id: String,
    #[sea_orm(column_type = "Text")]
    pub row: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
