//! Table `elders`: The materialised elder row (the shared crate's ElderRow as JSON, plus indexed columns).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "elders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub elder_id: String,
    pub community_id: String,
    pub name: String,
    pub gender: String,
    pub birth_date: String,
    pub id_number_masked: Option<String>,
    pub phone: Option<String>,
    pub address: String,
    pub enrolled_on: String,
    pub status: String,
    pub special_hardship: bool,
    pub tier_override: Option<String>,
    pub open_conflicts: i32,
    #[sea_orm(column_type = "Text")]
    pub row: String,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
