//! The sync protocol's messages: what a workstation and the server send each other
//! over HTTP as JSON, with the limits both sides agree on.
//!
//! One definition serves both ends (the server's axum handlers and the workstation's
//! reqwest client), so the two cannot drift. The messages follow the change log of
//! ARCHITECTURE.md: a push sends a workstation's unacknowledged Automerge changes per
//! document; a pull returns the changes after a cursor that holds one sequence number
//! per community; a new workstation bootstraps from document snapshots and then
//! follows the cursor the bootstrap gave it.
//!
//! Compatibility rules:
//! - Every request carries [`PROTOCOL_VERSION`]; the server refuses a version it does
//!   not speak with [`ErrorCode::UnsupportedProtocol`] before reading anything else.
//! - Unknown fields are accepted and ignored (no `deny_unknown_fields`), so a newer
//!   peer may add optional fields without breaking an older one.
//! - New values of a closed set ([`ErrorCode`], [`RejectCode`], [`PushOutcome`]) are
//!   not forward compatible: an older peer cannot read them. Adding one is a protocol
//!   change and bumps [`PROTOCOL_VERSION`].

mod cursor;
mod encoding;
mod errors;
mod handover;
mod release;

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use crate::document::{MAX_CHANGE_BYTES, MAX_CHANGE_INFLATED_BYTES, MAX_CHANGE_OPS, MAX_CHANGE_PREDS};
pub use cursor::Cursor;
pub use encoding::{AutomergeBytes, DeviceKey, Heads};
pub use errors::{ErrorBody, ErrorCode, RequestError, check_protocol};
pub use handover::{AssistantHandover, HandoverMove, MAX_WAITING_AUTHORS, WaitingChanges, WaitingOnWorkstation};
pub use release::{AppStanding, AppVersion, AppVersionError, Releases};

use crate::ids::{CommunityId, DeviceId, ElderId, Generation};
use crate::policy::{Policy, PolicyVersion};
use crate::time::Timestamp;
use crate::user::SignedInUser;
use crate::validate::{RejectCode, ValidationError};

/// The protocol this build speaks. Requests carry it; the server answers a version it
/// does not speak with [`ErrorCode::UnsupportedProtocol`].
///
/// 3: sync answers name the database's [`Generation`], and a workstation that sees it
/// change heals (pulls from zero, sends again what the server may have lost).
pub const PROTOCOL_VERSION: u32 = 3;

/// The oldest protocol the server still speaks: the one before, so workstations keep
/// syncing while a city rolls a new app out after upgrading the server. What a
/// protocol-2 workstation misses: it ignores the generation, so it does not heal after
/// a restore (the operations guide says to upgrade them before restoring).
pub const OLDEST_PROTOCOL_VERSION: u32 = PROTOCOL_VERSION - 1;

/// Most documents in one push. A workstation with more pending sends several pushes.
pub const MAX_DOCUMENTS_PER_PUSH: usize = 200;

/// Most changes for one document in one push. A document with more pending changes
/// is pushed in several rounds, each a causal prefix of the rest, so that every
/// change's dependencies are already on the server (or in the same push) when it
/// arrives; otherwise it is rejected as [`RejectCode::MissingDependencies`].
pub const MAX_CHANGES_PER_DOCUMENT_PUSH: usize = 500;

/// Most bytes, once inflated, of all the changes in one push. A workstation fills a
/// push up to this (its own changes are not compressed, so it knows the figure).
pub const MAX_PUSH_INFLATED_BYTES: usize = 24 * 1024 * 1024;

/// Most operations over all the changes in one push: what bounds the memory Automerge
/// needs to apply a push, whatever the documents.
pub const MAX_PUSH_OPS: u64 = 400_000;

/// Largest elder document the server stores, as a full Automerge save. A decade of
/// weekly visits is about 200 KiB; this leaves room while bounding what loading one
/// stored document can cost.
pub const MAX_DOCUMENT_BYTES: usize = 2 * 1024 * 1024;

