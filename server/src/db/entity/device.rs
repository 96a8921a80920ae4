//! Table `devices`: A registered workstation.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "devices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub registered_at: i64,
    pub registered_by: String,
    pub revoked_at: Option<i64>,
    /// The key the workstation encrypts its data at rest with (32 bytes).
    pub data_key: Option<Vec<u8>>,
    /// The area the workstation belongs to (that of the user who registered it;
    /// `city` for the whole city); `None` for one registered before areas were kept,
    /// which takes the area of the next user who signs in on it.
    pub area_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
