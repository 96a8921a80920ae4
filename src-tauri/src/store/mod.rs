//! The workstation's local store: one SQLite file in WAL mode with `synchronous =
//! FULL`, so a save that returns has reached the disk and survives a power cut.
//!
//! The store keeps only sealed bytes for anything about elders (see `crypto`); it
//! never sees a key. Every method that writes several rows does so in one
//! transaction, so a crash leaves either the whole save or none of it.

mod entity;
mod migration;
mod records;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jinlin_shared::ids::{CommunityId, DeviceId, ElderId, Generation, UserId};
use jinlin_shared::time::Timestamp;
use jinlin_shared::wire::{CityPolicy, Cursor};
use sea_orm::sea_query::OnConflict;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectOptions, Database, DatabaseConnection, DbErr, EntityTrait, NotSet,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

use entity::{document, key_slot, pending_change, rejected_change, station};
pub use records::{KeySlot, PendingChange, Refusal, RejectedChange, SealedChange, SealedDocument, StoredDocument};
use records::{corrupt, json, parsed, user_key};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("the local store could not be opened at {path}: {source}")]
    Open { path: PathBuf, source: DbErr },
    #[error("the local store failed: {0}")]
    Database(#[from] DbErr),
    #[error("the local store holds a malformed {what}: {reason}")]
    Corrupt { what: &'static str, reason: String },
}

#[derive(Debug, Clone)]
pub struct Store {
    db: DatabaseConnection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating and migrating) the store in `dir`.
    pub async fn open(dir: &Path) -> Result<Self, StoreError> {
        let path = dir.join("station.db");
        let open_error = |source| StoreError::Open { path: path.clone(), source };
        std::fs::create_dir_all(dir).map_err(|e| open_error(DbErr::Custom(e.to_string())))?;
        let mut options = ConnectOptions::new(format!("sqlite://{}", path.display()));
        options.sqlx_logging(false).max_connections(4).acquire_timeout(Duration::from_secs(10)).map_sqlx_sqlite_opts(
            |opts| {
                opts.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10))
            },
        );
        let db = Database::connect(options).await.map_err(open_error)?;
        migration::Migrator::up(&db, None).await.map_err(open_error)?;
        station::Entity::insert(station::ActiveModel {
            id: Set(1),
            device_id: Set(None),
            cursor: Set(json(&Cursor::new())),
            last_success_at: Set(None),
            policy: Set(None),
            generation: Set(None),
        })
        .on_conflict(OnConflict::column(station::Column::Id).do_nothing().to_owned())
        .exec_without_returning(&db)
        .await?;
        Ok(Self { db, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn station(&self) -> Result<station::Model, StoreError> {
        station::Entity::find_by_id(1)
            .one(&self.db)
            .await?
            .ok_or(StoreError::Corrupt { what: "station row", reason: "missing".into() })
    }

    pub async fn device_id(&self) -> Result<Option<DeviceId>, StoreError> {
        self.station().await?.device_id.map(|id| id.parse().map_err(|e| corrupt("device id", e))).transpose()
    }

    pub async fn set_device_id(&self, device: DeviceId) -> Result<(), StoreError> {
        station::Entity::update_many()
            .col_expr(station::Column::DeviceId, device.to_string().into())
            .filter(station::Column::Id.eq(1))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    pub async fn cursor(&self) -> Result<Cursor, StoreError> {
        serde_json::from_str(&self.station().await?.cursor).map_err(|e| corrupt("cursor", e))
    }

    pub async fn last_success(&self) -> Result<Option<Timestamp>, StoreError> {
        Ok(self.station().await?.last_success_at.map(Timestamp::from_millis))
    }

    pub async fn set_last_success(&self, at: Timestamp) -> Result<(), StoreError> {
        station::Entity::update_many()
            .col_expr(station::Column::LastSuccessAt, at.as_millis().into())
            .filter(station::Column::Id.eq(1))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// The server database's generation as last seen; `None` before protocol 3.
    pub async fn generation(&self) -> Result<Option<Generation>, StoreError> {
        self.station().await?.generation.map(|g| g.parse().map_err(|e| corrupt("generation", e))).transpose()
    }

    /// Notes a generation first seen (a server of protocol 3 after one of protocol 2,
    /// or a first sync): nothing to heal.
    pub async fn set_generation(&self, generation: Generation) -> Result<(), StoreError> {
        station::Entity::update_many()
            .col_expr(station::Column::Generation, generation.to_string().into())
            .filter(station::Column::Id.eq(1))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// After the server's database was restored: the pull starts again from the first
    /// change, every change this workstation made (`own`, in causal order, the ones
    /// waiting already among them) waits to be sent again in that order (the server
    /// keeps a change it already has once), and the new generation is noted, together,
    /// so a heal cut short is done again whole.
    pub async fn heal(&self, generation: Generation, own: Vec<SealedChange>, now: Timestamp) -> Result<(), StoreError> {
        let txn = self.db.begin().await?;
        pending_change::Entity::delete_many().exec(&txn).await?;
        insert_pending(&txn, own, now).await?;
        station::Entity::update_many()
            .col_expr(station::Column::Generation, generation.to_string().into())
            .col_expr(station::Column::Cursor, json(&Cursor::new()).into())
            .filter(station::Column::Id.eq(1))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The city's policy as the server last sent it; `None` before the first one.
    pub async fn policy(&self) -> Result<Option<CityPolicy>, StoreError> {
        let stored = self.station().await?.policy;
        stored.map(|text| serde_json::from_str(&text).map_err(|e| corrupt("policy", e))).transpose()
    }

    pub async fn save_policy(&self, policy: &CityPolicy) -> Result<(), StoreError> {
        station::Entity::update_many()
            .col_expr(station::Column::Policy, json(policy).into())
            .filter(station::Column::Id.eq(1))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    // Key slots.

    pub async fn key_slot(&self, login: &str) -> Result<Option<KeySlot>, StoreError> {
        key_slot::Entity::find()
            .filter(key_slot::Column::Login.eq(login))
            .one(&self.db)
            .await?
            .map(KeySlot::try_from)
            .transpose()
    }

    pub async fn key_slots(&self) -> Result<Vec<KeySlot>, StoreError> {
        parsed(key_slot::Entity::find().order_by_asc(key_slot::Column::Login).all(&self.db).await?)
    }

    /// Forgets the slots of `users` (taken off by an administrator): they can no longer
    /// sign in here, offline either; answers how many went.
    pub async fn forget_key_slots(&self, users: &[jinlin_shared::ids::UserId]) -> Result<u64, StoreError> {
        let ids: Vec<String> = users.iter().map(ToString::to_string).collect();
        let deleted =
            key_slot::Entity::delete_many().filter(key_slot::Column::UserId.is_in(ids)).exec(&self.db).await?;
        Ok(deleted.rows_affected)
    }

    /// Writes a user's slot, replacing any earlier one of theirs (a new password, a
    /// new token), keeping the communities they already received.
    pub async fn save_key_slot(&self, slot: KeySlot) -> Result<(), StoreError> {
        key_slot::Entity::insert(key_slot::ActiveModel::from(key_slot::Model::from(slot)))
            .on_conflict(
                OnConflict::column(key_slot::Column::UserId)
                    .update_columns([
                        key_slot::Column::Login,
                        key_slot::Column::User,
                        key_slot::Column::Salt,
                        key_slot::Column::SealedKey,
                        key_slot::Column::SealedToken,
                        key_slot::Column::TokenExpiresAt,
                        key_slot::Column::SignedInAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await?;
        Ok(())
    }

    /// Forgets a user's session token (signed out, or refused by the server).
    pub async fn clear_token(&self, user: &UserId) -> Result<(), StoreError> {
        key_slot::Entity::update_many()
            .col_expr(key_slot::Column::SealedToken, Option::<Vec<u8>>::None.into())
            .col_expr(key_slot::Column::TokenExpiresAt, Option::<i64>::None.into())
            .filter(key_slot::Column::UserId.eq(user_key(user)))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Records that `user` received documents of `communities`, and whether their
    /// scope has been bootstrapped.
    pub async fn note_communities(
        &self,
        user: &UserId,
        communities: &std::collections::BTreeSet<CommunityId>,
        bootstrapped: bool,
    ) -> Result<(), StoreError> {
        let Some(slot) = key_slot::Entity::find_by_id(user_key(user)).one(&self.db).await? else {
            return Ok(());
        };
        let mut known: std::collections::BTreeSet<CommunityId> =
            serde_json::from_str(&slot.communities).map_err(|e| corrupt("communities", e))?;
        known.extend(communities.iter().copied());
        key_slot::Entity::update_many()
            .col_expr(key_slot::Column::Communities, json(&known).into())
            .col_expr(key_slot::Column::Bootstrapped, (slot.bootstrapped || bootstrapped).into())
            .filter(key_slot::Column::UserId.eq(user_key(user)))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    // Documents.

    pub async fn document(&self, elder: ElderId) -> Result<Option<StoredDocument>, StoreError> {
        document::Entity::find_by_id(elder.to_string()).one(&self.db).await?.map(StoredDocument::try_from).transpose()
    }

    /// The stored documents among `elders` (absent ones are left out), in one query
    /// per 500.
    pub async fn documents_of(&self, elders: &[ElderId]) -> Result<Vec<StoredDocument>, StoreError> {
        let mut found = Vec::with_capacity(elders.len());
        for chunk in elders.chunks(500) {
            let ids = chunk.iter().map(ToString::to_string);
            found.extend(document::Entity::find().filter(document::Column::ElderId.is_in(ids)).all(&self.db).await?);
        }
        parsed(found)
    }

    /// The documents of `communities`, or of every community for `None`.
    pub async fn documents(&self, communities: Option<&[CommunityId]>) -> Result<Vec<StoredDocument>, StoreError> {
        let mut query = document::Entity::find();
        if let Some(communities) = communities {
            query = query.filter(document::Column::CommunityId.is_in(communities.iter().map(ToString::to_string)));
        }
        parsed(query.all(&self.db).await?)
    }

    /// A local edit, durably: the document and its new changes, together.
    pub async fn save_edit(
        &self,
        document: SealedDocument,
        changes: Vec<SealedChange>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let txn = self.db.begin().await?;
        upsert_documents(&txn, vec![document], now).await?;
        insert_pending(&txn, changes, now).await?;
        txn.commit().await?;
        Ok(())
    }

    /// What a pull or bootstrap brought: documents to write, elders who left the
    /// scope, and the cursor to continue from, together.
    pub async fn save_received(
        &self,
        documents: Vec<SealedDocument>,
        departed: &[ElderId],
        cursor: &Cursor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let txn = self.db.begin().await?;
        upsert_documents(&txn, documents, now).await?;
        if !departed.is_empty() {
            document::Entity::delete_many()
                .filter(document::Column::ElderId.is_in(departed.iter().map(ToString::to_string)))
                .exec(&txn)
                .await?;
        }
        station::Entity::update_many()
            .col_expr(station::Column::Cursor, json(cursor).into())
            .filter(station::Column::Id.eq(1))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Pending changes, oldest first.
    pub async fn pending(&self) -> Result<Vec<PendingChange>, StoreError> {
        parsed(pending_change::Entity::find().order_by_asc(pending_change::Column::Id).all(&self.db).await?)
    }

    /// How many changes wait per elder (elder id → count), without reading them.
    pub async fn pending_per_elder(&self) -> Result<HashMap<ElderId, u32>, StoreError> {
        count_per_elder::<pending_change::Entity, _>(&self.db, pending_change::Column::ElderId).await
    }

    /// How many refused changes are kept per elder.
    pub async fn rejected_per_elder(&self) -> Result<HashMap<ElderId, u32>, StoreError> {
        count_per_elder::<rejected_change::Entity, _>(&self.db, rejected_change::Column::ElderId).await
    }

    pub async fn pending_count(&self) -> Result<u64, StoreError> {
        Ok(pending_change::Entity::find().count(&self.db).await?)
    }

    pub async fn rejected_count(&self) -> Result<u64, StoreError> {
        Ok(rejected_change::Entity::find().count(&self.db).await?)
    }

    /// The server stored these changes: they are pending no longer.
    pub async fn acknowledge(&self, ids: &[i64]) -> Result<(), StoreError> {
        for chunk in ids.chunks(500) {
            pending_change::Entity::delete_many()
                .filter(pending_change::Column::Id.is_in(chunk.iter().copied()))
                .exec(&self.db)
                .await?;
        }
        Ok(())
    }

    /// The server refused `refused` pending changes: they move to the rejected
    /// changes with the reason, and the document is replaced by `rebuilt` (the
    /// document without them), or removed when nothing of it is left.
    pub async fn reject(
        &self,
        elder: ElderId,
        refused: Vec<(PendingChange, Refusal)>,
        rebuilt: Option<SealedDocument>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let txn = self.db.begin().await?;
        let ids: Vec<i64> = refused.iter().map(|(p, _)| p.id).collect();
        let rows: Vec<rejected_change::ActiveModel> = refused
            .into_iter()
            .map(|(p, refusal)| rejected_change::ActiveModel {
                id: NotSet,
                elder_id: Set(p.elder.to_string()),
                hash: Set(p.hash.to_string()),
                sealed_change: Set(p.sealed),
                code: Set(refusal.code.as_str().to_owned()),
                field: Set(refusal.field),
                reason: Set(refusal.reason),
                saved_at: Set(p.saved_at.as_millis()),
                rejected_at: Set(now.as_millis()),
            })
            .collect();
        if !rows.is_empty() {
            rejected_change::Entity::insert_many(rows).exec_without_returning(&txn).await?;
        }
        pending_change::Entity::delete_many().filter(pending_change::Column::Id.is_in(ids)).exec(&txn).await?;
        match rebuilt {
            Some(document) => upsert_documents(&txn, vec![document], now).await?,
            None => {
                document::Entity::delete_by_id(elder.to_string()).exec(&txn).await?;
            }
        }
        txn.commit().await?;
        Ok(())
    }

    /// Rejected changes, of one elder or of all, newest first.
    pub async fn rejected(&self, elder: Option<ElderId>) -> Result<Vec<RejectedChange>, StoreError> {
        let mut query = rejected_change::Entity::find().order_by_desc(rejected_change::Column::Id);
        if let Some(elder) = elder {
            query = query.filter(rejected_change::Column::ElderId.eq(elder.to_string()));
        }
        parsed(query.all(&self.db).await?)
    }

    /// Removes every record from the workstation (it was revoked): documents,
    /// changes, users and the device's identity.
    pub async fn wipe(&self) -> Result<(), StoreError> {
        let txn = self.db.begin().await?;
        document::Entity::delete_many().exec(&txn).await?;
        pending_change::Entity::delete_many().exec(&txn).await?;
        rejected_change::Entity::delete_many().exec(&txn).await?;
        key_slot::Entity::delete_many().exec(&txn).await?;
        station::Entity::update_many()
            .col_expr(station::Column::DeviceId, Option::<String>::None.into())
            .col_expr(station::Column::Cursor, json(&Cursor::new()).into())
            .col_expr(station::Column::LastSuccessAt, Option::<i64>::None.into())
            .filter(station::Column::Id.eq(1))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        // Deleted rows linger in free pages and the WAL until overwritten.
        use sea_orm::ConnectionTrait as _;
        self.db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE); VACUUM;").await?;
        Ok(())
    }

    pub async fn close(self) {
        let _ = self.db.close().await;
    }
}

async fn count_per_elder<E, C>(db: &DatabaseConnection, elder: C) -> Result<HashMap<ElderId, u32>, StoreError>
where
    E: EntityTrait,
    C: ColumnTrait,
{
    let rows: Vec<(String, i64)> = E::find()
        .select_only()
        .column(elder)
        .column_as(elder.count(), "n")
        .group_by(elder)
        .into_tuple()
        .all(db)
        .await?;
    rows.into_iter().map(|(elder, n)| Ok((elder.parse().map_err(|e| corrupt("elder id", e))?, n as u32))).collect()
}

async fn upsert_documents<C: sea_orm::ConnectionTrait>(
    db: &C,
    documents: Vec<SealedDocument>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let rows: Vec<document::ActiveModel> = documents
        .into_iter()
        .map(|d| document::ActiveModel {
            elder_id: Set(d.elder.to_string()),
            community_id: Set(d.community.to_string()),
            sealed_snapshot: Set(d.snapshot),
            sealed_rows: Set(d.rows),
            updated_at: Set(now.as_millis()),
        })
        .collect();
    for chunk in rows.chunks(200) {
        document::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(document::Column::ElderId)
                    .update_columns([
                        document::Column::CommunityId,
                        document::Column::SealedSnapshot,
                        document::Column::SealedRows,
                        document::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

async fn insert_pending<C: sea_orm::ConnectionTrait>(
    db: &C,
    changes: Vec<SealedChange>,
    now: Timestamp,
) -> Result<(), StoreError> {
    if changes.is_empty() {
        return Ok(());
    }
    let rows: Vec<pending_change::ActiveModel> = changes
        .into_iter()
        .map(|c| pending_change::ActiveModel {
            id: NotSet,
            elder_id: Set(c.elder.to_string()),
            hash: Set(c.hash.to_string()),
            sealed_change: Set(c.change),
            saved_at: Set(now.as_millis()),
        })
        .collect();
    pending_change::Entity::insert_many(rows).exec_without_returning(db).await?;
    Ok(())
}
