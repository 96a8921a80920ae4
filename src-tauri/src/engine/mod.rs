//! The sync engine: a tokio task that pushes the workstation's waiting changes and
//! pulls everyone else's, on a local save (debounced), on a timer, and, after the
//! server was unreachable, as soon as it answers again (exponential back-off with
//! jitter). It never blocks an operation: operations save locally and nudge it.
//!
//! Everything it needs to resume is in the store (pending changes, the cursor), so a
//! crash or a restart at any moment loses nothing: a push whose answer was lost is
//! sent again and stores nothing twice (the server's replays are idempotent).
//!
//! [`plan`] holds its decisions as pure functions; [`round`] does one sync's IO with
//! the server and the store. It talks to the workstation only through the station's
//! engine-facing methods; the station knows nothing of it.

mod heal;
mod plan;
mod release;
mod round;

use std::time::Duration;

use rand::RngExt as _;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::StationError;
use crate::station::Station;
use crate::status::{SyncReport, SyncState};
use plan::{Ended, Pacing};

/// When the engine runs.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    /// How long after a save to wait for more saves before pushing.
    pub debounce: Duration,
    /// How often to sync when nothing happens.
    pub interval: Duration,
    /// The first and the longest wait after a failure.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            debounce: Duration::from_millis(500),
            interval: Duration::from_secs(60),
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
        }
    }
}

/// The running engine; dropping it does not stop it, [`SyncEngine::stop`] does.
#[derive(Debug)]
pub struct SyncEngine {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl SyncEngine {
    /// Starts the background engine of `station`. One per workstation process.
    pub fn start(station: &Station, settings: SyncSettings) -> Self {
        let (stop, mut stopped) = watch::channel(false);
        let station = station.clone();
        let task = tokio::spawn(async move {
            let mut pacing = Pacing::default();
            loop {
                let outcome = station.sync_once().await;
                let jitter = rand::rng().random_range(0.5..=1.0);
                let wait = pacing.after(Ended::of(outcome.as_ref().map(|_| ())), &settings, jitter);
                tokio::select! {
                    _ = stopped.changed() => break,
                    _ = tokio::time::sleep(wait) => {}
                    _ = station.work_waiting() => {
                        // Gather a burst of saves into one push.
                        tokio::select! {
                            _ = stopped.changed() => break,
                            _ = tokio::time::sleep(settings.debounce) => {}
                        }
                    }
                }
            }
        });
        SyncEngine { stop, task }
    }

    /// Stops the engine after the sync in progress, if any, has finished.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

impl Station {
    /// One sync: bootstrap if this user's scope is new here, push, then pull. Its
    /// state is published as it goes; the error says why it stopped, if it did.
    pub async fn sync_once(&self) -> Result<SyncReport, StationError> {
        // The server before the session: `set_server` forgets the token before it
        // changes the server, so the token read below was issued by this one.
        let client = self.client();
        let session = match self.signed_in() {
            Ok(session) => session,
            Err(error) => {
                self.publish_counts().await?;
                return Err(error);
            }
        };
        let result = match session.token.clone() {
            None => Err(StationError::SessionExpired),
            Some(token) => match self.check_release(&client).await {
                Err(too_old) => Err(too_old),
                Ok(()) => {
                    self.update_status(|s| s.state = SyncState::Syncing);
                    round::Round { station: self, client: &client, session: &session, token: &token }.run().await
                }
            },
        };
        match &result {
            Ok(report) => {
                tracing::info!(
                    pushed = report.pushed,
                    refused = report.rejected,
                    pulled = report.pulled_documents,
                    bootstrapped = report.bootstrapped_documents,
                    "synced"
                );
                let at = self.now();
                self.store().set_last_success(at).await?;
                self.update_status(|s| {
                    s.state = SyncState::UpToDate;
                    s.last_success = Some(at);
                });
            }
            Err(StationError::Offline) => {
                tracing::info!("the server cannot be reached; changes wait here");
                self.forget_release_check();
                self.update_status(|s| s.state = SyncState::Offline);
            }
            Err(error) => {
                tracing::warn!(code = ?error.code(), "sync stopped");
                match error {
                    StationError::SessionExpired => self.session_expired(&session.user.id).await?,
                    StationError::DeviceRevoked => self.wipe().await?,
                    _ => {}
                }
                let (code, message) = (plan::error_code(error), error.to_string());
                self.update_status(|s| s.state = SyncState::Error { code, message });
            }
        }
        self.publish_counts().await?;
        result
    }
}
