//! The workstation: sign-in (online the first time, offline after), and every
//! operation an assistant performs, as plain async functions. The window's commands
//! and the `jinlin-station` command line are thin wrappers over these.
//!
//! Each edit loads the elder's document, applies one operation from the shared
//! crate, and durably saves the document with its new changes before returning; the
//! sync engine is then nudged and pushes in the background. No operation waits for
//! the network except those that need the server by nature (the first sign-in and
//! submitting an ID number).
//!
//! Split by noun: [`session`] (who is signed in, and the screen lock), [`views`]
//! (what the screens read) and [`edits`] (what they change). This module holds the
//! workstation itself and the few methods the sync engine talks to it through; the
//! engine is not known here.

pub mod edits;
mod print;
pub mod session;
pub mod views;
mod warned;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, RwLock};

use jinlin_shared::ActorId;
use jinlin_shared::ids::CommunityId;
use jinlin_shared::policy::Policy;
use jinlin_shared::time::Timestamp;
use jinlin_shared::wire::CityPolicy;
use tokio::sync::{Notify, broadcast};

use crate::client::ServerClient;
use crate::error::StationError;
use crate::status::{SyncState, SyncStatus};
use crate::store::Store;
use session::Session;

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

struct Inner {
    store: Store,
    /// Replaced whole when the settings name another server.
    client: RwLock<ServerClient>,
    /// The screen is locked: the session stays (sync goes on) but the window's
    /// operations wait for the signed-in user's password.
    locked: AtomicBool,
    /// This process's Automerge actor: unique per start (ARCHITECTURE.md, "The design").
    actor: ActorId,
    /// The city's policy as the server last sent it (DOMAIN.md's defaults before the
    /// first); replaced whole when the server names another version.
    policy: RwLock<Arc<CityPolicy>>,
    device_name: String,
    clock: Clock,
    /// Held only to copy out; never across an await.
    session: RwLock<Option<Session>>,
    /// Serialises read-modify-write of documents between operations and the sync
    /// engine (a tokio mutex: it is held across the store's awaits).
    writes: tokio::sync::Mutex<()>,
    /// Rung when changes wait to be sent (a save, a sign-in, new settings).
    work: Notify,
    status: Mutex<SyncStatus>,
    events: broadcast::Sender<SyncStatus>,
    /// When the server was last asked about the city's releases (`engine::release`).
    release_checked: Mutex<Option<std::time::Instant>>,
    /// The early warnings the signed-in user has been told of (`warned`).
    told: Mutex<warned::Told>,
}

/// The workstation core. Cheap to clone; every clone is the same workstation.
#[derive(Clone)]
pub struct Station {
    inner: Arc<Inner>,
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
        let status = SyncStatus::signed_out(pending, rejected, last_success);
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
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                client: RwLock::new(client),
                locked: AtomicBool::new(false),
                actor: ActorId::random(),
                policy: RwLock::new(Arc::new(policy)),
                device_name: config.device_name,
                clock: config.clock,
                session: RwLock::new(None),
                writes: tokio::sync::Mutex::new(()),
                work: Notify::new(),
                status: Mutex::new(status),
                release_checked: Mutex::new(None),
                told: Mutex::default(),
                events,
            }),
        })
    }

    /// The sync server's address.
    pub fn server(&self) -> String {
        self.client().server().to_owned()
    }

    /// Talks to another server (or trusts another certificate authority) from the
    /// next request on: the settings changed. A token goes only to the server that
    /// issued it, so another server's address ends the session's use of the old one:
    /// the user goes on offline until they sign in with the new server, and every
    /// change made meanwhile stays queued for it.
    pub fn set_server(&self, server: &str, server_ca: Option<&std::path::Path>) -> Result<(), StationError> {
        let client = ServerClient::new(server, server_ca)?;
        if client.server() != self.client().server() {
            // Before the server changes: a token read after it is the new server's.
            self.forget_token()?;
            tracing::info!("the server changed; signed-in users sign in with it again");
        }
        *self.inner.client.write().map_err(|_| poisoned())? = client;
        self.inner.work.notify_one();
        Ok(())
    }

    /// The workstation's time now.
    pub fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    /// The city's policy this workstation judges by now.
    pub fn policy(&self) -> Arc<CityPolicy> {
        self.inner.policy.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Wakes the sync engine now.
    pub fn sync_now(&self) {
        self.inner.work.notify_one();
    }

    /// The sync engine's state now.
    pub fn sync_status(&self) -> SyncStatus {
        self.inner.status.lock().map(|s| s.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Every change of the sync engine's state, as it happens.
    pub fn subscribe(&self) -> broadcast::Receiver<SyncStatus> {
        self.inner.events.subscribe()
    }
}

/// What the sync engine uses of the workstation: its store, its server, its turn to
/// write, and the few facts a sync changes (the policy, the communities held, the
/// status).
impl Station {
    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }

    pub(crate) fn client(&self) -> ServerClient {
        self.inner.client.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The Automerge actor documents are loaded under.
    pub(crate) fn actor(&self) -> &ActorId {
        &self.inner.actor
    }

    /// This process's turn to read-modify-write documents, held until dropped.
    pub(crate) async fn writing(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.inner.writes.lock().await
    }

    /// Waits until changes wait to be sent (or someone asks for a sync).
    pub(crate) async fn work_waiting(&self) {
        self.inner.work.notified().await;
    }

    /// Keeps `policy` (durably first) and judges by it from now on.
    pub(crate) async fn adopt_policy(&self, policy: CityPolicy) -> Result<(), StationError> {
        self.inner.store.save_policy(&policy).await?;
        tracing::info!(version = %policy.version, "the city's policy changed");
        *self.inner.policy.write().map_err(|_| poisoned())? = Arc::new(policy);
        Ok(())
    }

    /// Notes communities whose documents the signed-in user now holds (received, or
    /// enrolled in here), durably and in the session; `bootstrapped` once the user's
    /// whole scope has arrived.
    pub(crate) async fn hold_communities(
        &self,
        user: &jinlin_shared::ids::UserId,
        communities: BTreeSet<CommunityId>,
        bootstrapped: bool,
    ) -> Result<(), StationError> {
        self.inner.store.note_communities(user, &communities, bootstrapped).await?;
        if let Some(session) = self.inner.session.write().map_err(|_| poisoned())?.as_mut()
            && session.user.id == *user
        {
            session.communities.extend(communities);
            session.bootstrapped |= bootstrapped;
        }
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
                status.state = SyncState::SignedOut;
            } else if status.state == SyncState::SignedOut {
                status.state = SyncState::Offline;
            }
        });
        Ok(())
    }

    /// Whether the server should be asked about releases now: never asked, or not
    /// within `every`. Answering yes counts as asking.
    pub(crate) fn release_check_due(&self, every: std::time::Duration) -> bool {
        let mut checked = self.inner.release_checked.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let due = checked.is_none_or(|at| at.elapsed() >= every);
        if due {
            *checked = Some(std::time::Instant::now());
        }
        due
    }

    /// Asks about releases at the next sync: the server was out of reach, and a
    /// server comes back from an upgrade that way.
    pub(crate) fn forget_release_check(&self) {
        *self.inner.release_checked.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
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
    tokio::task::spawn_blocking(work).await.map_err(StationError::internal)
}
