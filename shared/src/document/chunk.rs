//! Reading a change's header and measuring its work before Automerge decodes it.
//!
//! Automerge trusts the sizes a change declares: a compressed change is inflated
//! whole, and a run-length column that says "ten million operations" in a few bytes
//! is iterated and then applied op by op. A hostile push could therefore cost the
//! server gigabytes and minutes from a few kilobytes on the wire. This module reads
//! the chunk itself (the format is Automerge's binary format, documented at
//! <https://alexjg.github.io/automerge-storage-docs/>), inflating at most
//! [`MAX_CHANGE_INFLATED_BYTES`] and counting operations and predecessors from the
//! columns' run lengths, so the cost of refusing a bomb is bounded by its size on the
//! wire. Only when the numbers are within the limits is the change handed to
//! Automerge.

use std::io::Read as _;

use super::format::{CHUNK_CHANGE, CHUNK_COMPRESSED_CHANGE, CHUNK_DOCUMENT, COLUMN_DEFLATE, HASH_BYTES, MAGIC, column};
use crate::author::Author;

mod columns;

pub(crate) use columns::{ChangeOp, OpAction, OpKey, OpRef, OpValue, change_ops};

// The limits on one change: the wire's (`wire` re-exports them), checked here where
// changes are read.

/// Largest single change, in bytes before base64. Visit records are a few KB; this
/// leaves room for an enrolment with a long history while refusing abuse early.
pub const MAX_CHANGE_BYTES: usize = 256 * 1024;

/// Largest change once inflated. Automerge compresses changes over a few hundred
/// bytes, so a change of [`MAX_CHANGE_BYTES`] on the wire could otherwise stand for
/// gigabytes; the server inflates no further than this (`document::summarise_change`).
/// An enrolment with 10,000 characters of notes is about 60 KiB.
pub const MAX_CHANGE_INFLATED_BYTES: usize = 1024 * 1024;

/// Most operations in one change, counted from its columns before it is decoded. Every
/// character typed into the profile's notes is one operation, so replacing a full
/// note (10,000 characters deleted, 10,000 inserted) is the largest honest change.
pub const MAX_CHANGE_OPS: u64 = 30_000;

/// Most predecessor references over one change's operations (each deletion or
/// overwrite names what it replaces; a conflict's resolution names every value).
pub const MAX_CHANGE_PREDS: u64 = 60_000;

/// What a change says about itself, read without decoding its operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSummary {
    /// The author its message names; `None` when it names none.
    pub author: Option<Author>,
    /// How many changes it depends on.
    pub dependencies: usize,
    /// Operations it holds.
    pub ops: u64,
    /// Predecessor references over all its operations.
    pub preds: u64,
    /// Its size once inflated (its own size when it is not compressed).
    pub inflated_bytes: usize,
}

