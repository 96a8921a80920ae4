//! Table `station`: the one row describing this workstation: its device id, its
//! server, and where its pull stands.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "station")]
pub struct Model {
    /// Always 1.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub device_id: Option<String>,
    /// The pull cursor (`Cursor` as JSON: community id → sequence number).
    pub cursor: String,
    pub last_success_at: Option<i64>,
    /// The city's policy as the server last sent it (`CityPolicy` as JSON).
    pub policy: Option<String>,
    /// The server database's generation as last seen (`Generation`).
    pub generation: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