/// Largest request body the server reads, in bytes on the wire (base64 makes changes
/// a third larger). A client fills a push up to the count limits and this size.
pub const MAX_REQUEST_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Log entries (changes and departures) per pull page when the client has no reason
/// to ask for another size.
pub const DEFAULT_PULL_LIMIT: u32 = 1_000;

/// Most log entries the server returns in one pull page; larger requests are clamped.
pub const MAX_PULL_LIMIT: u32 = 5_000;

/// Snapshots per bootstrap page when the client has no reason to ask for another size.
pub const DEFAULT_BOOTSTRAP_LIMIT: u32 = 100;

/// Most snapshots the server returns in one bootstrap page; larger requests are clamped.
pub const MAX_BOOTSTRAP_LIMIT: u32 = 500;

/// `POST` push: a workstation's unacknowledged changes, grouped by document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushRequest {
    pub protocol: u32,
    /// Each elder at most once.
    pub documents: Vec<DocumentPush>,
}

/// One document's changes in a push, in causal order (each after its dependencies).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentPush {
    pub elder: ElderId,
    pub changes: Vec<AutomergeBytes>,
}

impl DocumentPush {
    /// Every change of a document (a new workstation's first push, a test, a bench).
    pub fn whole(document: &crate::document::ElderDocument) -> Self {
        Self {
            elder: document.elder_id(),
            changes: document.changes_since(&[]).into_iter().map(AutomergeBytes::new).collect(),
        }
    }
}

/// What a document's changes in a push weigh, read from their headers and columns
/// without decoding them (`document::summarise_change`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushWeight {
    pub inflated_bytes: usize,
    pub ops: u64,
    /// The users the changes name as their authors.
    pub authors: std::collections::BTreeSet<crate::ids::UserId>,
}

impl PushWeight {
    pub fn add(&mut self, other: &PushWeight) {
        self.inflated_bytes = self.inflated_bytes.saturating_add(other.inflated_bytes);
        self.ops = self.ops.saturating_add(other.ops);
        self.authors.extend(other.authors.iter().copied());
    }

    /// Refuses a whole push past the per-push limits.
    pub fn check_push(&self) -> Result<(), RequestError> {
        if self.inflated_bytes > MAX_PUSH_INFLATED_BYTES {
            return Err(RequestError::PushTooHeavy {
                what: "bytes once inflated",
                found: self.inflated_bytes as u64,
                max: MAX_PUSH_INFLATED_BYTES as u64,
            });
        }
        if self.ops > MAX_PUSH_OPS {
            return Err(RequestError::PushTooHeavy { what: "operations", found: self.ops, max: MAX_PUSH_OPS });
        }
        Ok(())
    }
}

impl PushWeight {
    /// Weighs changes one by one; the first that cannot be read or passes a
    /// per-change limit is named by its index.
    pub fn of<'a>(
        changes: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<PushWeight, (usize, crate::document::ChunkError)> {
        let mut weight = PushWeight::default();
        for (index, change) in changes.into_iter().enumerate() {
            let summary = crate::document::summarise_change(change).map_err(|e| (index, e))?;
            weight.inflated_bytes = weight.inflated_bytes.saturating_add(summary.inflated_bytes);
            weight.ops = weight.ops.saturating_add(summary.ops);
            weight.authors.extend(summary.author.map(|a| a.user));
        }
        Ok(weight)
    }
}

impl PushRequest {
    /// A push in this build's protocol.
    pub fn new(documents: Vec<DocumentPush>) -> Self {
        Self { protocol: PROTOCOL_VERSION, documents }
    }

