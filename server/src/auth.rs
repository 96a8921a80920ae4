//! Passwords, session tokens and the signed-in caller.
//!
//! Passwords are argon2id hashes, computed on the blocking pool: a hash takes tens of
//! milliseconds of CPU, which would stall every request sharing the runtime thread.
//! Session tokens are 32 random bytes; the database keeps only their SHA-256, so a
//! copy of the database cannot be replayed as a login.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, PasswordHash};
use jinlin_shared::area::Scope;
use jinlin_shared::ids::{AreaId, DeviceId, UserId};
use jinlin_shared::user::Role;
use rand::Rng as _;
use sha2::{Digest, Sha256};

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

/// Checks a password against a stored hash, off the async threads. A malformed stored
/// hash verifies nothing.
pub async fn verify_password(password: String, stored: String) -> Result<bool, PasswordError> {
    Ok(tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
    })
    .await?)
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

/// A user row's scope column: `None` is the whole city.
pub fn scope_of(area: Option<&str>) -> Option<Scope> {
    match area {
        None => Some(Scope::City),
        Some(id) => id.parse::<AreaId>().ok().map(Scope::Area),
    }
}
