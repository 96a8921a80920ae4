//! What the store hands out and takes in: typed records, their ids and hashes parsed
//! once, here, from the rows of `entity`. A row that does not parse is reported as a
//! corrupt store, never passed on as text.

use std::collections::BTreeSet;

use jinlin_shared::ChangeHash;
use jinlin_shared::ids::{CommunityId, ElderId, UserId};
use jinlin_shared::time::Timestamp;
use jinlin_shared::user::SignedInUser;
use jinlin_shared::validate::RejectCode;

use super::StoreError;
use super::entity::{document, key_slot, pending_change, rejected_change};

/// A document to write: the elder, their community, and the sealed bytes.
#[derive(Debug, Clone)]
pub struct SealedDocument {
    pub elder: ElderId,
    pub community: CommunityId,
    pub snapshot: Vec<u8>,
    pub rows: Vec<u8>,
}

/// A stored document, as sealed.
#[derive(Debug, Clone)]
pub struct StoredDocument {
    pub elder: ElderId,
    pub community: CommunityId,
    pub sealed_snapshot: Vec<u8>,
    /// `ElderRows` as JSON, so the roster opens without loading every document.
    pub sealed_rows: Vec<u8>,
}

/// A change to keep until the server acknowledges it.
#[derive(Debug, Clone)]
pub struct SealedChange {
    pub elder: ElderId,
    pub hash: ChangeHash,
    pub change: Vec<u8>,
}

/// A change saved here that the server has not acknowledged yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingChange {
    /// Its place in the store: changes are sent in this order.
    pub id: i64,
    pub elder: ElderId,
    pub hash: ChangeHash,
    pub sealed: Vec<u8>,
    pub saved_at: Timestamp,
}

/// Why the server refused a pending change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: RejectCode,
    pub field: Option<String>,
    /// The server's sentence (English), for the log and the English screen.
    pub reason: String,
}

/// A change the server refused, kept to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedChange {
    pub elder: ElderId,
    pub hash: ChangeHash,
    pub refusal: Refusal,
    pub saved_at: Timestamp,
    pub rejected_at: Timestamp,
}

/// A user who signed in here: the device's data key sealed under their own key, and
/// their session token likewise (see `crypto`).
#[derive(Debug, Clone)]
pub struct KeySlot {
    pub user: SignedInUser,
    pub salt: Vec<u8>,
    pub sealed_key: Vec<u8>,
    pub sealed_token: Option<Vec<u8>>,
    pub token_expires_at: Option<Timestamp>,
    /// Communities whose documents this user received, for their roster.
    pub communities: BTreeSet<CommunityId>,
    /// Whether this user's scope was bootstrapped onto this workstation.
    pub bootstrapped: bool,
    pub signed_in_at: Timestamp,
}

pub(super) fn corrupt(what: &'static str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt { what, reason: error.to_string() }
}

pub(super) fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("invariant: store values serialise to JSON")
}

fn elder(text: &str) -> Result<ElderId, StoreError> {
    text.parse().map_err(|e| corrupt("elder id", e))
}

fn hash(text: &str) -> Result<ChangeHash, StoreError> {
    text.parse().map_err(|e| corrupt("change hash", e))
}

impl TryFrom<document::Model> for StoredDocument {
    type Error = StoreError;

    fn try_from(row: document::Model) -> Result<Self, StoreError> {
        Ok(Self {
            elder: elder(&row.elder_id)?,
            community: row.community_id.parse().map_err(|e| corrupt("community id", e))?,
            sealed_snapshot: row.sealed_snapshot,
            sealed_rows: row.sealed_rows,
        })
    }
}

impl TryFrom<pending_change::Model> for PendingChange {
    type Error = StoreError;

    fn try_from(row: pending_change::Model) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.id,
            elder: elder(&row.elder_id)?,
            hash: hash(&row.hash)?,
            sealed: row.sealed_change,
            saved_at: Timestamp::from_millis(row.saved_at),
        })
    }
}

impl TryFrom<rejected_change::Model> for RejectedChange {
    type Error = StoreError;

    fn try_from(row: rejected_change::Model) -> Result<Self, StoreError> {
        let code = RejectCode::parse(&row.code).ok_or_else(|| corrupt("refusal code", &row.code))?;
        Ok(Self {
            elder: elder(&row.elder_id)?,
            hash: hash(&row.hash)?,
            refusal: Refusal { code, field: row.field, reason: row.reason },
            saved_at: Timestamp::from_millis(row.saved_at),
            rejected_at: Timestamp::from_millis(row.rejected_at),
        })
    }
}

impl TryFrom<key_slot::Model> for KeySlot {
    type Error = StoreError;

    fn try_from(row: key_slot::Model) -> Result<Self, StoreError> {
        let user: SignedInUser = serde_json::from_str(&row.user).map_err(|e| corrupt("user", e))?;
        if user.id.to_string() != row.user_id {
            return Err(corrupt("key slot", format!("slot {} holds user {}", row.user_id, user.id)));
        }
        Ok(Self {
            user,
            salt: row.salt,
            sealed_key: row.sealed_key,
            sealed_token: row.sealed_token,
            token_expires_at: row.token_expires_at.map(Timestamp::from_millis),
            communities: serde_json::from_str(&row.communities).map_err(|e| corrupt("communities", e))?,
            bootstrapped: row.bootstrapped,
            signed_in_at: Timestamp::from_millis(row.signed_in_at),
        })
    }
}

impl From<KeySlot> for key_slot::Model {
    fn from(slot: KeySlot) -> Self {
        Self {
            user_id: slot.user.id.to_string(),
            login: slot.user.login.clone(),
            user: json(&slot.user),
            salt: slot.salt,
            sealed_key: slot.sealed_key,
            sealed_token: slot.sealed_token,
            token_expires_at: slot.token_expires_at.map(Timestamp::as_millis),
            communities: json(&slot.communities),
            bootstrapped: slot.bootstrapped,
            signed_in_at: slot.signed_in_at.as_millis(),
        }
    }
}

/// Rows read from a table, each parsed; the first that does not parse fails them all.
pub(super) fn parsed<R, T: TryFrom<R, Error = StoreError>>(rows: Vec<R>) -> Result<Vec<T>, StoreError> {
    rows.into_iter().map(T::try_from).collect()
}

/// The user column a slot is kept under.
pub(super) fn user_key(user: &UserId) -> String {
    user.to_string()
}
