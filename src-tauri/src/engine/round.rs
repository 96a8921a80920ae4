//! One sync round with the server: bootstrap a scope new here, push what waits, pull
//! what others did, and follow the city's policy. Each step writes to the store in
//! one transaction per page or push, so a cut connection loses and repeats nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jinlin_shared::document::{ElderDocument, summarise_change};
use jinlin_shared::ids::{CommunityId, ElderId, UserId};
use jinlin_shared::policy::PolicyVersion;
use jinlin_shared::validate::RejectCode;
use jinlin_shared::wire::{
    AutomergeBytes, BootstrapRequest, CityPolicy, Cursor, DEFAULT_BOOTSTRAP_LIMIT, DEFAULT_PULL_LIMIT, DepartedElder,
    DocumentPush, MAX_WAITING_AUTHORS, PullRequest, PushOutcome, PushRequest, WaitingChanges,
};

use super::plan::{self, Waiting};
use crate::error::StationError;
use crate::station::session::Session;
use crate::station::{Station, blocking};
use crate::status::SyncReport;
use crate::store::{PendingChange, Refusal, SealedDocument, StoredDocument};

/// A sync round of the signed-in session, with its token and the server that issued
/// it: the whole round talks to that one server, whatever the settings do meanwhile.
pub(super) struct Round<'a> {
    pub station: &'a Station,
    pub client: &'a crate::client::ServerClient,
    pub session: &'a Session,
    pub token: &'a str,
}

