//! The workstation: sign-in (online the first time, offline after), and every
//! operation an assistant performs, as plain async functions. The window's commands
//! and the `jinlin-station` command line are thin wrappers over these.
//!
//! Each edit loads the elder's document, applies one operation from the shared
//! crate, and durably saves the document with its new changes before returning; the
//! sync engine is then nudged and pushes in the background. No operation waits for
//! the network except those that need the server by nature (the first sign-in and
//! submitting an ID number).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use jinlin_shared::ActorId;
use jinlin_shared::ChangeHash;
use jinlin_shared::area::Scope;
use jinlin_shared::author::Author;
use jinlin_shared::coverage::{CoverageTotals, counts_for, elder_coverage};
use jinlin_shared::document::{DocumentError, Edit, ElderDocument, Enrolment, ProfileChange};
use jinlin_shared::ids::{CommunityId, ElderId, FollowUpId, VisitId};
use jinlin_shared::materialise::{ElderRows, materialise};
use jinlin_shared::policy::{Policy, VisitRules};
use jinlin_shared::privacy::mask_phone;
use jinlin_shared::roster::{RosterEntry, RosterQuery};
use jinlin_shared::time::{Month, Timestamp};
use jinlin_shared::user::SignedInUser;
use jinlin_shared::wire::{
    CityPolicy, DeviceKey, DeviceRegistration, IdentitySubmission, LoginRequest, PROTOCOL_VERSION,
};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, broadcast};

use crate::client::{ClientError, ServerClient};
use crate::crypto::{self, Sealer, UserKey};
use crate::error::StationError;
use crate::forms::{EnrolmentForm, VisitForm};
use crate::own_edits::{self, Permitted};
use crate::store::entity::{document, key_slot, rejected_change};
use crate::store::{SealedChange, SealedDocument, Store};
use crate::sync::{SyncSettings, SyncStatus};

/// How a workstation is set up.
#[derive(Debug, Clone)]
pub struct StationConfig {
    /// Where the store lives.
    pub data_dir: PathBuf,
    /// The sync server, e.g. `https://jinlin.example.gov.cn` (plain HTTP only to
    /// this computer).
    pub server: String,
    /// A certificate authority (PEM file) to trust besides the platform's: a city's own.
    pub server_ca: Option<PathBuf>,
    /// What the server's device list calls this workstation.
    pub device_name: String,
    pub sync: SyncSettings,
    pub clock: Clock,
}

/// The workstation's clock: the system's, or one set wrong on purpose to reproduce a
/// workstation whose clock is off (its visits are then dated wrongly and the server
/// refuses those beyond its allowance).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clock {
    offset_millis: i64,
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock `offset` ahead of the system's (behind, if negative).
    pub fn off_by(offset: std::time::Duration, ahead: bool) -> Self {
        let millis = offset.as_millis() as i64;
        Self { offset_millis: if ahead { millis } else { -millis } }
    }

    pub fn now(&self) -> Timestamp {
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default();
        Timestamp::from_millis(millis + self.offset_millis)
    }
}

/// The signed-in user and what their session holds in memory only.
#[derive(Clone)]
pub(crate) struct Session {
    pub user: SignedInUser,
    pub sealer: Sealer,
    /// `None` while signed in offline without a live token.
    pub token: Option<String>,
    pub communities: BTreeSet<CommunityId>,
    pub bootstrapped: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("user", &self.user).field("online", &self.token.is_some()).finish()
    }
}

/// Why a user was signed in by the workstation alone, without the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub enum OfflineReason {
    /// The server could not be reached.
    Unreachable,
    /// The server is slowing sign-ins down after failed ones (on this login or from
    /// this address).
    Throttled,
    /// The server was too busy to check the password.
    Busy,
}

/// The refusals after which a user known here signs in offline.
fn offline_reason(code: jinlin_shared::wire::ErrorCode) -> Option<OfflineReason> {
    match code {
        jinlin_shared::wire::ErrorCode::RateLimited => Some(OfflineReason::Throttled),
        jinlin_shared::wire::ErrorCode::Unavailable => Some(OfflineReason::Busy),
        _ => None,
    }
}

/// How a sign-in went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct SignIn {
    pub user: SignedInUser,
    /// Why the workstation signed the user in by itself; `None` when the server did.
    pub offline: Option<OfflineReason>,
}