/// Why a change is refused before Automerge sees it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChunkError {
    #[error("not an Automerge change: {0}")]
    Malformed(&'static str),
    #[error("an Automerge chunk of type {0}, not a change")]
    NotAChange(u8),
    #[error("the change holds more than {max} {what}")]
    TooLarge { what: &'static str, max: u64 },
}

/// Whether `bytes` start as a whole saved document rather than a change (by the chunk
/// header alone; Automerge checks the rest when it loads them).
pub(crate) fn is_document(bytes: &[u8]) -> bool {
    bytes.len() > MAGIC.len() + 4 && bytes[..MAGIC.len()] == MAGIC && bytes[MAGIC.len() + 4] == CHUNK_DOCUMENT
}

/// Reads `bytes` as one Automerge change (plain or compressed) and measures it,
/// refusing it as soon as it passes a limit.
pub fn summarise_change(bytes: &[u8]) -> Result<ChangeSummary, ChunkError> {
    let (chunk_type, data) = chunk_data(bytes)?;
    match chunk_type {
        CHUNK_CHANGE => {
            check_bytes(data.len())?;
            summarise_contents(data)
        }
        CHUNK_COMPRESSED_CHANGE => summarise_contents(&inflate(data)?),
        other => Err(ChunkError::NotAChange(other)),
    }
}

/// A chunk's type and its data (what follows its header), the chunk being all of `bytes`.
fn chunk_data(bytes: &[u8]) -> Result<(u8, &[u8]), ChunkError> {
    let mut input = Input(bytes);
    if input.take(MAGIC.len())? != MAGIC {
        return Err(ChunkError::Malformed("wrong magic bytes"));
    }
    input.take(4)?; // checksum: Automerge verifies it
    let chunk_type = input.take(1)?[0];
    let length = usize::try_from(input.uleb()?).map_err(|_| ChunkError::Malformed("chunk length"))?;
    let data = input.take(length)?;
    if !input.0.is_empty() {
        return Err(ChunkError::Malformed("bytes after the change"));
    }
    Ok((chunk_type, data))
}

fn check_bytes(bytes: usize) -> Result<(), ChunkError> {
    if bytes > MAX_CHANGE_INFLATED_BYTES {
        return Err(ChunkError::TooLarge { what: "bytes once inflated", max: MAX_CHANGE_INFLATED_BYTES as u64 });
    }
    Ok(())
}

/// Inflates a compressed change, stopping one byte past the limit: memory and time
/// are bounded by the limit, not by what the deflate stream would expand to.
fn inflate(deflated: &[u8]) -> Result<Vec<u8>, ChunkError> {
    let mut out = Vec::new();
    let limit = MAX_CHANGE_INFLATED_BYTES as u64 + 1;
    flate2::bufread::DeflateDecoder::new(deflated)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|_| ChunkError::Malformed("a broken deflate stream"))?;
    check_bytes(out.len())?;
    Ok(out)
}

/// A change's contents after its chunk header, read as far as its columns.
struct Contents<'a> {
    dependencies: usize,
    message: &'a str,
    /// The actors its operations name besides its own.
    other_actors: usize,
    /// Each column: its specification and its bytes.
    columns: Vec<(u32, &'a [u8])>,
}

impl<'a> Contents<'a> {
    /// Reads the metadata and the column list, refusing what Automerge would refuse
    /// before it reads an operation.
    fn read(data: &'a [u8]) -> Result<Self, ChunkError> {
        let mut input = Input(data);
        let dependencies = input.count_of(HASH_BYTES)?;
        input.take(dependencies * HASH_BYTES)?;
        input.prefixed()?; // actor
        input.uleb()?; // seq
        if input.uleb()? == 0 {
            return Err(ChunkError::Malformed("start op 0"));
        }
        input.sleb()?; // time
        let message = std::str::from_utf8(input.prefixed()?).map_err(|_| ChunkError::Malformed("message not UTF-8"))?;
        let other_actors = input.count_of(1)?;
        for _ in 0..other_actors {
            input.prefixed()?;
        }
        let count = input.count_of(2)?;
        let mut layout = Vec::with_capacity(count);
        for _ in 0..count {
            let spec = u32::try_from(input.uleb()?).map_err(|_| ChunkError::Malformed("column specification"))?;
            let length = usize::try_from(input.uleb()?).map_err(|_| ChunkError::Malformed("column length"))?;
            layout.push((spec, length));
        }
        let mut columns = Vec::with_capacity(count);
        for (spec, length) in layout {
            if spec & COLUMN_DEFLATE != 0 {
                // Automerge refuses these in changes too; refusing here keeps them from
                // being a second way to inflate.
                return Err(ChunkError::Malformed("a compressed column inside a change"));
            }
            columns.push((spec, input.take(length)?));
        }
        Ok(Self { dependencies, message, other_actors, columns })
    }

    /// The bytes of the column `spec` (empty when the change has none).
    fn column(&self, spec: u32) -> &'a [u8] {
        self.columns.iter().find(|(s, _)| *s == spec).map_or(&[], |(_, bytes)| *bytes)
    }
}

