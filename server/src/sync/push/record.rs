//! One pushed document on its way through the push: what was sent, and how far it got.
//! Every step takes the records it works on and gives them back further along; the
//! answer is read off each record at the end.

use std::sync::Arc;

use jinlin_shared::ids::ElderId;
use jinlin_shared::validate::RejectCode;
use jinlin_shared::wire::{DocumentPushResult, PushOutcome};

use super::prepare::{Prepared, rejected};
use super::write::Write;

/// One document of a push.
pub(super) struct Pushed {
    /// Its place in the push: the answer lists the documents in the order sent.
    pub place: usize,
    pub elder: ElderId,
    /// The changes sent, shared with the task that applies them (never copied).
    pub changes: Arc<[Vec<u8>]>,
    pub stage: Stage,
}

/// How far a document got.
pub(super) enum Stage {
    /// Weighed and within bounds: to be grouped by its community and prepared (again,
    /// when a step found the community moved on under it).
    Weighed,
    /// Applied and checked ahead of its community's lock; decided under it.
    Prepared(Box<Prepared>),
    /// Accepted under the lock, to be written with its group.
    Decided(Box<Write>),
    /// Answered: stored, or refused with nothing written.
    Done(PushOutcome),
}

impl Pushed {
    pub fn sent(place: usize, elder: ElderId, changes: Vec<Vec<u8>>) -> Self {
        Self { place, elder, changes: changes.into(), stage: Stage::Weighed }
    }

    pub fn is_done(&self) -> bool {
        matches!(self.stage, Stage::Done(_))
    }

    pub fn refuse(&mut self, code: RejectCode, reason: impl Into<String>) {
        self.stage = Stage::Done(rejected(code, reason));
    }

    /// Back to be grouped and prepared again: what was prepared, decided or answered
    /// in a transaction that did not commit is dropped.
    pub fn again(&mut self) {
        self.stage = Stage::Weighed;
    }

    /// The answer for this document; `None` if it never got one.
    pub fn answer(self) -> Option<DocumentPushResult> {
        match self.stage {
            Stage::Done(outcome) => Some(DocumentPushResult { elder: self.elder, outcome }),
            _ => None,
        }
    }
}
