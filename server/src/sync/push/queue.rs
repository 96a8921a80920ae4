//! The groups waiting for SQLite's writer, each with where its documents go back: the
//! writer that gets the turn takes every group waiting and writes them in one
//! transaction (group commit).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::oneshot;

use super::commit::{Committed, Group};

/// A group waiting for the writer, and its pusher's answer.
pub(super) struct Queued {
    pub group: Group,
    pub reply: oneshot::Sender<Committed>,
}

/// The push path's queue; one per server process (cloned, it is the same queue).
#[derive(Clone, Default)]
pub struct Queue(Arc<Mutex<Vec<Queued>>>);

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue").field("waiting", &self.len()).finish()
    }
}

impl Queue {
    /// How many groups wait for the writer.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Puts a group in the queue; its documents come back on the receiver.
    pub(super) fn put(&self, group: Group) -> oneshot::Receiver<Committed> {
        let (reply, answer) = oneshot::channel();
        self.lock().push(Queued { group, reply });
        answer
    }

    /// Takes every group waiting. A group whose pusher has gone (its request timed out
    /// or its client hung up) is left out: it was never answered, so it never lands.
    pub(super) fn take_all(&self) -> Vec<Queued> {
        self.lock().drain(..).filter(|queued| !queued.reply.is_closed()).collect()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Queued>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
