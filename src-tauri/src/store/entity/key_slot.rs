//! Table `key_slots`: a user who signed in on this workstation, with the device's data
//! key sealed under their password (see `crypto`), and their session token sealed
//! under the data key.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "key_slots")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    #[sea_orm(unique)]
    pub login: String,
    /// The user as the server described them (`SignedInUser` as JSON): name, role, scope.
    pub user: String,
    pub salt: Vec<u8>,
    pub sealed_key: Vec<u8>,
    /// The session token, sealed with the data key; none after sign-out.
    pub sealed_token: Option<Vec<u8>>,
    pub token_expires_at: Option<i64>,
    /// Communities whose documents this user received (`["id", …]`), for their roster.
    pub communities: String,
    /// Whether this user's scope was bootstrapped onto this workstation.
    pub bootstrapped: bool,
    pub signed_in_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
