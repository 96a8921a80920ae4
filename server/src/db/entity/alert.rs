//! Table `alerts`: a red-risk or incident visit, for the supervisors of its area.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alerts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub visit_id: String,
    pub elder_id: String,
    pub community_id: String,
    pub raised_at: i64,
    pub received_at: i64,
    pub red_risk: bool,
    pub incident: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub follow_ups: String,
    pub closed_how: Option<String>,
    pub closed_at: Option<i64>,
    pub closed_by: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
