//! Table `log_entries`: One entry of a community's change log, numbered in commit order.

use jinlin_shared::ChangeHash;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "log_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub community_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub elder_id: String,
    pub kind: String,
    /// One change in hex, in entries written before a push was logged as one entry.
    pub change_hash: Option<String>,
    /// The changes one push added to the document: their 32-byte hashes, one after another.
    #[sea_orm(column_type = "VarBinary(StringLen::None)", nullable)]
    pub change_hashes: Option<Vec<u8>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A log entry whose changes cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("log entry {community}#{seq} does not name its changes as 32-byte hashes")]
pub struct MalformedEntry {
    pub community: String,
    pub seq: i64,
}

/// The column value naming `hashes`.
pub fn encode_hashes(hashes: &[ChangeHash]) -> Vec<u8> {
    hashes.iter().flat_map(|hash| hash.0).collect()
}

impl Model {
    /// The changes this entry names, in the order they were logged (none for an
    /// arrival or a departure).
    pub fn changes(&self) -> Result<Vec<ChangeHash>, MalformedEntry> {
        let malformed = || MalformedEntry { community: self.community_id.clone(), seq: self.seq };
        let mut hashes = match &self.change_hash {
            Some(hex) => vec![hex.parse().map_err(|_| malformed())?],
            None => Vec::new(),
        };
        if let Some(bytes) = &self.change_hashes {
            if bytes.len() % 32 != 0 {
                return Err(malformed());
            }
            for hash in bytes.chunks(32) {
                hashes.push(ChangeHash::try_from(hash).map_err(|_| malformed())?);
            }
        }
        Ok(hashes)
    }
}
