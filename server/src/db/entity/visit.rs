//! Table `visits`: A materialised visit row (its community is its elder's).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "visits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub visit_id: String,
    pub elder_id: String,
    pub assistant_id: String,
    pub device_id: String,
    pub visited_at: i64,
    pub recorded_at: i64,
    pub received_at: i64,
    pub mode: String,
    pub outcome: String,
    pub risk: String,
    pub incident: Option<String>,
    pub voided: bool,
    #[sea_orm(column_type = "Text")]
    pub row: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
