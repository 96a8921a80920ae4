//! A change's operations, read from its columns: what the review holds against the
//! document's shape, one operation at a time, borrowing keys and strings from the
//! change's bytes.
//!
//! Automerge's public way to see a change's operations (`Change::decode`) builds each
//! as an owned legacy operation: actor ids cloned into every object, key and
//! predecessor, a vector per predecessor list. The review needs far less (where an
//! operation writes, what, and how many values it replaces), so this reads exactly
//! that, in the layout of Automerge's binary format
//! (<https://alexjg.github.io/automerge-storage-docs/>). The change has already been
//! parsed and verified by Automerge; every read is checked all the same, and a change
//! that does not read is refused, never trusted.

use automerge::ObjType;

use super::{ChunkError, Contents, Input, chunk_data};
use crate::document::format::{CHUNK_CHANGE, column};

/// An operation named by its actor (an index into the change's actors: 0 is the
/// change's own, then its other actors in order) and its counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct OpRef {
    pub actor: usize,
    pub counter: u64,
}

/// Where an operation writes inside its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpKey<'a> {
    /// A map's key.
    Map(&'a str),
    /// After an element of a list or text; `None` at its head.
    Seq(Option<OpRef>),
}

/// A scalar an operation writes, as far as the review tells scalars apart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum OpValue<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Str(&'a str),
    /// A float, bytes, a counter, a timestamp or a type Automerge does not know: none
    /// is part of an elder's record; its type's name, for the refusal.
    Other(&'static str),
}

/// What an operation does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum OpAction<'a> {
    Make(ObjType),
    Put(OpValue<'a>),
    Delete,
    Increment,
    Mark,
}

/// One operation of a change, its counter being the change's start op plus its index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ChangeOp<'a> {
    /// The object it writes into; `None` for the root.
    pub obj: Option<OpRef>,
    pub key: OpKey<'a>,
    pub insert: bool,
    pub action: OpAction<'a>,
    /// How many values it replaces or deletes.
    pub preds: u64,
}

/// Reads the operations of `chunk`, an uncompressed change chunk (Automerge's
/// `Change::raw_bytes`), in order.
pub(crate) fn change_ops(chunk: &[u8]) -> Result<Vec<ChangeOp<'_>>, ChunkError> {
    let (chunk_type, data) = chunk_data(chunk)?;
    if chunk_type != CHUNK_CHANGE {
        return Err(ChunkError::NotAChange(chunk_type));
    }
    let contents = Contents::read(data)?;
    let actors = contents.other_actors + 1;
    let mut columns = Columns {
        obj_actor: Rle::new(contents.column(column::OBJ_ACTOR), Input::uleb),
        obj_counter: Rle::new(contents.column(column::OBJ_COUNTER), Input::uleb),
        key_actor: Rle::new(contents.column(column::KEY_ACTOR), Input::uleb),
        key_counter: Delta { rle: Rle::new(contents.column(column::KEY_COUNTER), Input::sleb), last: 0 },
        key_string: Rle::new(contents.column(column::KEY_STRING), Input::string),
        insert: Booleans { input: Input(contents.column(column::INSERT)), value: true, left: 0 },
        action: Rle::new(contents.column(column::ACTION), Input::uleb),
        value_meta: Rle::new(contents.column(column::VALUE_META), Input::uleb),
        value_raw: Input(contents.column(column::VALUE)),
        preds: Rle::new(contents.column(column::PRED_GROUP), Input::uleb),
    };
    let mut ops = Vec::new();
    while let Some(op) = columns.next_op()? {
        for named in [op.obj, op.key_ref()].into_iter().flatten() {
            if named.actor >= actors {
                return Err(ChunkError::Malformed("an actor index past the change's actors"));
            }
        }
        ops.push(op);
    }
    Ok(ops)
}

impl ChangeOp<'_> {
    fn key_ref(&self) -> Option<OpRef> {
        match self.key {
            OpKey::Seq(after) => after,
            OpKey::Map(_) => None,
        }
    }
}

/// The columns the review reads, each at the same row.
struct Columns<'a> {
    obj_actor: Rle<'a, u64>,
    obj_counter: Rle<'a, u64>,
    key_actor: Rle<'a, u64>,
    key_counter: Delta<'a>,
    key_string: Rle<'a, &'a str>,
    insert: Booleans<'a>,
    action: Rle<'a, u64>,
    value_meta: Rle<'a, u64>,
    value_raw: Input<'a>,
    preds: Rle<'a, u64>,
}

const SHORT: ChunkError = ChunkError::Malformed("a column ends before the operations do");

