//! What a pull carries for one document: some of its changes, or its whole save where
//! the page covers every change of it (a first pull, an elder who moved in). The
//! server keeps each document once, as its save, and cuts changes out of it only
//! for workstations that hold the rest already.

use std::collections::HashSet;

use automerge::{Automerge, ChangeHash};

use super::{DocumentError, chunk, decode_changes, guard, load_save};

/// Adds trusted changes to `doc`, whole saves among them loaded as such
/// ([`super::ElderDocument::apply_changes`]).
pub(super) fn merge(doc: &mut Automerge, changes: &[Vec<u8>]) -> Result<(), DocumentError> {
    let (saves, changes): (Vec<&Vec<u8>>, Vec<&Vec<u8>>) = changes.iter().partition(|c| chunk::is_document(c));
    for save in saves {
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
    let doc = load_save(save)?;
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
