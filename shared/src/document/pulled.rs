//! What a pull carries for one document: some of its changes, or its whole save where
//! the page covers every change of it (a first pull, an elder who moved in). The
//! server keeps each document once, as its save, and cuts changes out of it only
//! for workstations that hold the rest already.

use std::collections::HashSet;

use automerge::{ActorId, Automerge, ChangeHash};

use super::{DocumentError, ElderDocument, chunk, decode_changes, guard};

impl ElderDocument {
    /// A document from what a pull carried (a save, changes, or both), in any order.
    pub fn from_pulled(chunks: &[Vec<u8>], actor: ActorId) -> Result<Self, DocumentError> {
        let mut doc = Automerge::new();
        merge_pulled(&mut doc, chunks)?;
        doc.set_actor(actor);
        Self::wrap(doc)
    }

    /// Adds what a pull carried to this document. The server is trusted here: it has
    /// reviewed every change it serves (untrusted changes go through
    /// [`Self::apply_checked`]).
    pub fn apply_pulled(&mut self, chunks: &[Vec<u8>]) -> Result<(), DocumentError> {
        let mut candidate = self.doc.clone();
        merge_pulled(&mut candidate, chunks)?;
        *self = Self::wrap(candidate)?;
        Ok(())
    }
}

fn merge_pulled(doc: &mut Automerge, chunks: &[Vec<u8>]) -> Result<(), DocumentError> {
    let (saves, changes): (Vec<Vec<u8>>, Vec<Vec<u8>>) = chunks.iter().cloned().partition(|c| chunk::is_document(c));
    for save in &saves {
        guard(|| doc.load_incremental(save))
            .and_then(|r| r.map_err(|e| e.to_string()))
            .map_err(DocumentError::Undecodable)?;
    }
    let decoded = decode_changes(&changes)?;
    guard(|| doc.apply_changes(decoded)).and_then(|r| r.map_err(|e| e.to_string())).map_err(DocumentError::Undecodable)
}

/// The changes `wanted` of a saved document, each encoded on its own, in causal order
/// (each after its dependencies). Only Automerge's own load runs: the record is not read.
/// A wanted change the save does not hold is an error: the caller logged it as stored.
pub fn changes_in_save(save: &[u8], wanted: &[ChangeHash]) -> Result<Vec<Vec<u8>>, DocumentError> {
    let doc = guard(|| Automerge::load(save))
        .and_then(|r| r.map_err(|e| e.to_string()))
        .map_err(DocumentError::Undecodable)?;
    let mut left: HashSet<ChangeHash> = wanted.iter().copied().collect();
    let found: Vec<Vec<u8>> = doc
        .get_changes(&[])
        .into_iter()
        .filter(|change| left.remove(&change.hash()))
        .map(|change| change.raw_bytes().to_vec())
        .collect();
    match left.into_iter().next() {
        Some(missing) => Err(DocumentError::Undecodable(format!("the save does not hold change {missing}"))),
        None => Ok(found),
    }
}
