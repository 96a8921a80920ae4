//! The sync engine's decisions, as pure functions: how waiting changes are split into
//! pushes the server takes whole, how long to wait after a sync, which changes a
//! refusal sets aside, and what the window is told. The engine does the IO around
//! them; these are tested without a server.

use std::time::Duration;

use jinlin_shared::ChangeHash;
use jinlin_shared::document::ElderDocument;
use jinlin_shared::ids::ElderId;
use jinlin_shared::wire::{MAX_CHANGES_PER_DOCUMENT_PUSH, MAX_DOCUMENTS_PER_PUSH, PushWeight};

use super::SyncSettings;
use crate::client::ClientError;
use crate::error::StationError;
use crate::status::SyncErrorCode;
use crate::store::Refusal;

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

/// How a sync ended, as far as the next one is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ended {
    Synced,
    /// Nothing can be sent until someone signs in (again): the sign-in wakes the engine.
    WaitingForSignIn,
    /// It may go through later unchanged: the server was unreachable or busy, or a
    /// cut connection.
    Retryable,
    /// Trying again unchanged will not help (an app too old, a store that fails):
    /// it waits as long as back-off allows, and the window says why.
    NeedsSomeone,
}

impl Ended {
    pub(crate) fn of(outcome: Result<(), &StationError>) -> Self {
        let Err(error) = outcome else { return Ended::Synced };
        match error {
            StationError::SignedOut | StationError::SessionExpired | StationError::DeviceRevoked => {
                Ended::WaitingForSignIn
            }
            StationError::Offline => Ended::Retryable,
            StationError::Server(body) if body.error.is_retryable() => Ended::Retryable,
            StationError::Client(ClientError::Untrusted { .. }) => Ended::NeedsSomeone,
            StationError::Client(_) => Ended::Retryable,
            _ => Ended::NeedsSomeone,
        }
    }
}

/// The engine's pace: failures in a row, and the wait they call for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Pacing {
    failures: u32,
}

impl Pacing {
    /// The wait before the next sync after one that `ended`; `jitter` (from 0.5 to 1)
    /// spreads the workstations that lost the server together.
    pub(crate) fn after(&mut self, ended: Ended, settings: &SyncSettings, jitter: f64) -> Duration {
        match ended {
            Ended::Synced | Ended::WaitingForSignIn => {
                self.failures = 0;
                settings.interval
            }
            Ended::Retryable => {
                self.failures = self.failures.saturating_add(1);
                backoff(settings, self.failures).mul_f64(jitter.clamp(0.5, 1.0))
            }
            Ended::NeedsSomeone => {
                self.failures = self.failures.saturating_add(1);
                settings.backoff_max.max(settings.interval)
            }
        }
    }
}

/// The wait after `failures` failures in a row: doubling from the minimum up to the
/// maximum.
fn backoff(settings: &SyncSettings, failures: u32) -> Duration {
    let doubled = settings.backoff_min.saturating_mul(2u32.saturating_pow(failures.saturating_sub(1).min(16)));
    doubled.min(settings.backoff_max)
}

/// What the window is told when a sync stops on `error` (not offline).
pub(crate) fn error_code(error: &StationError) -> SyncErrorCode {
    match error {
        StationError::SessionExpired => SyncErrorCode::SessionExpired,
        StationError::DeviceRevoked => SyncErrorCode::DeviceRevoked,
        StationError::AppTooOld { .. } => SyncErrorCode::AppTooOld,
        StationError::Server(_) => SyncErrorCode::ServerRefused,
        StationError::Client(ClientError::Untrusted { .. }) => SyncErrorCode::UntrustedServer,
        StationError::Store(_) | StationError::Crypto(_) => SyncErrorCode::Storage,
        _ => SyncErrorCode::Internal,
    }
}

/// The waiting changes of one document a refusal sets aside: the refused ones with the
/// server's reason, and every other one the document rebuilt without them no longer
/// holds (built on a refused change, the server would refuse it for its missing
/// dependency), with a reason that says so. `rebuilt` is `None` when nothing of the
/// document is left (its first change was refused).
pub(crate) fn set_aside<T>(
    refused: Vec<T>,
    others: Vec<(ChangeHash, T)>,
    refusal: &Refusal,
    rebuilt: Option<&ElderDocument>,
) -> Vec<(T, Refusal)> {
    let built_on = Refusal {
        code: refusal.code,
        field: None,
        reason: format!("built on a change the server refused: {}", refusal.reason),
    };
    let mut aside: Vec<(T, Refusal)> = refused.into_iter().map(|change| (change, refusal.clone())).collect();
    for (hash, change) in others {
        if !rebuilt.is_some_and(|doc| doc.contains_change(&hash)) {
            aside.push((change, built_on.clone()));
        }
    }
    aside
}

/// The waiting changes of one document, oldest first with their dependencies, that
/// build on none of `missing` (changes the server lacks), neither directly nor through
/// another waiting change: they can go now, while the rest waits for the missing
/// ones to reach the server (after a restore, from a colleague's workstation).
pub(crate) fn not_building_on<T>(waiting: Vec<(ChangeHash, Vec<ChangeHash>, T)>, missing: &[ChangeHash]) -> Vec<T> {
    let mut blocked: std::collections::HashSet<ChangeHash> = missing.iter().copied().collect();
    let mut free = Vec::new();
    for (hash, deps, change) in waiting {
        if deps.iter().any(|dep| blocked.contains(dep)) {
            blocked.insert(hash);
        } else {
            free.push(change);
        }
    }
    free
}

#[cfg(test)]
mod tests;
