//! The database's generation (`server_identity`): read once per process for the sync
//! answers, and made anew by a restore.

use jinlin_shared::ids::Generation;
use sea_orm::{ActiveModelTrait as _, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait as _};

use crate::db::entity::server_identity;

#[derive(Debug, thiserror::Error)]
pub enum GenerationError {
    #[error("the database has no generation: it was not migrated by this server")]
    Missing,
    #[error("the database's generation {0:?} is not an id")]
    Corrupt(String),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// The database's generation now.
pub async fn read(db: &impl ConnectionTrait) -> Result<Generation, GenerationError> {
    let row = server_identity::Entity::find_by_id(1).one(db).await?.ok_or(GenerationError::Missing)?;
    row.generation.parse().map_err(|_| GenerationError::Corrupt(row.generation))
}

/// Gives the database a new generation, saying why (`restored from …`); answers it.
pub async fn renew(db: &impl ConnectionTrait, reason: &str, at_millis: i64) -> Result<Generation, GenerationError> {
    let generation = new_generation();
    let row = server_identity::ActiveModel {
        id: Set(1),
        generation: Set(generation.to_string()),
        changed_at: Set(at_millis),
        reason: Set(reason.chars().take(200).collect()),
    };
    match server_identity::Entity::find_by_id(1).one(db).await? {
        Some(_) => row.update(db).await?,
        None => row.insert(db).await?,
    };
    Ok(generation)
}

fn new_generation() -> Generation {
    Generation::from_uuid(uuid::Uuid::now_v7()).expect("invariant: now_v7 makes a version 7 UUID")
}
