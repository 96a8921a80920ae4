//! Passwords, session tokens and the signed-in caller.
//!
//! Passwords are argon2id hashes, computed on the blocking pool: a hash takes tens of
//! milliseconds of CPU, which would stall every request sharing the runtime thread.
//! Session tokens are 32 random bytes; the database keeps only their SHA-256, so a
//! copy of the database cannot be replayed as a login.

use std::sync::{Arc, Mutex as StdMutex, PoisonError};
use std::time::Duration;

use argon2::password_hash::PasswordHasher;
use argon2::password_hash::phc::Output;
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};
use jinlin_shared::area::Scope;
use jinlin_shared::ids::{AreaId, DeviceId, UserId};
use jinlin_shared::user::Role;
use rand::Rng as _;
use sha2::{Digest, Sha256};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("a password needs at least {min} characters")]
    TooShort { min: usize },
    #[error("the password could not be hashed: {0}")]
    Hash(String),
    #[error("the hashing task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

pub const MIN_PASSWORD_CHARS: usize = 8;

/// Hashes a password with argon2id, off the async threads.
pub async fn hash_password(password: String) -> Result<String, PasswordError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort { min: MIN_PASSWORD_CHARS });
    }
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| PasswordError::Hash(e.to_string()))
    })
    .await?
}

/// The sign-in hashing slots: at most a fixed number of hashes at once, each slot
/// keeping its argon2 memory between hashes. Allocated afresh per hash, the 19 MiB
/// blocks stay with the allocator's per-thread arenas once freed: measured, 40
/// concurrent wrong passwords left the server at 627 MiB. Kept, hashing costs a fixed
/// slots × 19 MiB however many sign in.
#[derive(Debug, Clone)]
pub struct HashSlots {
    permits: Arc<Semaphore>,
    memory: Arc<StdMutex<Vec<Vec<Block>>>>,
}

/// A stored hash asking for more memory than this (in 1 KiB blocks) verifies nothing:
/// hashes are made here with argon2's default 19 MiB.
const MAX_HASH_BLOCKS: usize = 64 * 1024;

impl HashSlots {
    pub fn new(slots: usize) -> Self {
        Self { permits: Arc::new(Semaphore::new(slots)), memory: Arc::default() }
    }

    /// A slot, or `None` when every one stayed taken for `wait`.
    pub async fn acquire(&self, wait: Duration) -> Option<HashSlot> {
        let permit = tokio::time::timeout(wait, self.permits.clone().acquire_owned()).await.ok()?.ok()?;
        let memory = self.memory.lock().unwrap_or_else(PoisonError::into_inner).pop().unwrap_or_default();
        Some(HashSlot { _permit: permit, memory, slots: self.clone() })
    }

    /// Takes `n` slots and keeps them until the permit drops (a test fills them so).
    pub async fn hold(&self, n: u32) -> Option<OwnedSemaphorePermit> {
        self.permits.clone().acquire_many_owned(n).await.ok()
    }
}

/// One hashing slot and its memory, given back when dropped.
#[derive(Debug)]
pub struct HashSlot {
    _permit: OwnedSemaphorePermit,
    memory: Vec<Block>,
    slots: HashSlots,
}

impl HashSlot {
    /// Checks a password against a stored hash in this slot's memory, off the async
    /// threads. A malformed stored hash verifies nothing.
    pub async fn verify(mut self, password: String, stored: String) -> Result<bool, PasswordError> {
        let mut memory = std::mem::take(&mut self.memory);
        let (verified, memory) = tokio::task::spawn_blocking(move || {
            let verified = verify_in(password.as_bytes(), &stored, &mut memory);
            (verified, memory)
        })
        .await?;
        self.memory = memory;
        Ok(verified)
    }
}

impl Drop for HashSlot {
    fn drop(&mut self) {
        if !self.memory.is_empty() {
            let memory = std::mem::take(&mut self.memory);
            self.slots.memory.lock().unwrap_or_else(PoisonError::into_inner).push(memory);
        }
    }
}