    /// The checks the server makes before touching any document; the client runs
    /// them too, before sending, to split its pending changes the same way.
    pub fn check(&self) -> Result<(), RequestError> {
        check_protocol(self.protocol)?;
        if self.documents.len() > MAX_DOCUMENTS_PER_PUSH {
            return Err(RequestError::TooManyDocuments { count: self.documents.len(), max: MAX_DOCUMENTS_PER_PUSH });
        }
        let mut seen = HashSet::with_capacity(self.documents.len());
        for document in &self.documents {
            // Two entries for one elder would make "one result per document" ambiguous.
            if !seen.insert(document.elder) {
                return Err(RequestError::DuplicateElder { elder: document.elder });
            }
            if document.changes.len() > MAX_CHANGES_PER_DOCUMENT_PUSH {
                return Err(RequestError::TooManyChanges {
                    elder: document.elder,
                    count: document.changes.len(),
                    max: MAX_CHANGES_PER_DOCUMENT_PUSH,
                });
            }
            if let Some((index, change)) = document.changes.iter().enumerate().find(|(_, c)| c.len() > MAX_CHANGE_BYTES)
            {
                return Err(RequestError::ChangeTooLarge {
                    elder: document.elder,
                    index,
                    bytes: change.len(),
                    max: MAX_CHANGE_BYTES,
                });
            }
        }
        Ok(())
    }
}

/// The answer to a push: one result per document of the request, in the same order.
/// Documents are judged one by one: a rejected document stores nothing, and the
/// others still land.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushResponse {
    pub results: Vec<DocumentPushResult>,
    /// The database's generation (protocol 3); absent from an older server.
    #[serde(default)]
    pub generation: Option<Generation>,
}

/// What became of one document's changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentPushResult {
    pub elder: ElderId,
    pub outcome: PushOutcome,
}

/// Accepted or rejected, tagged by `kind` on the wire:
/// `{"kind": "accepted", "heads": [...], "stored": 2}` or
/// `{"kind": "rejected", "code": "invalidField", "field": "profile.name", "reason": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum PushOutcome {
    /// The changes are durably stored (the server answers only after its transaction
    /// commits), so the workstation may mark them acknowledged.
    Accepted {
        /// The document's heads on the server after the push.
        heads: Heads,
        /// How many of the changes were new to the server; 0 for a replayed push.
        stored: u32,
    },
    /// Nothing of this document was stored. The workstation keeps the changes and
    /// shows the reason; it never drops them silently.
    Rejected {
        code: RejectCode,
        /// The field at fault as a dotted path, where one field is to blame.
        field: Option<String>,
        /// A sentence for people; programs switch on `code`.
        reason: String,
        /// For [`RejectCode::MissingDependencies`]: the changes the server lacks that
        /// these build on (protocol 3). After a restore they are a colleague's, on
        /// their way back from the colleague's workstation; the workstation sends
        /// meanwhile what does not build on them.
        #[serde(default, skip_serializing_if = "Heads::is_empty")]
        missing: Heads,
    },
}

impl PushOutcome {
    pub fn is_accepted(&self) -> bool {
        matches!(self, PushOutcome::Accepted { .. })
    }
}

impl From<&ValidationError> for PushOutcome {
    fn from(error: &ValidationError) -> Self {
        let missing = match error {
            ValidationError::MissingDependencies { missing } => {
                Heads::new(missing.iter().filter_map(|hash| hash.parse().ok()).collect())
            }
            _ => Heads::default(),
        };
        PushOutcome::Rejected { code: error.code(), field: error.field(), reason: error.to_string(), missing }
    }
}

/// `POST` pull: the log entries after `cursor` in the caller's scope.
///
/// The server reads communities in the caller's scope only: one missing from the
/// cursor starts at 0, and positions for communities outside the scope are ignored
/// (a scope that shrank must not wedge the workstation behind a refusal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullRequest {
    pub protocol: u32,
    pub cursor: Cursor,
    /// Most log entries (changes and departures) wanted; see [`Self::effective_limit`].
    pub limit: u32,
    /// What still waits on the workstation after its push, by author: an assistant's
    /// handover says how much of their work is not yet synced where. (Absent from
    /// older apps.)
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waiting: Vec<WaitingChanges>,
}