/// The change's contents after its chunk header: its metadata, its column list, and
/// the columns whose run lengths give the number of operations and predecessors.
fn summarise_contents(data: &[u8]) -> Result<ChangeSummary, ChunkError> {
    let contents = Contents::read(data)?;
    // Automerge reads operations until the action column ends.
    let ops = rle_rows(contents.column(column::ACTION), MAX_CHANGE_OPS, "operations")?;
    let preds = rle_sum(contents.column(column::PRED_GROUP), ops, MAX_CHANGE_PREDS)?;
    let message = contents.message;
    Ok(ChangeSummary {
        author: (!message.is_empty()).then(|| Author::from_commit_message(message)).flatten(),
        dependencies: contents.dependencies,
        ops,
        preds,
        inflated_bytes: data.len(),
    })
}

/// Walks a run-length column of unsigned integers, calling `run(count, value)` per
/// run (`None` for a run of nulls) until it returns false or the column ends. Each
/// step consumes at least one byte, so the walk is bounded by the column's size
/// whatever counts it declares.
fn rle_runs(column: &[u8], mut run: impl FnMut(u64, Option<u64>) -> bool) -> Result<(), ChunkError> {
    let mut input = Input(column);
    while !input.0.is_empty() {
        let count = input.sleb()?;
        let go_on = match count {
            0 => run(input.uleb()?, None),
            n if n > 0 => run(n.unsigned_abs(), Some(input.uleb()?)),
            n => {
                let mut go_on = true;
                for _ in 0..n.unsigned_abs() {
                    let value = input.uleb()?;
                    if !run(1, Some(value)) {
                        go_on = false;
                        break;
                    }
                }
                go_on
            }
        };
        if !go_on {
            break;
        }
    }
    Ok(())
}

/// The number of rows of a run-length column, refused past `max`.
fn rle_rows(column: &[u8], max: u64, what: &'static str) -> Result<u64, ChunkError> {
    let mut rows: u64 = 0;
    rle_runs(column, |count, _| {
        rows = rows.saturating_add(count);
        rows <= max
    })?;
    if rows > max {
        return Err(ChunkError::TooLarge { what, max });
    }
    Ok(rows)
}

/// The sum of the first `rows` values of a run-length column (nulls count 0),
/// refused past `max`: the predecessors the first `rows` operations name.
fn rle_sum(column: &[u8], rows: u64, max: u64) -> Result<u64, ChunkError> {
    let (mut left, mut sum) = (rows, 0u64);
    rle_runs(column, |count, value| {
        let taken = count.min(left);
        left -= taken;
        sum = sum.saturating_add(taken.saturating_mul(value.unwrap_or(0)));
        left > 0 && sum <= max
    })?;
    if sum > max {
        return Err(ChunkError::TooLarge { what: "predecessor references", max });
    }
    Ok(sum)
}

/// A cursor over untrusted bytes; every read is checked against what is left.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ChunkError> {
        if n > self.0.len() {
            return Err(ChunkError::Malformed("truncated"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn uleb(&mut self) -> Result<u64, ChunkError> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.take(1)?[0];
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(ChunkError::Malformed("an integer overflows 64 bits"));
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(ChunkError::Malformed("an integer overflows 64 bits"))
    }

    fn sleb(&mut self) -> Result<i64, ChunkError> {
        let mut value: i64 = 0;
        let mut shift = 0;
        loop {
            let byte = self.take(1)?[0];
            if shift >= 64 {
                return Err(ChunkError::Malformed("an integer overflows 64 bits"));
            }
            value |= i64::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                if shift < 64 && byte & 0x40 != 0 {
                    value |= -1i64 << shift;
                }
                return Ok(value);
            }
        }
    }

    /// A length-prefixed byte string.
    fn prefixed(&mut self) -> Result<&'a [u8], ChunkError> {
        let length = usize::try_from(self.uleb()?).map_err(|_| ChunkError::Malformed("length"))?;
        self.take(length)
    }

    /// A count of items each at least `item_bytes` long, refused when the bytes left
    /// could not hold them (so no count can make a reader loop or allocate for nothing).
    fn count_of(&mut self, item_bytes: usize) -> Result<usize, ChunkError> {
        let count = usize::try_from(self.uleb()?).map_err(|_| ChunkError::Malformed("count"))?;
        if count.saturating_mul(item_bytes) > self.0.len() {
            return Err(ChunkError::Malformed("a count larger than the bytes left"));
        }
        Ok(count)
    }
}

#[cfg(test)]
mod tests;