impl<'a> Columns<'a> {
    /// The next row, until the action column ends (as Automerge reads them).
    fn next_op(&mut self) -> Result<Option<ChangeOp<'a>>, ChunkError> {
        if self.action.is_done() {
            return Ok(None);
        }
        let action = self.action.next()?.ok_or(ChunkError::Malformed("an operation without an action"))?;
        let obj = match (self.obj_actor.next()?, self.obj_counter.next()?) {
            // Counter 0 names no operation: the root, as Automerge reads it.
            (None, None) | (_, Some(0)) => None,
            (Some(actor), Some(counter)) => Some(OpRef { actor: index(actor)?, counter }),
            _ => return Err(ChunkError::Malformed("an object half named")),
        };
        let key = match (self.key_string.next()?, self.key_actor.next()?, self.key_counter.next()?) {
            (Some(key), None, None) => OpKey::Map(key),
            (None, None, Some(0)) => OpKey::Seq(None),
            (None, Some(actor), Some(counter)) => OpKey::Seq(Some(OpRef { actor: index(actor)?, counter })),
            _ => return Err(ChunkError::Malformed("a key neither a map key nor an element")),
        };
        let insert = self.insert.next()?.ok_or(SHORT)?;
        let value = self.value()?;
        let preds = self.preds.next()?.ok_or(SHORT)?;
        let action = match (action, value) {
            (0, _) => OpAction::Make(ObjType::Map),
            (1, value) => OpAction::Put(value),
            (2, _) => OpAction::Make(ObjType::List),
            (3, _) => OpAction::Delete,
            (4, _) => OpAction::Make(ObjType::Text),
            (5, OpValue::Int(_) | OpValue::Uint(_)) => OpAction::Increment,
            (6, _) => OpAction::Make(ObjType::Table),
            (7, _) => OpAction::Mark,
            _ => return Err(ChunkError::Malformed("an unknown action")),
        };
        Ok(Some(ChangeOp { obj, key, insert, action, preds }))
    }

    /// The row's value: its type and length from the metadata column, its bytes from
    /// the raw column.
    fn value(&mut self) -> Result<OpValue<'a>, ChunkError> {
        let meta = self.value_meta.next()?.ok_or(SHORT)?;
        let length = usize::try_from(meta >> 4).map_err(|_| ChunkError::Malformed("value length"))?;
        let mut bytes = Input(self.value_raw.take(length)?);
        let value = match meta & 0b1111 {
            0 => OpValue::Null,
            1 => OpValue::Bool(false),
            2 => OpValue::Bool(true),
            3 => OpValue::Uint(bytes.uleb()?),
            4 => OpValue::Int(bytes.sleb()?),
            5 => OpValue::Other("a float"),
            6 => OpValue::Str(std::str::from_utf8(bytes.0).map_err(|_| ChunkError::Malformed("text not UTF-8"))?),
            7 => OpValue::Other("bytes"),
            8 => OpValue::Other("a counter"),
            9 => OpValue::Other("a timestamp"),
            _ => OpValue::Other("a value of an unknown type"),
        };
        Ok(value)
    }
}

fn index(actor: u64) -> Result<usize, ChunkError> {
    usize::try_from(actor).map_err(|_| ChunkError::Malformed("actor index"))
}

impl<'a> Input<'a> {
    /// A length-prefixed UTF-8 string.
    fn string(&mut self) -> Result<&'a str, ChunkError> {
        std::str::from_utf8(self.prefixed()?).map_err(|_| ChunkError::Malformed("a key not UTF-8"))
    }
}

/// A run-length column read row by row. Each run is a signed count: `n > 0` repeats
/// one value n times, `0` is a run of nulls whose length follows, `n < 0` is -n
/// values written out. Past its end a column reads as null.
struct Rle<'a, T> {
    input: Input<'a>,
    run: Run<T>,
    read: fn(&mut Input<'a>) -> Result<T, ChunkError>,
}

enum Run<T> {
    Repeat { left: u64, value: Option<T> },
    Literal { left: u64 },
}

impl<'a, T: Copy> Rle<'a, T> {
    fn new(column: &'a [u8], read: fn(&mut Input<'a>) -> Result<T, ChunkError>) -> Self {
        Self { input: Input(column), run: Run::Repeat { left: 0, value: None }, read }
    }

    fn is_done(&self) -> bool {
        let left = match self.run {
            Run::Repeat { left, .. } | Run::Literal { left } => left,
        };
        left == 0 && self.input.0.is_empty()
    }

    fn next(&mut self) -> Result<Option<T>, ChunkError> {
        // Each turn of the loop reads at least one byte, so a column of empty runs ends.
        loop {
            match &mut self.run {
                Run::Repeat { left, value } if *left > 0 => {
                    *left -= 1;
                    return Ok(*value);
                }
                Run::Literal { left } if *left > 0 => {
                    *left -= 1;
                    return (self.read)(&mut self.input).map(Some);
                }
                _ => {}
            }
            if self.input.0.is_empty() {
                return Ok(None);
            }
            self.run = match self.input.sleb()? {
                0 => Run::Repeat { left: self.input.uleb()?, value: None },
                n if n > 0 => Run::Repeat { left: n.unsigned_abs(), value: Some((self.read)(&mut self.input)?) },
                n => Run::Literal { left: n.unsigned_abs() },
            };
        }
    }
}

/// A delta column: run-length signed differences, each value the last plus its
/// difference (nulls leave the last as it was). Counters are never negative.
struct Delta<'a> {
    rle: Rle<'a, i64>,
    last: i64,
}

impl Delta<'_> {
    fn next(&mut self) -> Result<Option<u64>, ChunkError> {
        let Some(delta) = self.rle.next()? else { return Ok(None) };
        self.last = self.last.checked_add(delta).ok_or(ChunkError::Malformed("a counter overflows"))?;
        u64::try_from(self.last).map(Some).map_err(|_| ChunkError::Malformed("a negative counter"))
    }
}

/// A boolean column: run lengths of false, true, false … starting with false.
struct Booleans<'a> {
    input: Input<'a>,
    value: bool,
    left: u64,
}

impl Booleans<'_> {
    fn next(&mut self) -> Result<Option<bool>, ChunkError> {
        while self.left == 0 {
            if self.input.0.is_empty() {
                return Ok(None);
            }
            self.left = self.input.uleb()?;
            self.value = !self.value;
        }
        self.left -= 1;
        Ok(Some(self.value))
    }
}

#[cfg(test)]
mod tests;
