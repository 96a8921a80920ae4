//! The review of an insurance step: whether it may follow the case as its author saw
//! it, the document at the change's own dependencies (`insurance::check_step`, the
//! rule the workstation applied before writing it).

use std::collections::BTreeMap;

use automerge::{Automerge, Change, ChangeHash, ObjId, ObjType, ReadDoc, Value};
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use super::{invalid, schema_error};
use crate::document::{codec, schema};
use crate::ids::{ElderId, EntryId};
use crate::insurance::{self, InsuranceStep};
use crate::validate::ValidationError;
use crate::visit::Visit;

/// Checks the step made at `key` of `map` by `change`.
pub(super) fn check_new_step(doc: &Automerge, change: &Change, map: &ObjId, key: &str) -> Result<(), ValidationError> {
    let field = format!("{}.{key}", schema::INSURANCE_STEPS);
    let at_change = [change.hash()];
    let step: InsuranceStep = read_at(doc, map, key, &at_change, &field)?
        .ok_or_else(|| invalid(&field, &change.hash(), "a step made and deleted in one change"))?;
    let deps = change.deps();
    let visit_field = format!("{}.{}", schema::VISITS, step.visit);
    let visit: Option<Visit> = match codec::map_at(doc, &[schema::VISITS]) {
        Some(visits) => read_at(doc, &visits, &step.visit.to_string(), deps, &visit_field)?,
        None => None,
    };
    let steps = steps_at(doc, deps)?;
    let elder: ElderId = codec::root_id(doc, schema::ELDER_ID)?;
    let cases = insurance::cases(elder, visit.as_ref().map(|v| (&step.visit, v)), &steps);
    insurance::check_step(cases.first(), step.visit, &step.step)
        .map_err(|error| invalid(&field, &change.hash(), &error.to_string()))
}

/// The steps a document held at `heads`.
fn steps_at(doc: &Automerge, heads: &[ChangeHash]) -> Result<BTreeMap<EntryId, InsuranceStep>, ValidationError> {
    let entries = codec::entries_of_every_map(doc, schema::INSURANCE_STEPS, Some(heads))?;
    serde_json::from_value(Json::Object(entries)).map_err(|e| schema_error(schema::INSURANCE_STEPS, &e.to_string()))
}

/// The map at `key` of `obj` at `heads`, typed; `None` when there is none.
fn read_at<T: DeserializeOwned>(
    doc: &Automerge,
    obj: &ObjId,
    key: &str,
    heads: &[ChangeHash],
    field: &str,
) -> Result<Option<T>, ValidationError> {
    let Some((Value::Object(ObjType::Map), id)) = doc.get_at(obj, key, heads).ok().flatten() else {
        return Ok(None);
    };
    let json = codec::read_map(doc, &id, Some(heads), &mut vec![field.to_owned()], None)?;
    serde_json::from_value(json).map(Some).map_err(|e| schema_error(field, &e.to_string()))
}
