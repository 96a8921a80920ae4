//! The sync engine: a tokio task that pushes the workstation's waiting changes and
//! pulls everyone else's, on a local save (debounced), on a timer, and, after the
//! server was unreachable, as soon as it answers again (exponential back-off with
//! jitter). It never blocks an operation: operations save locally and nudge it.
//!
//! Everything it needs to resume is in the store (pending changes, the cursor), so a
//! crash or a restart at any moment loses nothing: a push whose answer was lost is
//! sent again and stores nothing twice (the server's replays are idempotent).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use jinlin_shared::document::ElderDocument;
use jinlin_shared::ids::{CommunityId, ElderId};
use jinlin_shared::time::Timestamp;
use jinlin_shared::wire::{
    AutomergeBytes, BootstrapRequest, CityPolicy, Cursor, DocumentPush, MAX_CHANGES_PER_DOCUMENT_PUSH,
    MAX_DOCUMENTS_PER_PUSH, PullRequest, PushOutcome, PushRequest, PushWeight,
};
use rand::RngExt as _;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::StationError;
use crate::station::{Session, Station, blocking, change_context, internal, open_document, seal_document};
use crate::store::entity::{document, pending_change};
use crate::store::{Refusal, SealedDocument};

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

/// What the engine is doing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub enum SyncState {
    /// No one is signed in: nothing can be sent or opened.
    SignedOut,
    /// The server cannot be reached; changes wait here, safely.
    Offline,
    Syncing,
    UpToDate,
    /// The server answered but sync cannot go on until someone acts.
    Error {
        code: SyncErrorCode,
        message: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub enum SyncErrorCode {
    /// Sign in again (with the server reachable).
    SessionExpired,
    /// An administrator revoked this workstation; its data was removed.
    DeviceRevoked,
    /// The server refused a request as a whole (e.g. an app too old).
    ServerRefused,
    /// The server's certificate is not trusted: a wrong address, or a certificate
    /// authority missing from the settings (or someone in between).
    UntrustedServer,
    /// The local store failed.
    Storage,
    Internal,
}

/// The engine's state as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct SyncStatus {
    pub state: SyncState,
    /// Changes saved here and not yet acknowledged by the server.
    pub pending: u32,
    /// Changes the server refused, kept to show.
    pub rejected: u32,
    pub last_success: Option<Timestamp>,
}