impl Round<'_> {
    pub async fn run(&self) -> Result<SyncReport, StationError> {
        let mut report = SyncReport::default();
        if !self.session.bootstrapped {
            report.bootstrapped_documents = self.bootstrap().await?;
        }
        // A failed push (a server that refuses it whole, a cut connection) must not
        // keep this workstation from receiving everyone else's changes.
        let pushed = self.push().await;
        let pulled = self.pull().await;
        let (pushed, rejected) = pushed?;
        report.pushed = pushed;
        report.rejected = rejected;
        report.pulled_documents = pulled?;
        Ok(report)
    }

    /// Whole documents of the user's scope, for a workstation that has never held it.
    async fn bootstrap(&self) -> Result<u32, StationError> {
        let (station, vault) = (self.station, &self.session.vault);
        let mut after: Option<ElderId> = None;
        // The first page's cursor: every later change is in a later page's snapshot
        // or after this cursor. A later page's cursor could skip changes made to
        // documents of the earlier pages meanwhile.
        let mut first_cursor: Option<Cursor> = None;
        let mut communities = BTreeSet::new();
        let mut received = 0;
        loop {
            let request = BootstrapRequest::new(after, DEFAULT_BOOTSTRAP_LIMIT);
            let page = self.client.bootstrap(self.token, &request).await?;
            // Only noted: a bootstrap takes everything anyway.
            self.note_generation(page.generation).await?;
            let first = first_cursor.get_or_insert_with(|| page.cursor.clone()).clone();
            let _turn = station.writing().await;
            let mut cursor = station.store().cursor().await?;
            cursor.merge(&first);
            let mut documents = Vec::with_capacity(page.snapshots.len());
            for snapshot in page.snapshots {
                communities.insert(snapshot.community);
                let doc = match station.store().document(snapshot.elder).await? {
                    Some(row) => {
                        let mut local = vault.open_document(&row, station.actor())?;
                        local.load_incremental(snapshot.document.as_bytes())?;
                        local
                    }
                    None => ElderDocument::load(snapshot.document.as_bytes(), station.actor().clone())?,
                };
                documents.push(vault.seal_document(&doc)?);
            }
            received += documents.len() as u32;
            station.store().save_received(documents, &[], &cursor, station.now()).await?;
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        station.hold_communities(&self.session.user.id, communities, true).await?;
        Ok(received)
    }

    /// What still waits here after the push, by author: the server keeps it for an
    /// assistant's handover. A change that does not open is left out of the count.
    async fn waiting_by_author(&self) -> Result<Vec<WaitingChanges>, StationError> {
        let mut counts: BTreeMap<UserId, u32> = BTreeMap::new();
        for change in self.station.store().pending().await? {
            let author = self
                .session
                .vault
                .open_change(change.elder, &change.sealed)
                .ok()
                .and_then(|bytes| summarise_change(&bytes).ok())
                .and_then(|summary| summary.author);
            if let Some(author) = author {
                *counts.entry(author.user).or_default() += 1;
            }
        }
        let counted = counts.into_iter().map(|(user, changes)| WaitingChanges { user, changes });
        Ok(counted.take(MAX_WAITING_AUTHORS).collect())
    }

    /// The elders this workstation stops holding: those who left a community, unless
    /// the record as held here is already in another community it follows (moved by
    /// this workstation, or arrived from the new community's log in this page or an
    /// earlier one). A record dropped here and later entered whole by a followed
    /// community's log comes back with it.
    async fn departures(
        &self,
        departed: &[DepartedElder],
        received: &[SealedDocument],
    ) -> Result<Vec<ElderId>, StationError> {
        if departed.is_empty() {
            return Ok(Vec::new());
        }
        let elders: Vec<ElderId> = departed.iter().map(|d| d.elder).collect();
        let stored = self.station.store().documents_of(&elders).await?;
        let held_in = |elder: ElderId| {
            received
                .iter()
                .rev()
                .find(|d| d.elder == elder)
                .map(|d| d.community)
                .or_else(|| stored.iter().find(|row| row.elder == elder).map(|row| row.community))
        };
        Ok(departed
            .iter()
            .filter(|d| held_in(d.elder).is_some_and(|c| c == d.from_community || !self.session.can_write(c)))
            .map(|d| d.elder)
            .collect())
    }

    /// Sends every waiting change, in pushes within the wire's limits; returns how
    /// many changes were stored and how many refused.
    async fn push(&self) -> Result<(u32, u32), StationError> {
        let station = self.station;
        let mut by_elder: BTreeMap<ElderId, Vec<PendingChange>> = BTreeMap::new();
        for change in station.store().pending().await? {
            by_elder.entry(change.elder).or_default().push(change);
        }
        let mut waiting = Vec::with_capacity(by_elder.len());
        for (elder, changes) in by_elder {
            waiting.push(self.opened(elder, changes)?);
        }
        let mut tally = (0, 0);
        // A second time at most: only what does not build on changes the server lacks.
        for _ in 0..2 {
            let sendable = self.send(waiting, &mut tally).await?;
            if sendable.is_empty() {
                break;
            }
            waiting = sendable;
        }
        Ok(tally)
    }

    /// Waiting changes of one elder with their bytes, opened.
    fn opened(&self, elder: ElderId, changes: Vec<PendingChange>) -> Result<Waiting<PendingChange>, StationError> {
        let opened = changes
            .into_iter()
            .map(|change| Ok((self.session.vault.open_change(elder, &change.sealed)?, change)))
            .collect::<Result<Vec<_>, StationError>>()?;
        Ok((elder, opened))
    }

    /// Pushes `waiting` and keeps the answers (`tally`: stored, refused); answers the
    /// part of each document refused for changes the server lacks that can go without
    /// them.
    async fn send(
        &self,
        waiting: Vec<Waiting<PendingChange>>,
        tally: &mut (u32, u32),
    ) -> Result<Vec<Waiting<PendingChange>>, StationError> {
        let station = self.station;
        let mut sendable = Vec::new();
        for batch in plan::plan_pushes(waiting) {
            let (request, batch) = request_of(batch);
            // The plan keeps every limit; a request the server would refuse whole is
            // this program's fault, and is not sent.
            request.check().map_err(StationError::internal)?;
            let response = self.client.push(self.token, &request).await?;
            // A restored server: every change made here waits again, in order, these
            // included (their rows are gone), and the next round sends them all.
            if self.note_generation(response.generation).await? {
                return Ok(Vec::new());
            }
            for result in response.results {
                let Some((_, rows)) = batch.iter().find(|(elder, _)| *elder == result.elder) else { continue };
                match result.outcome {
                    PushOutcome::Accepted { .. } => {
                        tally.0 += rows.len() as u32;
                        station.store().acknowledge(&rows.iter().map(|r| r.id).collect::<Vec<_>>()).await?;
                    }
                    // After a restore, a colleague's change these build on may not be
                    // back on the server yet: it will be once their workstation heals.
                    // Those wait here, in the document (nothing is set aside), and the
                    // rest goes now.
                    PushOutcome::Rejected { code: RejectCode::MissingDependencies, missing, .. } => {
                        let free = self.not_building_on(result.elder, rows, missing.as_slice()).await?;
                        tracing::info!(elder = %result.elder, waiting = rows.len() - free.len(), "changes wait for earlier changes the server lacks");
                        if !free.is_empty() && free.len() < rows.len() {
                            sendable.push(self.opened(result.elder, free)?);
                        }
                    }
                    PushOutcome::Rejected { code, field, reason, .. } => {
                        let refusal = Refusal { code, field, reason };
                        tally.1 += self.set_aside(result.elder, rows, refusal).await?;
                    }
                }
            }
            station.publish_counts().await?;
        }
        Ok(sendable)
    }

    /// Of an elder's waiting `rows`, those that build on none of `missing`.
    async fn not_building_on(
        &self,
        elder: ElderId,
        rows: &[PendingChange],
        missing: &[jinlin_shared::ChangeHash],
    ) -> Result<Vec<PendingChange>, StationError> {
        let Some(row) = self.station.store().document(elder).await? else { return Ok(Vec::new()) };
        let doc = self.session.vault.open_document(&row, self.station.actor())?;
        let deps: HashMap<_, _> = doc.history().into_iter().map(|change| (change.hash, change.deps)).collect();
        let waiting =
            rows.iter().map(|row| (row.hash, deps.get(&row.hash).cloned().unwrap_or_default(), row.clone())).collect();
        Ok(plan::not_building_on(waiting, missing))
    }

    /// Keeps refused changes aside with the server's reason and goes on from the
    /// document without them (and without any change built on them).
    async fn set_aside(
        &self,
        elder: ElderId,
        refused: &[PendingChange],
        refusal: Refusal,
    ) -> Result<u32, StationError> {
        let (station, vault) = (self.station, &self.session.vault);
        let _turn = station.writing().await;
        let hashes: Vec<_> = refused.iter().map(|change| change.hash).collect();
        let rebuilt = match station.store().document(elder).await? {
            Some(row) => vault.open_document(&row, station.actor())?.without_changes(&hashes)?,
            None => None,
        };
        // Changes saved since the push are weighed too: some may be built on these.
        let others: Vec<_> = station
            .store()
            .pending()
            .await?
            .into_iter()
            .filter(|change| change.elder == elder && !refused.iter().any(|r| r.id == change.id))
            .map(|change| (change.hash, change))
            .collect();
        let moved = plan::set_aside(refused.to_vec(), others, &refusal, rebuilt.as_ref());
        let count = moved.len() as u32;
        tracing::warn!(elder = %elder, code = %refusal.code, field = refusal.field.as_deref().unwrap_or("-"), count, "changes refused by the server, kept aside");
        let sealed: Option<SealedDocument> = rebuilt.as_ref().map(|d| vault.seal_document(d)).transpose()?;
        station.store().reject(elder, moved, sealed, station.now()).await?;
        Ok(count)
    }

    /// Everyone else's changes after the cursor, page by page; returns how many
    /// documents changed here.
    async fn pull(&self) -> Result<u32, StationError> {
        let station = self.station;
        let mut changed = 0;
        let waiting = self.waiting_by_author().await?;
        loop {
            let cursor = station.store().cursor().await?;
            let request =
                PullRequest { waiting: waiting.clone(), ..PullRequest::new(cursor.clone(), DEFAULT_PULL_LIMIT) };
            let page = self.client.pull(self.token, &request).await?;
            if !page.taken_off.is_empty() {
                let forgotten = station.store().forget_key_slots(&page.taken_off).await?;
                if forgotten > 0 {
                    tracing::info!(forgotten, "key slots of people taken off were forgotten");
                }
            }
            if self.note_generation(page.generation).await? {
                // The cursor starts again from nothing: this page was cut after the old one.
                continue;
            }
            let turn = station.writing().await;
            let communities: BTreeSet<CommunityId> = page.documents.iter().map(|d| d.community).collect();
            let elders: Vec<ElderId> = page.documents.iter().map(|d| d.elder).collect();
            let stored: HashMap<ElderId, StoredDocument> =
                station.store().documents_of(&elders).await?.into_iter().map(|row| (row.elder, row)).collect();
            // A page is up to a thousand documents to open, merge and seal: CPU work,
            // off the runtime's threads.
            let (vault, actor, pulled) = (self.session.vault.clone(), station.actor().clone(), page.documents);
            let sealed: Vec<SealedDocument> = blocking(move || {
                pulled
                    .iter()
                    .map(|pulled| {
                        let chunks: Vec<Vec<u8>> = pulled.chunks.iter().map(|c| c.as_bytes().to_vec()).collect();
                        let doc = match stored.get(&pulled.elder) {
                            Some(row) => {
                                let mut local = vault.open_document(row, &actor)?;
                                local.apply_changes(&chunks)?;
                                local
                            }
                            None => ElderDocument::from_changes(&chunks, actor.clone())?,
                        };
                        vault.seal_document(&doc)
                    })
                    .collect::<Result<Vec<_>, StationError>>()
            })
            .await??;
            changed += sealed.len() as u32;
            let departed = self.departures(&page.departed, &sealed).await?;
            let mut next = cursor;
            next.merge(&page.next_cursor);
            station.store().save_received(sealed, &departed, &next, station.now()).await?;
            drop(turn);
            if !communities.is_empty() {
                station.hold_communities(&self.session.user.id, communities, false).await?;
            }
            if !page.more {
                if let Some(version) = page.policy_version {
                    self.follow_policy(version).await;
                }
                break;
            }
        }
        Ok(changed)
    }

    /// Fetches the city's policy when the server names a version other than the one
    /// held. A policy that cannot be fetched or read leaves the one held in force and
    /// is tried again at the next sync: the records synced regardless.
    async fn follow_policy(&self, version: PolicyVersion) {
        if self.station.policy().version == version {
            return;
        }
        let fetched = match self.client.policy(self.token).await {
            // The version is the policy's own digest, computed here: a version the
            // server merely claims could pin a workstation to a stale policy.
            Ok(fetched) => fetched.policy.checked().map(|policy| CityPolicy { version: policy.version(), policy }),
            Err(error) => {
                tracing::warn!(%error, "the city's policy could not be fetched; keeping the one held");
                return;
            }
        };
        match fetched {
            Ok(policy) => {
                if let Err(error) = self.station.adopt_policy(policy).await {
                    tracing::warn!(%error, "the city's policy could not be kept");
                }
            }
            Err(error) => tracing::warn!(%error, "the server's policy is not valid; keeping the one held"),
        }
    }
}

/// A planned push as the request to send, and the waiting rows it carries per elder.
fn request_of(batch: Vec<Waiting<PendingChange>>) -> (PushRequest, Vec<(ElderId, Vec<PendingChange>)>) {
    let documents = batch
        .iter()
        .map(|(elder, changes)| DocumentPush {
            elder: *elder,
            changes: changes.iter().map(|(bytes, _)| AutomergeBytes::new(bytes.clone())).collect(),
        })
        .collect();
    let rows =
        batch.into_iter().map(|(elder, changes)| (elder, changes.into_iter().map(|(_, row)| row).collect())).collect();
    (PushRequest::new(documents), rows)
}
