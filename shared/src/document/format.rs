//! The numbers of Automerge's binary format that Jinlin reads changes by (the format is
//! documented at <https://alexjg.github.io/automerge-storage-docs/>): written once,
//! for the reader of untrusted changes (`chunk`) and the hand-made changes of the
//! hostile tests (`craft`).

/// Every chunk starts with these bytes.
pub const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
/// Chunk types.
pub const CHUNK_DOCUMENT: u8 = 0;
pub const CHUNK_CHANGE: u8 = 1;
pub const CHUNK_COMPRESSED_CHANGE: u8 = 2;
/// A change hash (dependency) is a SHA-256.
pub const HASH_BYTES: usize = 32;
/// Column specifications: the id in the upper bits, a deflate flag, a 3-bit type.
pub const COLUMN_DEFLATE: u32 = 0b1000;

/// Column specifications of a change's operations: `(column id << 4) | column type`
/// (types: 0 group, 1 actor, 2 integer, 3 delta, 4 boolean, 5 string, 6 value
/// metadata, 7 value).
pub mod column {
    pub const OBJ_ACTOR: u32 = 1;
    pub const OBJ_COUNTER: u32 = 2;
    pub const KEY_ACTOR: u32 = (1 << 4) | 1;
    pub const KEY_COUNTER: u32 = (1 << 4) | 3;
    pub const KEY_STRING: u32 = (1 << 4) | 5;
    pub const INSERT: u32 = (3 << 4) | 4;
    pub const ACTION: u32 = (4 << 4) | 2;
    pub const VALUE_META: u32 = (5 << 4) | 6;
    pub const VALUE: u32 = (5 << 4) | 7;
    pub const PRED_GROUP: u32 = 7 << 4;
    // The predecessors themselves: the server only counts them (from the group
    // column), so only hand-made changes name these.
    #[cfg(any(test, feature = "hostile"))]
    pub const PRED_ACTOR: u32 = (7 << 4) | 1;
    #[cfg(any(test, feature = "hostile"))]
    pub const PRED_COUNTER: u32 = (7 << 4) | 3;
}