/// A roster line: the shared entry plus what only this workstation knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct RosterLine {
    #[serde(flatten)]
    pub entry: RosterEntry,
    /// Changes saved here and not yet acknowledged by the server.
    pub unsynced: u32,
    /// Changes the server refused, kept to show.
    pub rejected: u32,
}

/// The roster with the community's figures for this month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct RosterView {
    pub month: Month,
    pub coverage: CoverageTotals,
    pub lines: Vec<RosterLine>,
}

/// A change the server refused, as the assistant sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct RejectedChangeView {
    pub elder_id: ElderId,
    pub hash: String,
    pub code: String,
    pub field: Option<String>,
    pub reason: String,
    pub saved_at: Timestamp,
    pub rejected_at: Timestamp,
}

/// Everything the elder page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct ElderPage {
    pub entry: RosterEntry,
    pub rows: ElderRows,
    /// The phone as the page shows it: masked but for its last four digits (DOMAIN.md,
    /// Privacy). The full number stays in `rows` for the call button.
    pub phone_masked: Option<String>,
    /// The competing values of private fields (phones) as the page shows them,
    /// masked, by dotted field and in the order of that conflict's values. Other
    /// fields show as written; the full values stay in `rows` to choose from.
    pub masked_conflicts: std::collections::BTreeMap<String, Vec<String>>,
    pub unsynced: u32,
    pub rejected: Vec<RejectedChangeView>,
    /// What the signed-in user may do here (the role table).
    pub permitted: Permitted,
    /// The policy's numbers the visit form checks as the assistant types.
    pub visit_rules: VisitRules,
}

pub(crate) struct Inner {
    pub store: Store,
    /// Replaced whole when the settings name another server.
    pub client: RwLock<ServerClient>,
    /// The screen is locked: the session stays (sync goes on) but the window's
    /// operations wait for the signed-in user's password.
    pub locked: AtomicBool,
    /// This process's Automerge actor: unique per start (DESIGN.md, Sync).
    pub actor: ActorId,
    /// The city's policy as the server last sent it (DOMAIN.md's defaults before the
    /// first); replaced whole when the server names another version.
    pub policy: RwLock<Arc<CityPolicy>>,
    pub device_name: String,
    pub settings: SyncSettings,
    pub clock: Clock,
    /// Held only to copy out; never across an await.
    pub session: RwLock<Option<Session>>,
    /// Serialises read-modify-write of documents between operations and the sync
    /// engine (a tokio mutex: it is held across the store's awaits).
    pub writes: tokio::sync::Mutex<()>,
    pub wake: Notify,
    pub status: Mutex<SyncStatus>,
    pub events: broadcast::Sender<SyncStatus>,
}

/// The workstation core. Cheap to clone; every clone is the same workstation.
#[derive(Clone)]
pub struct Station {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Station {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Station").field("store", &self.inner.store.path()).finish_non_exhaustive()
    }
}

