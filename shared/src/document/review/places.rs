//! Where things sit in the document under review: the object each operation writes
//! into (its path and shape) and the community holding the record at given heads.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use automerge::{ActorId, Automerge, Change, ChangeHash, ObjId, Prop, ReadDoc};

use super::{invalid, unknown};
use crate::document::chunk::OpRef;
use crate::document::schema::shape::{self, Shape};
use crate::document::{codec, placed_in, reader, schema};
use crate::elder::Placement;
use crate::ids::{CommunityId, EntryId};
use crate::validate::ValidationError;

/// The community at each set of heads, read once per set.
pub(super) struct Communities<'a> {
    pub doc: &'a Automerge,
    pub known: HashMap<Vec<ChangeHash>, Option<CommunityId>>,
}

impl Communities<'_> {
    pub fn at(&mut self, heads: &[ChangeHash]) -> Result<Option<CommunityId>, ValidationError> {
        let mut key = heads.to_vec();
        key.sort();
        if let Some(known) = self.known.get(&key) {
            return Ok(*known);
        }
        let community = community_at(self.doc, heads)?;
        self.known.insert(key, community);
        Ok(community)
    }

    /// Records the community at one change's hash, known without reading; gives it back.
    pub fn remember(&mut self, hash: ChangeHash, community: Option<CommunityId>) -> Option<CommunityId> {
        self.known.insert(vec![hash], community);
        community
    }
}

/// An object operations write into: where it is and what it may hold.
pub(super) struct Container {
    pub id: ObjId,
    pub path: Vec<String>,
    /// The objects along the path: `chain[d]` holds `path[d]`, the last is this one.
    pub chain: Vec<ObjId>,
    pub shape: &'static Shape,
}

/// Objects already located, by the document's handle on them.
pub(super) struct Objects<'a> {
    pub doc: &'a Automerge,
    pub known: HashMap<ObjId, Rc<Container>>,
}

/// The document's handle on the object made by operation `counter` of `actor` (its
/// actor's index in the document is found again when the handle is used).
fn handle(actor: &ActorId, counter: u64) -> ObjId {
    ObjId::Id(counter, actor.clone(), 0)
}

impl Objects<'_> {
    /// Records the object made by the operation `counter` of `change` at `key` of
    /// `container` (an operation already reviewed): objects never move, so its place is
    /// known without asking the document, which would search its operations for it.
    pub fn made(
        &mut self,
        container: &Container,
        key: &str,
        counter: u64,
        change: &Change,
    ) -> Result<(), ValidationError> {
        let id = handle(change.actor_id(), counter);
        let (child, _) = container.shape.child(key).ok_or_else(|| unknown(&container.path, key))?;
        let mut path = container.path.clone();
        path.push(key.to_owned());
        let mut chain = container.chain.clone();
        chain.push(id.clone());
        self.known.insert(id.clone(), Rc::new(Container { id, path, chain, shape: child.not_null() }));
        Ok(())
    }

    /// Where `obj` sits in the document (for any object, visible or not: a deleted
    /// map or a conflict's losing map still has a place), and its shape there.
    /// `obj` is named by an index into `actors`, the change's (`None` is the root).
    pub fn resolve(
        &mut self,
        obj: Option<OpRef>,
        actors: &[&ActorId],
        change: &Change,
    ) -> Result<Rc<Container>, ValidationError> {
        let id = match obj {
            None => automerge::ROOT,
            Some(obj) => {
                let actor =
                    actors.get(obj.actor).ok_or_else(|| invalid("", &change.hash(), "names an unlisted actor"))?;
                handle(actor, obj.counter)
            }
        };
        if let Some(known) = self.known.get(&id) {
            return Ok(Rc::clone(known));
        }
        let mut steps = Vec::new();
        if id != automerge::ROOT {
            let parents = self.doc.parents(&id).map_err(|e| invalid("", &change.hash(), &e.to_string()))?;
            for parent in parents {
                match parent.prop {
                    Prop::Map(key) => steps.push((parent.obj, key)),
                    Prop::Seq(_) => return Err(unknown(&[], "an object inside a list or text")),
                }
            }
            steps.reverse();
        }
        let mut shape: &'static Shape = &shape::ROOT;
        let mut path = Vec::with_capacity(steps.len());
        let mut chain = Vec::with_capacity(steps.len() + 1);
        for (holder, key) in steps {
            chain.push(holder);
            path.push(key);
            shape = match shape.child(path.last().map_or("", String::as_str)) {
                Some((child, _)) => child,
                None => return Err(unknown(&path, "")),
            };
        }
        chain.push(id.clone());
        let container = Rc::new(Container { id, path, chain, shape: shape.not_null() });
        self.known.insert(container.id.clone(), Rc::clone(&container));
        Ok(container)
    }
}

/// The community holding the record at `heads` (none before the enrolment).
pub(super) fn community_at(doc: &Automerge, heads: &[ChangeHash]) -> Result<Option<CommunityId>, ValidationError> {
    if heads.is_empty() {
        return Ok(None);
    }
    community_in(doc, Some(heads))
}

/// The community holding the record now: read as the document is, which costs a
/// fraction of a read at heads (Automerge need not weigh each operation's clock).
pub(super) fn community_now(doc: &Automerge) -> Result<Option<CommunityId>, ValidationError> {
    community_in(doc, None)
}

fn community_in(doc: &Automerge, heads: Option<&[ChangeHash]>) -> Result<Option<CommunityId>, ValidationError> {
    let Some(placements) = codec::map_at(doc, &[schema::PLACEMENTS]) else { return Ok(None) };
    let entries: BTreeMap<EntryId, Placement> = reader::read_at(doc, placements, &[schema::PLACEMENTS], heads)?;
    Ok(placed_in(&entries))
}
