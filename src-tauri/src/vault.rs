//! The vault: how the workstation's records are sealed into the store and opened
//! again, under the data key of the signed-in session. Every sealed value names what
//! it is as associated data (its table and its elder), so a blob moved to another row
//! or table fails to open instead of showing the wrong elder (see `crypto`).
//!
//! The station and the sync engine both seal and open only through here.

use jinlin_shared::ActorId;
use jinlin_shared::document::ElderDocument;
use jinlin_shared::ids::ElderId;
use jinlin_shared::materialise::{ElderRows, materialise};
use jinlin_shared::wire::DeviceKey;

use crate::crypto::Sealer;
use crate::error::StationError;
use crate::store::{SealedDocument, StoredDocument};

/// The session's data key, able to seal and open records.
#[derive(Clone)]
pub struct Vault {
    sealer: Sealer,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(…)")
    }
}

impl Vault {
    pub fn new(key: &DeviceKey) -> Self {
        Self { sealer: Sealer::new(key) }
    }

    /// The document and its materialised rows, sealed for the store.
    pub fn seal_document(&self, doc: &ElderDocument) -> Result<SealedDocument, StationError> {
        let elder = doc.elder_id();
        let community =
            doc.community().ok_or_else(|| StationError::Internal(format!("elder {elder} has no community")))?;
        let rows = materialise(doc)?;
        let rows_json = serde_json::to_vec(&rows).map_err(StationError::internal)?;
        Ok(SealedDocument {
            elder,
            community,
            snapshot: self.sealer.seal(&doc.save(), &snapshot_context(elder)),
            rows: self.sealer.seal(&rows_json, &rows_context(elder)),
        })
    }

    /// A stored document, opened and loaded under `actor`.
    pub fn open_document(&self, row: &StoredDocument, actor: &ActorId) -> Result<ElderDocument, StationError> {
        let bytes = self.sealer.open(&row.sealed_snapshot, &snapshot_context(row.elder))?;
        Ok(ElderDocument::load(&bytes, actor.clone())?)
    }

    /// A stored document's materialised rows (what every screen reads).
    pub fn open_rows(&self, row: &StoredDocument) -> Result<ElderRows, StationError> {
        let json = self.sealer.open(&row.sealed_rows, &rows_context(row.elder))?;
        serde_json::from_slice(&json).map_err(StationError::internal)
    }

    /// One change of `elder`'s document, sealed to wait for the server.
    pub fn seal_change(&self, elder: ElderId, change: &[u8]) -> Vec<u8> {
        self.sealer.seal(change, &change_context(elder))
    }

    pub fn open_change(&self, elder: ElderId, sealed: &[u8]) -> Result<Vec<u8>, StationError> {
        Ok(self.sealer.open(sealed, &change_context(elder))?)
    }
}

fn snapshot_context(elder: ElderId) -> String {
    format!("documents.snapshot:{elder}")
}

fn rows_context(elder: ElderId) -> String {
    format!("documents.rows:{elder}")
}

fn change_context(elder: ElderId) -> String {
    format!("changes:{elder}")
}
