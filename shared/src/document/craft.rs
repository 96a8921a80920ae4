//! Automerge change chunks written by hand, byte by byte: what an attacker with a
//! second Automerge implementation could send. Hostile tests and the fuzz harness use
//! them; nothing in the product does (feature `hostile`).

use std::io::Write as _;

use automerge::transaction::{CommitOptions, Transactable, Transaction};
use automerge::{ActorId, Automerge, ObjId, ObjType, ReadDoc, ScalarValue};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use super::format::MAGIC;
use crate::author::Author;

/// Column specifications of a change's operations, as the server reads them.
pub use super::format::column;

/// One change made with raw Automerge calls on a copy of `doc` under `actor`, signed
/// as `by` (whoever that claims to be) at `at_millis`: its bytes.
pub fn raw_change(
    doc: &Automerge,
    by: &Author,
    actor: ActorId,
    at_millis: i64,
    write: impl FnOnce(&mut Transaction<'_>, &Automerge),
) -> Vec<u8> {
    let mut copy = doc.clone();
    copy.set_actor(actor);
    let before = copy.clone();
    let mut tx = copy.transaction();
    write(&mut tx, &before);
    tx.commit_with(CommitOptions::default().with_message(by.to_commit_message()).with_time(at_millis));
    copy.get_last_local_change().map(|c| c.raw_bytes().to_vec()).unwrap_or_default()
}

/// Writes a JSON value at `key` of `obj` as Automerge maps and scalars (integers as
/// `Int`, the way a careless implementation would write anything).
pub fn put_json(tx: &mut Transaction<'_>, obj: &ObjId, key: &str, value: &Json) {
    let _ = match value {
        Json::Object(fields) => {
            if let Ok(child) = tx.put_object(obj, key, ObjType::Map) {
                for (field, value) in fields {
                    put_json(tx, &child, field, value);
                }
            }
            Ok(())
        }
        Json::String(s) => tx.put(obj, key, s.as_str()),
        Json::Number(n) => tx.put(obj, key, n.as_i64().unwrap_or_default()),
        Json::Bool(b) => tx.put(obj, key, *b),
        Json::Null | Json::Array(_) => tx.put(obj, key, ScalarValue::Null),
    };
}

/// The map at `path` below the root (of a document known to have it).
pub fn map_at(doc: &Automerge, path: &[&str]) -> ObjId {
    path.iter().fold(automerge::ROOT, |obj, key| match doc.get(&obj, *key) {
        Ok(Some((_, id))) => id,
        _ => obj,
    })
}

/// A change's contents, field by field.
#[derive(Debug, Clone)]
pub struct Contents {
    pub deps: Vec<[u8; 32]>,
    pub actor: Vec<u8>,
    pub seq: u64,
    pub start_op: u64,
    pub time: i64,
    pub message: String,
    /// `(specification, bytes)` in ascending specification order.
    pub columns: Vec<(u32, Vec<u8>)>,
}

impl Contents {
    /// A first change (seq 1, op 1) by a fresh actor, authored by `author`.
    pub fn first(author: &Author, columns: Vec<(u32, Vec<u8>)>) -> Self {
        Self {
            deps: Vec::new(),
            actor: vec![0xab; 16],
            seq: 1,
            start_op: 1,
            time: 0,
            message: author.to_commit_message(),
            columns,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        uleb(&mut out, self.deps.len() as u64);
        for dep in &self.deps {
            out.extend_from_slice(dep);
        }
        uleb(&mut out, self.actor.len() as u64);
        out.extend_from_slice(&self.actor);
        uleb(&mut out, self.seq);
        uleb(&mut out, self.start_op);
        sleb(&mut out, self.time);
        uleb(&mut out, self.message.len() as u64);
        out.extend_from_slice(self.message.as_bytes());
        uleb(&mut out, 0); // other actors
        uleb(&mut out, self.columns.len() as u64);
        for (spec, bytes) in &self.columns {
            uleb(&mut out, u64::from(*spec));
            uleb(&mut out, bytes.len() as u64);
        }
        for (_, bytes) in &self.columns {
            out.extend_from_slice(bytes);
        }
        out
    }
}

/// A plain change chunk around `contents`, with its checksum.
pub fn change_chunk(contents: &[u8]) -> Vec<u8> {
    chunk(1, contents, contents)
}

/// A compressed change chunk whose deflate stream inflates to `contents`.
pub fn compressed_chunk(contents: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = encoder.write_all(contents);
    let deflated = encoder.finish().unwrap_or_default();
    chunk(2, &deflated, contents)
}

/// A compressed change chunk that inflates to `inflated` zero bytes, written a
/// megabyte at a time (the bomb is small; building it must not be large either).
pub fn deflate_bomb(inflated: usize) -> Vec<u8> {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let block = vec![0u8; 1 << 20];
    let mut left = inflated;
    while left > 0 {
        let n = left.min(block.len());
        let _ = encoder.write_all(&block[..n]);
        left -= n;
    }
    let deflated = encoder.finish().unwrap_or_default();
    chunk(2, &deflated, &[])
}

/// A change of `ops` identical operations (each puts null at the root's key `k`),
/// written as run-length columns: a few dozen bytes for any count.
pub fn op_bomb(author: &Author, ops: u64) -> Vec<u8> {
    let run = |value: &dyn Fn(&mut Vec<u8>)| {
        let mut bytes = Vec::new();
        sleb(&mut bytes, ops as i64);
        value(&mut bytes);
        bytes
    };
    let key = run(&|b| {
        uleb(b, 1);
        b.push(b'k');
    });
    let mut insert = Vec::new();
    uleb(&mut insert, ops); // `ops` falses
    let columns = vec![
        (column::KEY_STRING, key),
        (column::INSERT, insert),
        (column::ACTION, run(&|b| uleb(b, 1))),     // put
        (column::VALUE_META, run(&|b| uleb(b, 0))), // null
        (column::PRED_GROUP, run(&|b| uleb(b, 0))), // no predecessors
    ];
    change_chunk(&Contents::first(author, columns).encode())
}

/// One operation whose predecessor list declares `preds` entries.
pub fn pred_bomb(author: &Author, preds: u64) -> Vec<u8> {
    let one = |value: u64| {
        let mut bytes = Vec::new();
        sleb(&mut bytes, 1);
        uleb(&mut bytes, value);
        bytes
    };
    let mut key = Vec::new();
    sleb(&mut key, 1);
    uleb(&mut key, 1);
    key.push(b'k');
    let mut pred_counters = Vec::new();
    sleb(&mut pred_counters, preds as i64);
    sleb(&mut pred_counters, 1);
    let columns = vec![
        (column::KEY_STRING, key),
        (column::ACTION, one(1)),
        (column::VALUE_META, one(0)),
        (column::PRED_GROUP, one(preds)),
        (column::PRED_ACTOR, one(0)),
        (column::PRED_COUNTER, pred_counters),
    ];
    change_chunk(&Contents::first(author, columns).encode())
}

fn chunk(kind: u8, data: &[u8], hashed: &[u8]) -> Vec<u8> {
    let mut header = vec![1u8];
    uleb(&mut header, hashed.len() as u64);
    let mut hasher = Sha256::new();
    hasher.update(&header);
    hasher.update(hashed);
    let hash = hasher.finalize();
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&hash[..4]);
    out.push(kind);
    uleb(&mut out, data.len() as u64);
    out.extend_from_slice(data);
    out
}

pub fn uleb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

pub fn sleb(out: &mut Vec<u8>, mut value: i64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        let done = (value == 0 && byte & 0x40 == 0) || (value == -1 && byte & 0x40 != 0);
        if done {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}