/// Whether `password` hashes to `stored` (a PHC string), computed in `memory`, which
/// grows to what the stored parameters ask. The outputs are compared in constant time.
fn verify_in(password: &[u8], stored: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else { return false };
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else { return false };
    let Ok(algorithm) = Algorithm::try_from(hash.algorithm.as_str()) else { return false };
    let Ok(version) = hash.version.map(Version::try_from).transpose() else { return false };
    let Ok(params) = Params::try_from(&hash) else { return false };
    if params.block_count() > MAX_HASH_BLOCKS {
        return false;
    }
    if memory.len() < params.block_count() {
        memory.resize(params.block_count(), Block::new());
    }
    let mut computed = vec![0u8; expected.len()];
    Argon2::new(algorithm, version.unwrap_or_default(), params)
        .hash_password_into_with_memory(password, salt, &mut computed, memory.as_mut_slice())
        .is_ok()
        && Output::new(&computed).is_ok_and(|computed| &computed == expected)
}

/// A new session token (to give out once) and the hash to store.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

/// A new device's data key: 32 random bytes.
pub fn new_device_key() -> jinlin_shared::wire::DeviceKey {
    let mut bytes = [0u8; jinlin_shared::wire::DeviceKey::LEN];
    rand::rng().fill_bytes(&mut bytes);
    jinlin_shared::wire::DeviceKey::from_bytes(bytes)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The device that changes made by the server itself carry (e.g. writing an ID
/// number's masked form): a fixed, recognisable UUIDv7.
pub const SERVER_DEVICE: DeviceId = DeviceId::SERVER;

/// Who is calling: a signed-in user on a registered device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user: UserId,
    pub device: DeviceId,
    pub role: Role,
    pub scope: Scope,
}

/// The enabled user `login` as a caller at the server's console, on the server's own
/// device (a roster import, an erasure); `None` when there is no such enabled user.
pub async fn console_caller(db: &sea_orm::DatabaseConnection, login: &str) -> anyhow::Result<Option<Caller>> {
    use anyhow::Context as _;
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
    let found = crate::db::entity::user::Entity::find()
        .filter(crate::db::entity::user::Column::Login.eq(login))
        .one(db)
        .await?
        .filter(|u| !u.disabled);
    let Some(account) = found else { return Ok(None) };
    let role = Role::parse(&account.role).context("a stored role")?;
    let scope = scope_of(account.scope_area_id.as_deref()).context("a stored scope")?;
    Ok(Some(Caller { user: account.id.parse().context("a stored user id")?, device: SERVER_DEVICE, role, scope }))
}

/// A user row's scope column: `None` is the whole city.
pub fn scope_of(area: Option<&str>) -> Option<Scope> {
    match area {
        None => Some(Scope::City),
        Some(id) => id.parse::<AreaId>().ok().map(Scope::Area),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_slot_verifies_in_memory_it_keeps_and_gives_back() {
        let stored = hash_password("correct horse".into()).await.unwrap();
        let slots = HashSlots::new(1);
        for (password, expected) in [("correct horse", true), ("correct horsf", false), ("correct horse", true)] {
            let slot = slots.acquire(Duration::from_secs(1)).await.unwrap();
            assert_eq!(slot.verify(password.into(), stored.clone()).await.unwrap(), expected, "{password}");
            let kept = slots.memory.lock().unwrap();
            assert_eq!(kept.len(), 1, "the slot's memory is given back");
            assert_eq!(kept[0].len(), Params::DEFAULT_M_COST as usize, "19 MiB, allocated once");
        }
    }

    #[tokio::test]
    async fn a_malformed_or_greedy_stored_hash_verifies_nothing() {
        let slots = HashSlots::new(1);
        let greedy = "$argon2id$v=19$m=1048576,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$\
                      q8B4iQ0nD0n3mGr8FQdQ1Q0M9T7m6x8d1u8+Hq7w7Cw";
        let parsed = PasswordHash::new(greedy).unwrap();
        assert_eq!(Params::try_from(&parsed).unwrap().block_count(), 1 << 20, "well-formed, asking for 1 GiB");
        for stored in ["", "not a hash", "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ", greedy] {
            let slot = slots.acquire(Duration::from_secs(1)).await.unwrap();
            assert!(!slot.verify("anything at all".into(), stored.into()).await.unwrap(), "{stored}");
        }
        assert!(slots.memory.lock().unwrap().iter().all(Vec::is_empty), "nothing was allocated for them");
    }

    #[tokio::test]
    async fn past_its_slots_an_acquire_gives_up_after_the_wait() {
        let slots = HashSlots::new(2);
        let held = slots.hold(2).await.unwrap();
        assert!(slots.acquire(Duration::from_millis(50)).await.is_none());
        drop(held);
        assert!(slots.acquire(Duration::from_millis(50)).await.is_some());
    }
}