impl PullRequest {
    /// A pull in this build's protocol.
    pub fn new(cursor: Cursor, limit: u32) -> Self {
        Self { protocol: PROTOCOL_VERSION, cursor, limit, waiting: Vec::new() }
    }

    pub fn check(&self) -> Result<(), RequestError> {
        check_protocol(self.protocol)?;
        if self.waiting.len() > MAX_WAITING_AUTHORS {
            return Err(RequestError::TooManyWaitingAuthors { found: self.waiting.len(), max: MAX_WAITING_AUTHORS });
        }
        Ok(())
    }

    /// The page size the server uses: the request's, clamped to 1..=[`MAX_PULL_LIMIT`].
    /// A limit is a wish, not bad input, so it is clamped rather than refused; never
    /// 0, so every page makes progress.
    pub fn effective_limit(&self) -> u32 {
        self.limit.clamp(1, MAX_PULL_LIMIT)
    }
}

/// One page of the log.
///
/// Within a community, an elder appears at most once per page: in `documents` or in
/// `departed`, whichever its latest entry in the page is. (The two lists carry no
/// order between them, so the server settles it.) A page may hold fewer entries than
/// the limit, for example to bound its size; `more` says whether to ask again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullResponse {
    pub documents: Vec<PulledDocument>,
    pub departed: Vec<DepartedElder>,
    /// The request's cursor advanced past this page, for the caller's scope. The
    /// workstation stores it (see [`Cursor::merge`]) in the same local transaction
    /// that applies the page, so a cut connection loses nothing and repeats nothing.
    pub next_cursor: Cursor,
    /// True when entries remain after this page.
    pub more: bool,
    /// The version of the policy the server judges by. A workstation holding another
    /// fetches the policy (`GET policy`, [`CityPolicy`]); absent from an older server.
    #[serde(default)]
    pub policy_version: Option<PolicyVersion>,
    /// The database's generation (protocol 3); absent from an older server.
    #[serde(default)]
    pub generation: Option<Generation>,
    /// People who signed in on this workstation and have since been taken off: it
    /// forgets their key slots, so they can no longer sign in there offline either.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taken_off: Vec<crate::ids::UserId>,
}

/// `GET` policy: the visit policy the server judges by (tiers, intervals, what counts
/// as a visit, the time allowances, the role table), for workstations to judge alike.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CityPolicy {
    pub version: PolicyVersion,
    pub policy: Policy,
}

/// One document's entries from one community's log, as Automerge chunks for
/// [`ElderDocument::apply_changes`](crate::document::ElderDocument::apply_changes):
/// - where the page holds every change of the document (a first pull, or an elder who
///   moved in, whom the new community's log enters whole), the document's save;
/// - otherwise the changes the page names, each after its dependencies.
///
/// The save may hold changes logged after the page; applying them twice is harmless.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PulledDocument {
    pub elder: ElderId,
    pub community: CommunityId,
    pub chunks: Vec<AutomergeBytes>,
}

/// An elder who moved to another community: the old community's log ends the elder
/// with this marker, so that community's workstations drop the elder from its roster
/// (the document stays if the workstation also follows the new community).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DepartedElder {
    pub elder: ElderId,
    pub from_community: CommunityId,
}

/// `POST` bootstrap: whole documents of the caller's scope, by elder id, for a
/// workstation that has none yet. Cheaper than replaying the log from 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BootstrapRequest {
    pub protocol: u32,
    /// Start after this elder (the previous page's `next`); `None` for the first page.
    pub after: Option<ElderId>,
    /// Most snapshots wanted; see [`Self::effective_limit`].
    pub limit: u32,
}

impl BootstrapRequest {
    /// A bootstrap page request in this build's protocol.
    pub fn new(after: Option<ElderId>, limit: u32) -> Self {
        Self { protocol: PROTOCOL_VERSION, after, limit }
    }