impl Station {
    /// Opens the workstation's store. Nothing is readable until someone signs in.
    pub async fn open(config: StationConfig) -> Result<Self, StationError> {
        let store = Store::open(&config.data_dir).await?;
        let client = ServerClient::new(&config.server, config.server_ca.as_deref())?;
        let (events, _) = broadcast::channel(256);
        let pending = store.pending_count().await? as u32;
        let rejected = store.rejected_count().await? as u32;
        let last_success = store.last_success().await?;
        let policy = match store.policy().await {
            Ok(Some(policy)) => policy,
            Ok(None) => default_policy(),
            // Unreadable (an older app after a newer one, say): the next sync fetches
            // it again; until then, the defaults.
            Err(error) => {
                tracing::warn!(%error, "the stored policy could not be read; using the defaults until the next sync");
                default_policy()
            }
        };
        let status = SyncStatus::signed_out(pending, rejected, last_success);
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                client: RwLock::new(client),
                locked: AtomicBool::new(false),
                actor: ActorId::random(),
                policy: RwLock::new(Arc::new(policy)),
                device_name: config.device_name,
                settings: config.sync,
                clock: config.clock,
                session: RwLock::new(None),
                writes: tokio::sync::Mutex::new(()),
                wake: Notify::new(),
                status: Mutex::new(status),
                events,
            }),
        })
    }

    /// The sync server's address.
    pub fn server(&self) -> String {
        self.client().server().to_owned()
    }

    /// Talks to another server (or trusts another certificate authority) from the
    /// next request on: the settings changed.
    pub fn set_server(&self, server: &str, server_ca: Option<&std::path::Path>) -> Result<(), StationError> {
        let client = ServerClient::new(server, server_ca)?;
        *self.inner.client.write().map_err(|_| poisoned())? = client;
        self.inner.wake.notify_one();
        Ok(())
    }

    /// The city's policy this workstation judges by now.
    pub fn policy(&self) -> Arc<CityPolicy> {
        self.inner.policy.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Keeps `policy` (durably first) and judges by it from now on.
    pub(crate) async fn adopt_policy(&self, policy: CityPolicy) -> Result<(), StationError> {
        self.inner.store.save_policy(&policy).await?;
        tracing::info!(version = %policy.version, "the city's policy changed");
        *self.inner.policy.write().map_err(|_| poisoned())? = Arc::new(policy);
        Ok(())
    }

    pub(crate) fn client(&self) -> ServerClient {
        self.inner.client.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The workstation's time now.
    pub fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    /// The session for an operation of the window: refused while the screen is locked.
    pub(crate) fn session(&self) -> Result<Session, StationError> {
        let session = self.signed_in()?;
        if self.is_locked() {
            return Err(StationError::Locked);
        }
        Ok(session)
    }

    /// The session whether or not the screen is locked: for sync and signing out.
    pub(crate) fn signed_in(&self) -> Result<Session, StationError> {
        self.inner.session.read().map_err(|_| poisoned())?.clone().ok_or(StationError::SignedOut)
    }

    pub fn is_locked(&self) -> bool {
        self.inner.locked.load(Ordering::SeqCst)
    }

    /// Locks the screen (no input for a while, or the user stepped away). Sync goes
    /// on; every other operation waits for [`Station::unlock`].
    pub fn lock(&self) -> Result<(), StationError> {
        self.signed_in()?;
        self.inner.locked.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// Unlocks the screen with the signed-in user's password, checked against their
    /// key slot on this workstation (no network, and no password hash kept).
    pub async fn unlock(&self, password: &str) -> Result<SignedInUser, StationError> {
        let session = self.signed_in()?;
        self.open_key_slot(&session.user.login, password).await?;
        self.inner.locked.store(false, Ordering::SeqCst);
        Ok(session.user)
    }

    /// The user's key slot on this workstation and the data key it holds, opened with
    /// the password (argon2id, off the runtime's threads). A wrong password fails the
    /// slot's AEAD tag: that is the check, and no password hash is kept.
    async fn open_key_slot(
        &self,
        login: &str,
        password: &str,
    ) -> Result<(key_slot::Model, UserKey, DeviceKey), StationError> {
        let slot = self
            .inner
            .store
            .key_slot(login)
            .await?
            .ok_or(StationError::FirstSignInNeedsServer { login: login.into() })?;
        let (sealed_key, salt, user_id, password) =
            (slot.sealed_key.clone(), slot.salt.clone(), slot.user_id.clone(), password.to_owned());
        let opened = blocking(move || {
            let own = UserKey::derive(&password, &salt, &user_id)?;
            own.unwrap(&sealed_key).map(|key| (own, key))
        })
        .await?;
        match opened {
            Ok((own, key)) => Ok((slot, own, key)),
            Err(crypto::CryptoError::Open) => Err(StationError::WrongPassword),
            Err(other) => Err(other.into()),
        }
    }

    pub(crate) fn set_session(&self, session: Option<Session>) -> Result<(), StationError> {
        *self.inner.session.write().map_err(|_| poisoned())? = session;
        Ok(())
    }

    /// The signed-in user, if any.
    pub fn current_user(&self) -> Option<SignedInUser> {
        self.inner.session.read().ok().and_then(|s| s.as_ref().map(|s| s.user.clone()))
    }

    /// Users who have signed in on this workstation, for the "who are you" screen.
    pub async fn known_users(&self) -> Result<Vec<SignedInUser>, StationError> {
        self.inner.store.key_slots().await?.iter().map(user_of).collect()
    }

    /// Signs in: with the server when it answers (registering the device the first
    /// time and refreshing the user's key slot), otherwise against the key slot kept
    /// from an earlier online sign-in: when the server cannot be reached, is busy, or
    /// slows sign-ins down after failed ones, a user known here still works, offline,
    /// and is told why.
    pub async fn sign_in(&self, login: &str, password: &str) -> Result<SignIn, StationError> {
        let login = login.trim();
        let device = self.inner.store.device_id().await?;
        let request = LoginRequest {
            protocol: PROTOCOL_VERSION,
            login: login.to_owned(),
            password: password.to_owned(),
            device: DeviceRegistration { id: device, name: self.inner.device_name.clone() },
        };
        let session = match self.client().login(&request).await {
            Ok(answer) => {
                self.inner.store.set_device_id(answer.device).await?;
                let user_id = answer.user.id.to_string();
                let salt = crypto::new_salt();
                let (password_owned, user_for_slot) = (password.to_owned(), user_id.clone());
                let own = blocking(move || UserKey::derive(&password_owned, &salt, &user_for_slot)).await??;
                let sealer = Sealer::new(&answer.device_key);
                let earlier = self.inner.store.key_slot(login).await?;
                let communities = match &earlier {
                    Some(earlier) if earlier.user_id == user_id => communities_of(earlier)?,
                    _ => BTreeSet::new(),
                };
                let bootstrapped = earlier.as_ref().is_some_and(|e| e.user_id == user_id && e.bootstrapped);
                self.inner
                    .store
                    .save_key_slot(key_slot::Model {
                        user_id: user_id.clone(),
                        login: answer.user.login.clone(),
                        user: serde_json::to_string(&answer.user).map_err(internal)?,
                        salt: salt.to_vec(),
                        sealed_key: own.wrap(&answer.device_key),
                        sealed_token: Some(own.seal_token(&answer.token)),
                        token_expires_at: Some(answer.expires_at.as_millis()),
                        communities: serde_json::to_string(&communities).map_err(internal)?,
                        bootstrapped,
                        signed_in_at: self.now().as_millis(),
                    })
                    .await?;
                (Session { user: answer.user, sealer, token: Some(answer.token), communities, bootstrapped }, None)
            }
            Err(ClientError::Unreachable { .. }) => {
                (self.sign_in_offline(login, password).await?, Some(OfflineReason::Unreachable))
            }
            Err(ClientError::Refused(body)) if offline_reason(body.error).is_some() => {
                match self.sign_in_offline(login, password).await {
                    Ok(session) => (session, offline_reason(body.error)),
                    // Not known here: the server's own words say when to try again.
                    Err(StationError::FirstSignInNeedsServer { .. }) => return Err(StationError::Server(body)),
                    Err(other) => return Err(other),
                }
            }
            Err(error) => {
                let error = StationError::from(error);
                tracing::info!(login, code = ?error.code(), "sign-in refused");
                return Err(match error {
                    StationError::Server(body) if body.error == jinlin_shared::wire::ErrorCode::WrongCredentials => {
                        StationError::WrongPassword
                    }
                    StationError::DeviceRevoked => {
                        self.wipe().await?;
                        StationError::DeviceRevoked
                    }
                    other => other,
                });
            }
        };
        let (session, offline) = session;
        tracing::info!(login = %session.user.login, offline = ?offline, "signed in");
        let user = session.user.clone();
        self.set_session(Some(session))?;
        self.inner.locked.store(false, Ordering::SeqCst);
        self.publish_counts().await?;
        self.inner.wake.notify_one();
        Ok(SignIn { user, offline })
    }

    async fn sign_in_offline(&self, login: &str, password: &str) -> Result<Session, StationError> {
        let (slot, own, key) = self.open_key_slot(login, password).await?;
        let sealer = Sealer::new(&key);
        let live = slot.token_expires_at.is_some_and(|expires| expires > self.now().as_millis());
        // A token sealed by an earlier version (under the shared key) does not open
        // with the user's own key: it is dropped, and the next online sign-in brings a
        // new one.
        let token = match (&slot.sealed_token, live) {
            (Some(sealed), true) => own.open_token(sealed).ok(),
            _ => None,
        };
        Ok(Session {
            user: user_of(&slot)?,
            sealer,
            token,
            communities: communities_of(&slot)?,
            bootstrapped: slot.bootstrapped,
        })
    }

    /// Signs out: the key leaves memory; the data stays, sealed, for the next sign-in.
    /// Allowed while the screen is locked: the next person switches user this way.
    pub async fn sign_out(&self) -> Result<(), StationError> {
        let session = self.signed_in()?;
        self.set_session(None)?;
        self.inner.locked.store(false, Ordering::SeqCst);
        if let Some(token) = &session.token {
            // Best effort: an unreachable server lets the token expire by itself.
            let _ = self.client().logout(token).await;
        }
        self.inner.store.clear_token(&session.user.id.to_string()).await?;
        self.publish_counts().await?;
        Ok(())
    }

    /// Removes every record from this workstation (it was revoked).
    pub(crate) async fn wipe(&self) -> Result<(), StationError> {
        let _turn = self.inner.writes.lock().await;
        self.set_session(None)?;
        self.inner.store.wipe().await?;
        Ok(())
    }

    /// The roster of the signed-in user's communities.
    pub async fn roster(&self, query: &RosterQuery) -> Result<RosterView, StationError> {
        let session = self.session()?;
        let now = self.now();
        let policy = &self.policy().policy;
        let rows = self.visible_rows(&session).await?;
        let pending = self.inner.store.pending_per_elder().await?;
        let rejected = self.inner.store.rejected_per_elder().await?;
        let month = Month::containing(now.shanghai_date());
        let today = now.shanghai_date();
        let coverages: Vec<_> = rows
            .iter()
            .filter(|r| counts_for(&r.elder, month).is_some())
            .map(|r| elder_coverage(r.into(), month, policy, today))
            .collect();
        let coverage = CoverageTotals::of_elders(&coverages);
        let entries = rows.iter().map(|r| RosterEntry::new(r, policy, now));
        let lines = query
            .select(entries)
            .into_iter()
            .map(|entry| {
                let id = entry.elder_id.to_string();
                RosterLine {
                    unsynced: pending.get(&id).copied().unwrap_or(0),
                    rejected: rejected.get(&id).copied().unwrap_or(0),
                    entry,
                }
            })
            .collect();
        Ok(RosterView { month, coverage, lines })
    }

    /// One elder's page.
    pub async fn elder(&self, elder: ElderId) -> Result<ElderPage, StationError> {
        let session = self.session()?;
        let row = self.inner.store.document(elder).await?.ok_or(StationError::UnknownElder(elder))?;
        check_scope(&session, &row, elder)?;
        let rows: ElderRows = open_json(&session.sealer, &row.sealed_rows, &rows_context(elder))?;
        let unsynced = self.inner.store.pending_per_elder().await?.get(&row.elder_id).copied().unwrap_or(0);
        let rejected =
            self.inner.store.rejected(Some(elder)).await?.into_iter().map(rejected_view).collect::<Result<_, _>>()?;
        let policy = &self.policy().policy;
        Ok(ElderPage {
            entry: RosterEntry::new(&rows, policy, self.now()),
            permitted: own_edits::permitted(&session.user, policy, &rows),
            visit_rules: policy.visit_rules(),
            phone_masked: rows.elder.profile.phone.as_deref().map(mask_phone),
            masked_conflicts: rows
                .conflicts
                .iter()
                .filter(|conflict| conflict.conflict.path.last().is_some_and(|leaf| leaf == "phone"))
                .map(|conflict| {
                    let shown =
                        conflict.conflict.values.iter().map(|v| v.value.as_str().map(mask_phone).unwrap_or_default());
                    (conflict.field.clone(), shown.collect())
                })
                .collect(),
            rows,
            unsynced,
            rejected,
        })
    }

    /// Changes the server refused, newest first.
    pub async fn rejected_changes(&self) -> Result<Vec<RejectedChangeView>, StationError> {
        self.session()?;
        self.inner.store.rejected(None).await?.into_iter().map(rejected_view).collect()
    }

    /// Applies one operation to an elder's document and saves it durably with its
    /// new changes; returns the elder's page as it now is.
    pub async fn edit<F>(&self, elder: ElderId, operation: F) -> Result<ElderPage, StationError>
    where
        F: FnOnce(&mut ElderDocument, &Edit, &Policy) -> Result<Option<ChangeHash>, DocumentError>,
    {
        let session = self.session()?;
        let edit = self.edit_by(&session).await?;
        {
            let _turn = self.inner.writes.lock().await;
            let row = self.inner.store.document(elder).await?.ok_or(StationError::UnknownElder(elder))?;
            check_scope(&session, &row, elder)?;
            let mut doc = self.open_document(&session.sealer, &row)?;
            let original = doc.clone();
            operation(&mut doc, &edit, &self.policy().policy)?;
            self.check_edit(&session, &edit, Some(&original), &doc)?;
            self.save_edit(&session.sealer, &doc, &original.heads(), edit.at).await?;
        }
        self.after_save().await?;
        self.elder(elder).await
    }

    /// Records a visit; returns its id and the elder's page.
    /// The follow-ups the form says it completes are closed by it in the same save:
    /// both land, or neither.
    pub async fn record_visit(&self, elder: ElderId, form: VisitForm) -> Result<(VisitId, ElderPage), StationError> {
        let completes = form.completes.clone();
        let visit = form.into_new_visit(self.now());
        let id = visit.id;
        let page = self
            .edit(elder, move |doc, edit, policy| {
                let mut last = doc.record_visit(edit, visit, policy)?;
                for follow_up in completes {
                    last = doc.resolve_follow_up(edit, follow_up, Some(id), "")?.or(last);
                }
                Ok(last)
            })
            .await?;
        Ok((id, page))
    }

    /// Closes a follow-up without a visit (a phone call, a referral made), saying how.
    pub async fn resolve_follow_up(
        &self,
        elder: ElderId,
        follow_up: FollowUpId,
        note: &str,
    ) -> Result<ElderPage, StationError> {
        let note = note.to_owned();
        self.edit(elder, move |doc, edit, _| doc.resolve_follow_up(edit, follow_up, None, &note)).await
    }

    /// Corrects a visit: only the fields that differ are written, so a concurrent
    /// correction of other fields on another workstation survives the merge.
    pub async fn correct_visit(
        &self,
        elder: ElderId,
        visit: VisitId,
        visited_at: Timestamp,
        form: VisitForm,
    ) -> Result<ElderPage, StationError> {
        let follow_up = form.follow_up.map(|f| f.into_new(self.now()));
        let record = form.record;
        self.edit(elder, move |doc, edit, policy| doc.correct_visit(edit, visit, visited_at, record, follow_up, policy))
            .await
    }

    /// Voids a visit entered by mistake; it stays in the history with the reason.
    pub async fn void_visit(&self, elder: ElderId, visit: VisitId, reason: &str) -> Result<ElderPage, StationError> {
        let reason = reason.to_owned();
        self.edit(elder, move |doc, edit, _| doc.void_visit(edit, visit, &reason)).await
    }

    /// Edits profile fields in one change.
    pub async fn update_profile(&self, elder: ElderId, changes: Vec<ProfileChange>) -> Result<ElderPage, StationError> {
        if changes.iter().any(|c| matches!(c, ProfileChange::IdNumber(_))) {
            // The full number goes to the server's identity record only.
            return Err(StationError::Internal("ID numbers are submitted with submit_id_number".into()));
        }
        self.edit(elder, move |doc, edit, _| doc.update_profile(edit, &changes)).await
    }

    /// Keeps one of the values written at the same time to a field.
    pub async fn resolve_conflict(
        &self,
        elder: ElderId,
        field: &str,
        chosen: serde_json::Value,
    ) -> Result<ElderPage, StationError> {
        let path: Vec<String> = field.split('.').map(str::to_owned).collect();
        self.edit(elder, move |doc, edit, _| doc.resolve_conflict(edit, &path, &chosen)).await
    }

    /// Enrols a new elder in one of the user's communities.
    pub async fn enrol_elder(&self, form: EnrolmentForm) -> Result<ElderPage, StationError> {
        self.enrol(form.into_enrolment(self.now())).await
    }

    /// Enrols a new elder in one of the user's communities.
    pub async fn enrol(&self, enrolment: Enrolment) -> Result<ElderPage, StationError> {
        let session = self.session()?;
        if !can_write(&session, enrolment.community) {
            return Err(StationError::OutOfScope(enrolment.elder));
        }
        if self.inner.store.document(enrolment.elder).await?.is_some() {
            return Err(StationError::Internal(format!("elder {} is already enrolled", enrolment.elder)));
        }
        let edit = self.edit_by(&session).await?;
        let elder = enrolment.elder;
        let community = enrolment.community;
        {
            let _turn = self.inner.writes.lock().await;
            let (doc, _) = ElderDocument::enrol(enrolment, &edit, self.inner.actor.clone())?;
            self.check_edit(&session, &edit, None, &doc)?;
            self.save_edit(&session.sealer, &doc, &[], edit.at).await?;
        }
        let mut with_community = session.communities.clone();
        with_community.insert(community);
        self.inner.store.note_communities(&session.user.id.to_string(), &with_community, false).await?;
        self.remember_communities(with_community)?;
        self.after_save().await?;
        self.elder(elder).await
    }

    /// Sends an ID number to the server's identity record (never into the
    /// document); the server writes the masked form, which arrives with the next pull.
    pub async fn submit_id_number(&self, elder: ElderId, id_number: &str) -> Result<String, StationError> {
        let session = self.session()?;
        let row = self.inner.store.document(elder).await?.ok_or(StationError::UnknownElder(elder))?;
        check_scope(&session, &row, elder)?;
        let token = session.token.ok_or(StationError::Offline)?;
        let accepted = self
            .client()
            .set_identity(&token, elder, &IdentitySubmission { id_number: id_number.trim().to_owned() })
            .await?;
        self.inner.wake.notify_one();
        Ok(accepted.id_number_masked)
    }

    /// Wakes the sync engine now.
    pub fn sync_now(&self) {
        self.inner.wake.notify_one();
    }

    /// The sync engine's state now.
    pub fn sync_status(&self) -> SyncStatus {
        self.inner.status.lock().map(|s| s.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Every change of the sync engine's state, as it happens.
    pub fn subscribe(&self) -> broadcast::Receiver<SyncStatus> {
        self.inner.events.subscribe()
    }

    /// Holds an edit to the rules the server will (`own_edits`), before it is saved.
    fn check_edit(
        &self,
        session: &Session,
        edit: &Edit,
        before: Option<&ElderDocument>,
        edited: &ElderDocument,
    ) -> Result<(), StationError> {
        let covers = |_: Scope, community: CommunityId| can_write(session, community);
        let policy = &self.policy().policy;
        own_edits::check_edit(&session.user, edit.author.device, policy, before, edited, edit.at, covers)
    }

    /// The author and time of an edit by the signed-in user on this device.
    async fn edit_by(&self, session: &Session) -> Result<Edit, StationError> {
        let device = self.inner.store.device_id().await?.ok_or(StationError::SignedOut)?;
        Ok(Edit { author: Author { user: session.user.id, device }, at: self.now() })
    }

    async fn save_edit(
        &self,
        sealer: &Sealer,
        doc: &ElderDocument,
        before: &[ChangeHash],
        at: Timestamp,
    ) -> Result<(), StationError> {
        let elder = doc.elder_id();
        let changes: Vec<SealedChange> = doc
            .changes_with_hashes_since(before)
            .into_iter()
            .map(|(hash, bytes)| SealedChange {
                elder,
                hash: hash.to_string(),
                change: sealer.seal(&bytes, &change_context(elder)),
            })
            .collect();
        if changes.is_empty() {
            return Ok(());
        }
        self.inner.store.save_edit(seal_document(sealer, doc)?, changes, at).await?;
        Ok(())
    }

    async fn after_save(&self) -> Result<(), StationError> {
        self.publish_counts().await?;
        self.inner.wake.notify_one();
        Ok(())
    }

    /// Republishes the status with fresh pending and rejected counts.
    pub(crate) async fn publish_counts(&self) -> Result<(), StationError> {
        let pending = self.inner.store.pending_count().await? as u32;
        let rejected = self.inner.store.rejected_count().await? as u32;
        let signed_in = self.current_user().is_some();
        self.update_status(|status| {
            status.pending = pending;
            status.rejected = rejected;
            if !signed_in {
                status.state = crate::sync::SyncState::SignedOut;
            } else if status.state == crate::sync::SyncState::SignedOut {
                status.state = crate::sync::SyncState::Offline;
            }
        });
        Ok(())
    }

    pub(crate) fn update_status(&self, change: impl FnOnce(&mut SyncStatus)) {
        let snapshot = {
            let mut status = match self.inner.status.lock() {
                Ok(status) => status,
                Err(poisoned) => poisoned.into_inner(),
            };
            let before = status.clone();
            change(&mut status);
            (*status != before).then(|| status.clone())
        };
        if let Some(status) = snapshot {
            // No receiver is fine: nobody is listening yet.
            let _ = self.inner.events.send(status);
        }
    }

    pub(crate) fn remember_communities(&self, communities: BTreeSet<CommunityId>) -> Result<(), StationError> {
        if let Some(session) = self.inner.session.write().map_err(|_| poisoned())?.as_mut() {
            session.communities.extend(communities);
        }
        Ok(())
    }

    pub(crate) fn open_document(&self, sealer: &Sealer, row: &document::Model) -> Result<ElderDocument, StationError> {
        open_document(sealer, &self.inner.actor, row)
    }

    async fn visible_rows(&self, session: &Session) -> Result<Vec<ElderRows>, StationError> {
        let communities: Option<Vec<CommunityId>> = match session.user.scope {
            Scope::City => None,
            Scope::Area(area) => {
                let mut all: Vec<CommunityId> = session.communities.iter().copied().collect();
                all.push(area);
                Some(all)
            }
        };
        let documents = self.inner.store.documents(communities.as_deref()).await?;
        let sealer = session.sealer.clone();
        blocking(move || {
            documents
                .iter()
                .map(|row| {
                    let elder: ElderId = row.elder_id.parse().map_err(internal)?;
                    open_json(&sealer, &row.sealed_rows, &rows_context(elder))
                })
                .collect::<Result<Vec<ElderRows>, StationError>>()
        })
        .await?
    }
}

/// A stored document, opened and loaded under `actor`.
pub(crate) fn open_document(
    sealer: &Sealer,
    actor: &ActorId,
    row: &document::Model,
) -> Result<ElderDocument, StationError> {
    let elder: ElderId = row.elder_id.parse().map_err(internal)?;
    let bytes = sealer.open(&row.sealed_snapshot, &snapshot_context(elder))?;
    Ok(ElderDocument::load(&bytes, actor.clone())?)
}

/// The document and its materialised rows, sealed for the store.
pub(crate) fn seal_document(sealer: &Sealer, doc: &ElderDocument) -> Result<SealedDocument, StationError> {
    let elder = doc.elder_id();
    let community = doc.community().ok_or_else(|| StationError::Internal(format!("elder {elder} has no community")))?;
    let rows = materialise(doc)?;
    let rows_json = serde_json::to_vec(&rows).map_err(internal)?;
    Ok(SealedDocument {
        elder,
        community,
        snapshot: sealer.seal(&doc.save(), &snapshot_context(elder)),
        rows: sealer.seal(&rows_json, &rows_context(elder)),
    })
}

fn open_json<T: serde::de::DeserializeOwned>(sealer: &Sealer, sealed: &[u8], context: &str) -> Result<T, StationError> {
    serde_json::from_slice(&sealer.open(sealed, context)?).map_err(internal)
}

pub(crate) fn snapshot_context(elder: ElderId) -> String {
    format!("documents.snapshot:{elder}")
}

fn rows_context(elder: ElderId) -> String {
    format!("documents.rows:{elder}")
}

pub(crate) fn change_context(elder: ElderId) -> String {
    format!("changes:{elder}")
}

/// Whether the user may write to `community`: their own community, one whose
/// documents they received, or any for the city scope.
fn can_write(session: &Session, community: CommunityId) -> bool {
    match session.user.scope {
        Scope::City => true,
        Scope::Area(area) => area == community || session.communities.contains(&community),
    }
}

fn check_scope(session: &Session, row: &document::Model, elder: ElderId) -> Result<(), StationError> {
    let community: CommunityId = row.community_id.parse().map_err(internal)?;
    if can_write(session, community) { Ok(()) } else { Err(StationError::OutOfScope(elder)) }
}

fn user_of(slot: &key_slot::Model) -> Result<SignedInUser, StationError> {
    serde_json::from_str(&slot.user).map_err(internal)
}

fn communities_of(slot: &key_slot::Model) -> Result<BTreeSet<CommunityId>, StationError> {
    serde_json::from_str(&slot.communities).map_err(internal)
}

fn rejected_view(row: rejected_change::Model) -> Result<RejectedChangeView, StationError> {
    Ok(RejectedChangeView {
        elder_id: row.elder_id.parse().map_err(internal)?,
        hash: row.hash,
        code: row.code,
        field: row.field,
        reason: row.reason,
        saved_at: Timestamp::from_millis(row.saved_at),
        rejected_at: Timestamp::from_millis(row.rejected_at),
    })
}

pub(crate) fn internal(error: impl std::fmt::Display) -> StationError {
    StationError::Internal(error.to_string())
}

/// DOMAIN.md's rules, for a workstation the server has not yet sent its own.
fn default_policy() -> CityPolicy {
    let policy = Policy::default();
    CityPolicy { version: policy.version(), policy }
}

fn poisoned() -> StationError {
    StationError::Internal("a lock was poisoned by a panic".into())
}

/// CPU work (key derivation, opening a thousand rows) off the runtime's threads.
pub(crate) async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, StationError> {
    tokio::task::spawn_blocking(work).await.map_err(internal)
}