impl SyncStatus {
    pub(crate) fn signed_out(pending: u32, rejected: u32, last_success: Option<Timestamp>) -> Self {
        Self { state: SyncState::SignedOut, pending, rejected, last_success }
    }
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct SyncReport {
    pub pushed: u32,
    pub rejected: u32,
    pub pulled_documents: u32,
    pub bootstrapped_documents: u32,
}

/// The running engine; dropping it does not stop it, [`SyncEngine::stop`] does.
#[derive(Debug)]
pub struct SyncEngine {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl SyncEngine {
    /// Stops the engine after the sync in progress, if any, has finished.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

impl Station {
    /// Starts the background engine. One per workstation process.
    pub fn start_sync(&self) -> SyncEngine {
        let (stop, mut stopped) = watch::channel(false);
        let station = self.clone();
        let task = tokio::spawn(async move {
            let settings = station.inner.settings.clone();
            let mut failures: u32 = 0;
            loop {
                let outcome = station.sync_once().await;
                failures = match outcome {
                    Ok(_) => 0,
                    // Waiting for a person to sign in: the next sign-in wakes us.
                    Err(StationError::SignedOut | StationError::SessionExpired | StationError::DeviceRevoked) => 0,
                    Err(_) => failures.saturating_add(1),
                };
                let wait = if failures == 0 { settings.interval } else { backoff(&settings, failures) };
                tokio::select! {
                    _ = stopped.changed() => break,
                    _ = tokio::time::sleep(wait) => {}
                    _ = station.inner.wake.notified() => {
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

    /// One sync: bootstrap if this user's scope is new here, push, then pull. Its
    /// state is published as it goes; the error says why it stopped, if it did.
    pub async fn sync_once(&self) -> Result<SyncReport, StationError> {
        let session = match self.signed_in() {
            Ok(session) => session,
            Err(error) => {
                self.publish_counts().await?;
                return Err(error);
            }
        };
        let result = match session.token.clone() {
            None => Err(StationError::SessionExpired),
            Some(token) => {
                self.update_status(|s| s.state = SyncState::Syncing);
                self.sync_with(&session, &token).await
            }
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
                self.inner.store.set_last_success(at).await?;
                self.update_status(|s| {
                    s.state = SyncState::UpToDate;
                    s.last_success = Some(at);
                });
            }
            Err(StationError::Offline) => {
                tracing::info!("the server cannot be reached; changes wait here");
                self.update_status(|s| s.state = SyncState::Offline);
            }
            Err(error) => {
                tracing::warn!(code = ?error.code(), "sync stopped");
                if let StationError::SessionExpired = error {
                    self.inner.store.clear_token(&session.user.id.to_string()).await?;
                    if let Ok(mut guard) = self.inner.session.write()
                        && let Some(live) = guard.as_mut()
                    {
                        live.token = None;
                    }
                }
                if let StationError::DeviceRevoked = error {
                    self.wipe().await?;
                }
                let code = match error {
                    StationError::SessionExpired => SyncErrorCode::SessionExpired,
                    StationError::DeviceRevoked => SyncErrorCode::DeviceRevoked,
                    StationError::Server(_) => SyncErrorCode::ServerRefused,
                    StationError::Client(crate::client::ClientError::Untrusted { .. }) => {
                        SyncErrorCode::UntrustedServer
                    }
                    StationError::Store(_) | StationError::Crypto(_) => SyncErrorCode::Storage,
                    _ => SyncErrorCode::Internal,
                };
                let message = error.to_string();
                self.update_status(|s| s.state = SyncState::Error { code, message });
            }
        }
        self.publish_counts().await?;
        result
    }

    async fn sync_with(&self, session: &Session, token: &str) -> Result<SyncReport, StationError> {
        let mut report = SyncReport::default();
        if !session.bootstrapped {
            report.bootstrapped_documents = self.bootstrap(session, token).await?;
        }
        // A failed push (a server that refuses it whole, a cut connection) must not
        // keep this workstation from receiving everyone else's changes.
        let pushed = self.push(session, token).await;
        let pulled = self.pull(session, token).await;
        let (pushed, rejected) = pushed?;
        report.pushed = pushed;
        report.rejected = rejected;
        report.pulled_documents = pulled?;
        Ok(report)
    }

    /// Whole documents of the user's scope, for a workstation that has never held it.
    async fn bootstrap(&self, session: &Session, token: &str) -> Result<u32, StationError> {
        let mut after: Option<ElderId> = None;
        // The first page's cursor: every later change is in a later page's snapshot
        // or after this cursor. A later page's cursor could skip changes made to
        // documents of the earlier pages meanwhile.
        let mut first_cursor: Option<Cursor> = None;
        let mut communities = BTreeSet::new();
        let mut received = 0;
        loop {
            let page = self.client().bootstrap(token, &BootstrapRequest::new(after, 200)).await?;
            let first = first_cursor.get_or_insert_with(|| page.cursor.clone()).clone();
            let _turn = self.inner.writes.lock().await;
            let mut cursor = self.inner.store.cursor().await?;
            cursor.merge(&first);
            let mut documents = Vec::with_capacity(page.snapshots.len());
            for snapshot in page.snapshots {
                communities.insert(snapshot.community);
                let doc = match self.inner.store.document(snapshot.elder).await? {
                    Some(row) => {
                        let mut local = self.open_document(&session.sealer, &row)?;
                        local.load_incremental(snapshot.document.as_bytes())?;
                        local
                    }
                    None => ElderDocument::load(snapshot.document.as_bytes(), self.inner.actor.clone())?,
                };
                documents.push(seal_document(&session.sealer, &doc)?);
            }
            received += documents.len() as u32;
            self.inner.store.save_received(documents, &[], &cursor, self.now()).await?;
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        self.inner.store.note_communities(&session.user.id.to_string(), &communities, true).await?;
        if let Ok(mut guard) = self.inner.session.write()
            && let Some(live) = guard.as_mut()
            && live.user.id == session.user.id
        {
            live.bootstrapped = true;
            live.communities.extend(communities);
        }
        Ok(received)
    }

    /// Sends every waiting change, in pushes within the wire's limits; returns how
    /// many changes were stored and how many refused.
    async fn push(&self, session: &Session, token: &str) -> Result<(u32, u32), StationError> {
        let pending = self.inner.store.pending().await?;
        let mut by_elder: BTreeMap<String, Vec<pending_change::Model>> = BTreeMap::new();
        for row in pending {
            by_elder.entry(row.elder_id.clone()).or_default().push(row);
        }
        let mut waiting = Vec::with_capacity(by_elder.len());
        for (elder, rows) in by_elder {
            let elder: ElderId = elder.parse().map_err(internal)?;
            let opened = rows
                .into_iter()
                .map(|row| Ok((session.sealer.open(&row.sealed_change, &change_context(elder))?, row)))
                .collect::<Result<Vec<_>, StationError>>()?;
            waiting.push((elder, opened));
        }
        let (mut pushed, mut refused) = (0, 0);
        for batch in plan_pushes(waiting) {
            let documents = batch
                .iter()
                .map(|(elder, changes)| DocumentPush {
                    elder: *elder,
                    changes: changes.iter().map(|(bytes, _)| AutomergeBytes::new(bytes.clone())).collect(),
                })
                .collect();
            let batch: Vec<(ElderId, Vec<pending_change::Model>)> = batch
                .into_iter()
                .map(|(elder, changes)| (elder, changes.into_iter().map(|(_, row)| row).collect()))
                .collect();
            let response = self.client().push(token, &PushRequest::new(documents)).await?;
            for result in response.results {
                let Some((_, rows)) = batch.iter().find(|(elder, _)| *elder == result.elder) else { continue };
                match result.outcome {
                    PushOutcome::Accepted { .. } => {
                        pushed += rows.len() as u32;
                        self.inner.store.acknowledge(&rows.iter().map(|r| r.id).collect::<Vec<_>>()).await?;
                    }
                    PushOutcome::Rejected { code, field, reason } => {
                        let refusal = Refusal { code: code.as_str().to_owned(), field, reason };
                        refused += self.set_aside(session, result.elder, rows, refusal).await?;
                    }
                }
            }
            self.publish_counts().await?;
        }
        Ok((pushed, refused))
    }

    /// Keeps refused changes aside with the server's reason and goes on from the
    /// document without them (and without any change built on them, which the
    /// server would refuse for its missing dependency).
    async fn set_aside(
        &self,
        session: &Session,
        elder: ElderId,
        refused: &[pending_change::Model],
        refusal: Refusal,
    ) -> Result<u32, StationError> {
        let _turn = self.inner.writes.lock().await;
        let hashes: Vec<jinlin_shared::ChangeHash> =
            refused.iter().map(|r| r.hash.parse().map_err(internal)).collect::<Result<_, _>>()?;
        let rebuilt = match self.inner.store.document(elder).await? {
            Some(row) => self.open_document(&session.sealer, &row)?.without_changes(&hashes)?,
            None => None,
        };
        // Changes saved since the push that were built on the refused ones go too.
        let mut moved: Vec<(pending_change::Model, Refusal)> =
            refused.iter().cloned().map(|r| (r, refusal.clone())).collect();
        let elder_id = elder.to_string();
        for row in self.inner.store.pending().await? {
            if row.elder_id != elder_id || refused.iter().any(|r| r.id == row.id) {
                continue;
            }
            let kept = match (&rebuilt, row.hash.parse::<jinlin_shared::ChangeHash>()) {
                (Some(doc), Ok(hash)) => doc.contains_change(&hash),
                _ => false,
            };
            if !kept {
                let because = Refusal {
                    code: refusal.code.clone(),
                    field: None,
                    reason: format!("built on a change the server refused: {}", refusal.reason),
                };
                moved.push((row, because));
            }
        }
        let count = moved.len() as u32;
        tracing::warn!(elder = %elder, code = %refusal.code, field = refusal.field.as_deref().unwrap_or("-"), count, "changes refused by the server, kept aside");
        let sealed: Option<SealedDocument> = rebuilt.as_ref().map(|d| seal_document(&session.sealer, d)).transpose()?;
        self.inner.store.reject(elder, moved, sealed, self.now()).await?;
        Ok(count)
    }

    /// Everyone else's changes after the cursor, page by page; returns how many
    /// documents changed here.
    async fn pull(&self, session: &Session, token: &str) -> Result<u32, StationError> {
        let mut changed = 0;
        loop {
            let cursor = self.inner.store.cursor().await?;
            let page = self.client().pull(token, &PullRequest::new(cursor.clone(), 1000)).await?;
            let _turn = self.inner.writes.lock().await;
            let communities: BTreeSet<CommunityId> = page.documents.iter().map(|d| d.community).collect();
            let elders: Vec<ElderId> = page.documents.iter().map(|d| d.elder).collect();
            let stored: HashMap<String, document::Model> = self
                .inner
                .store
                .documents_of(&elders)
                .await?
                .into_iter()
                .map(|row| (row.elder_id.clone(), row))
                .collect();
            // A page is up to a thousand documents to open, merge and seal: CPU work,
            // off the runtime's threads.
            let (sealer, actor, pulled) = (session.sealer.clone(), self.inner.actor.clone(), page.documents);
            let sealed: Vec<SealedDocument> = blocking(move || {
                pulled
                    .iter()
                    .map(|pulled| {
                        let changes: Vec<Vec<u8>> = pulled.changes.iter().map(|c| c.as_bytes().to_vec()).collect();
                        let doc = match stored.get(&pulled.elder.to_string()) {
                            Some(row) => {
                                let mut local = open_document(&sealer, &actor, row)?;
                                local.apply_changes(&changes)?;
                                local
                            }
                            None => ElderDocument::from_changes(&changes, actor.clone())?,
                        };
                        seal_document(&sealer, &doc)
                    })
                    .collect::<Result<Vec<_>, StationError>>()
            })
            .await??;
            changed += sealed.len() as u32;
            let departed: Vec<ElderId> = page.departed.iter().map(|d| d.elder).collect();
            let mut next = cursor;
            next.merge(&page.next_cursor);
            self.inner.store.save_received(sealed, &departed, &next, self.now()).await?;
            drop(_turn);
            if !communities.is_empty() {
                self.inner.store.note_communities(&session.user.id.to_string(), &communities, false).await?;
                self.remember_communities(communities)?;
            }
            if !page.more {
                if let Some(version) = page.policy_version {
                    self.follow_policy(token, version).await;
                }
                break;
            }
        }
        Ok(changed)
    }

    /// Fetches the city's policy when the server names a version other than the one
    /// held. A policy that cannot be fetched or read leaves the one held in force and
    /// is tried again at the next sync: the records synced regardless.
    async fn follow_policy(&self, token: &str, version: jinlin_shared::policy::PolicyVersion) {
        if self.policy().version == version {
            return;
        }
        let fetched = match self.client().policy(token).await {
            Ok(fetched) => fetched.policy.checked().map(|policy| CityPolicy { version: fetched.version, policy }),
            Err(error) => {
                tracing::warn!(%error, "the city's policy could not be fetched; keeping the one held");
                return;
            }
        };
        match fetched {
            Ok(policy) => {
                if let Err(error) = self.adopt_policy(policy).await {
                    tracing::warn!(%error, "the city's policy could not be kept");
                }
            }
            Err(error) => tracing::warn!(%error, "the server's policy is not valid; keeping the one held"),
        }
    }
}

/// One elder's waiting changes, oldest first: each change's bytes and what it is kept as.
pub(crate) type Waiting<T> = (ElderId, Vec<(Vec<u8>, T)>);

/// Splits waiting changes (per elder, oldest first, each with what it is kept as)
/// into pushes the server accepts whole: at most [`MAX_DOCUMENTS_PER_PUSH`] documents,
/// [`MAX_CHANGES_PER_DOCUMENT_PUSH`] changes of one document, and the per-push bytes
/// and operations of [`PushWeight::check_push`]. A document's changes are cut to a
/// causal prefix (the oldest first), so the rest follow in a later push once their
/// dependencies are stored; changes that cannot be weighed go alone, for the server
/// to refuse and the workstation to set aside.
pub(crate) fn plan_pushes<T>(waiting: Vec<Waiting<T>>) -> Vec<Vec<Waiting<T>>> {
    let weight_of = |bytes: &[u8]| PushWeight::of([bytes]).unwrap_or_default();
    let mut plans = Vec::new();
    let mut current: Vec<Waiting<T>> = Vec::new();
    let mut total = PushWeight::default();
    for (elder, changes) in waiting {
        let mut prefix = Vec::new();
        let mut own = PushWeight::default();
        for (bytes, kept) in changes {
            let mut with = own.clone();
            with.add(&weight_of(&bytes));
            if prefix.len() == MAX_CHANGES_PER_DOCUMENT_PUSH || (!prefix.is_empty() && with.check_push().is_err()) {
                break;
            }
            own = with;
            prefix.push((bytes, kept));
        }
        let mut joined = total.clone();
        joined.add(&own);
        if !current.is_empty() && (current.len() == MAX_DOCUMENTS_PER_PUSH || joined.check_push().is_err()) {
            plans.push(std::mem::take(&mut current));
            joined = own;
        }
        total = joined;
        current.push((elder, prefix));
    }
    if !current.is_empty() {
        plans.push(current);
    }
    plans
}

/// The wait after `failures` failures in a row: doubling from the minimum up to the
/// maximum, then a random 50–100 % of it, so workstations that lost the server
/// together do not all return at the same instant.
fn backoff(settings: &SyncSettings, failures: u32) -> Duration {
    let doubled = settings.backoff_min.saturating_mul(2u32.saturating_pow(failures.saturating_sub(1).min(16)));
    let capped = doubled.min(settings.backoff_max);
    capped.mul_f64(rand::rng().random_range(0.5..=1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elder(n: u8) -> ElderId {
        ElderId::from_parts(1_700_000_000_000 + u64::from(n), [n; 10])
    }

    /// A plain change of `chars` characters typed by one author.
    fn typed(chars: usize) -> Vec<u8> {
        use automerge::transaction::Transactable;
        let mut doc = automerge::Automerge::new();
        let mut tx = doc.transaction();
        let text = tx.put_object(automerge::ROOT, "t", automerge::ObjType::Text).expect("text");
        tx.splice_text(&text, 0, 0, &"x".repeat(chars)).expect("typing");
        tx.commit();
        doc.get_last_local_change().expect("a change").raw_bytes().to_vec()
    }

    #[test]
    fn pushes_keep_to_the_wire_limits_and_cut_documents_to_their_oldest_changes() {
        // 201 small documents: two pushes, the first holding the most allowed.
        let small: Vec<_> = (0..201).map(|i| (elder(i as u8), vec![(typed(1), i)])).collect();
        let plans = plan_pushes(small);
        assert_eq!(plans.iter().map(Vec::len).collect::<Vec<_>>(), vec![MAX_DOCUMENTS_PER_PUSH, 1]);

        // One document with more operations than a push may hold: cut to a prefix.
        let each = 20_000;
        let heavy: Vec<_> = (0..30).map(|i| (typed(each), i)).collect();
        let plans = plan_pushes(vec![(elder(1), heavy)]);
        assert_eq!(plans.len(), 1);
        let sent: Vec<usize> = plans[0][0].1.iter().map(|(_, i)| *i).collect();
        let fits = (jinlin_shared::wire::MAX_PUSH_OPS / (each as u64 + 1)) as usize;
        assert_eq!(sent, (0..fits).collect::<Vec<_>>(), "the oldest changes, as many as fit");
        let request = PushRequest::new(vec![DocumentPush {
            elder: elder(1),
            changes: plans[0][0].1.iter().map(|(b, _)| AutomergeBytes::new(b.clone())).collect(),
        }]);
        assert!(request.check().is_ok());
        let mut weight = PushWeight::default();
        for document in &request.documents {
            weight.add(&PushWeight::of(document.changes.iter().map(AutomergeBytes::as_bytes)).expect("weighable"));
        }
        assert!(weight.check_push().is_ok());

        // Two documents that each fit but not together go in two pushes.
        let half: Vec<_> = (0..((fits / 2) + 1)).map(|i| (typed(each), i)).collect();
        let plans = plan_pushes(vec![(elder(1), half.clone()), (elder(2), half)]);
        assert_eq!(plans.len(), 2);
    }

    #[test]
    fn backoff_doubles_up_to_the_maximum_with_jitter_below_it() {
        let settings = SyncSettings {
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
            ..SyncSettings::default()
        };
        for (failures, full) in [(1, 1.0), (2, 2.0), (3, 4.0), (5, 16.0), (6, 30.0), (40, 30.0)] {
            for _ in 0..20 {
                let wait = backoff(&settings, failures).as_secs_f64();
                assert!(wait >= full * 0.5 - 1e-9 && wait <= full + 1e-9, "{failures} failures: waited {wait} s");
            }
        }
    }
}