    pub fn check(&self) -> Result<(), RequestError> {
        check_protocol(self.protocol)
    }

    /// The page size the server uses: the request's, clamped to 1..=[`MAX_BOOTSTRAP_LIMIT`].
    pub fn effective_limit(&self) -> u32 {
        self.limit.clamp(1, MAX_BOOTSTRAP_LIMIT)
    }
}

/// One page of snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BootstrapResponse {
    pub snapshots: Vec<DocumentSnapshot>,
    /// The log position read before this page's snapshots, so every change is either
    /// in a snapshot or after the cursor (some are both; applying twice is harmless).
    /// The workstation keeps the *first* page's cursor and pulls from it once the
    /// bootstrap completes: a later page's cursor is past changes to documents that
    /// earlier pages already delivered, so following it could skip them.
    pub cursor: Cursor,
    /// The `after` for the next page; `None` when this was the last.
    pub next: Option<ElderId>,
    /// The database's generation (protocol 3); absent from an older server.
    #[serde(default)]
    pub generation: Option<Generation>,
}

/// One elder's whole document as the server holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentSnapshot {
    pub elder: ElderId,
    pub community: CommunityId,
    /// A full Automerge save.
    pub document: AutomergeBytes,
    pub heads: Heads,
}

/// `PUT /api/v1/elders/{elder}/identity`: the full ID number, which the server keeps
/// in its identity record; only the masked form enters the elder's document.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentitySubmission {
    pub id_number: String,
}

impl fmt::Debug for IdentitySubmission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentitySubmission").field("id_number", &LoginSecret(&self.id_number)).finish()
    }
}

/// The answer to an identity submission: the masked form now in the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityAccepted {
    pub id_number_masked: String,
    pub heads: Heads,
}

/// `POST /api/v1/auth/login`: a user signs in on a workstation. The first sign-in
/// registers the workstation as a device; later ones name it by id.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    pub protocol: u32,
    pub login: String,
    pub password: String,
    pub device: DeviceRegistration,
}

/// The workstation signing in: its id once registered, and a name people recognise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceRegistration {
    pub id: Option<DeviceId>,
    pub name: String,
}

impl fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRequest")
            .field("protocol", &self.protocol)
            .field("login", &self.login)
            .field("password", &LoginSecret(&self.password))
            .field("device", &self.device)
            .finish()
    }
}

impl fmt::Debug for LoginSecret<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A password or token in a `Debug` context: never printed.
#[allow(missing_debug_implementations)]
pub struct LoginSecret<'a>(pub &'a str);

/// The answer to a sign-in: an opaque bearer token, valid until `expires_at`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginResponse {
    pub token: String,
    pub expires_at: Timestamp,
    pub user: SignedInUser,
    pub device: DeviceId,
    /// The key this device's data at rest is encrypted with (see the workstation's
    /// store). The server holds every record in the clear already, so keeping the
    /// key adds nothing an attacker of the server lacks; a revoked device gets none.
    pub device_key: DeviceKey,
}

impl fmt::Debug for LoginResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginResponse")
            .field("token", &LoginSecret(&self.token))
            .field("expires_at", &self.expires_at)
            .field("user", &self.user)
            .field("device", &self.device)
            .field("device_key", &self.device_key)
            .finish()
    }
}

/// `GET` version: what the server is, which protocols it speaks, and what the city
/// says of its apps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerVersion {
    /// The newest protocol the server speaks.
    pub protocol: u32,
    /// The oldest it still speaks (absent from a server of protocol 2, which spoke
    /// only its own).
    #[serde(default)]
    pub oldest_protocol: Option<u32>,
    /// The server build, for people reading logs and support requests.
    pub server: String,
    #[serde(default, flatten)]
    pub releases: Releases,
}

#[cfg(test)]
mod tests;
