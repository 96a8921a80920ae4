//! Elder documents and changes written with raw Automerge calls, as a second
//! implementation would write them: nothing here goes through the project's own
//! document functions, so what the server accepts or refuses is what it checks itself.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use automerge::transaction::{Transactable, Transaction};
use automerge::{ActorId, Automerge, ObjType, ROOT, ReadDoc};
use jinlin_shared::author::Author;
use jinlin_shared::document::craft::{self, put_json};
use jinlin_shared::ids::{CommunityId, ElderId};
use jinlin_shared::time::Timestamp;
use serde_json::{Value as Json, json};

use super::now;

/// An elder's document as the attacker holds it, and the changes made so far.
pub struct RawElder {
    pub elder: ElderId,
    pub doc: Automerge,
    pub changes: Vec<Vec<u8>>,
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub fn person(by: &Author) -> Json {
    json!({ "user": by.user.to_string(), "device": by.device.to_string() })
}

/// Enrols an elder in `community` with one raw change authored as `by`.
pub fn enrol(by: &Author, community: CommunityId) -> RawElder {
    let elder: ElderId = new_id().parse().unwrap();
    let at = now().plus_hours(-24 * 30);
    let on = at.shanghai_date().to_string();
    let document = json!({
        "schemaVersion": 1,
        "elderId": elder.to_string(),
        "enrolledOn": on,
        "profile": {
            "name": "林阿婆", "gender": "female", "birthDate": "1938-05-06", "idNumberMasked": null,
            "phone": "13800000000", "address": "大同路1号", "livingArrangement": "alone",
            "categories": { "livingAlone": true, "advancedAge": true }, "conditions": {},
            "unableToCommunicate": false, "emergencyContacts": {},
        },
        "tierOverride": null,
        "statusHistory": { (new_id()): {
            "status": "active", "effectiveOn": on, "note": "", "recordedAt": at.as_millis(), "recordedBy": person(by),
        }},
        "placements": { (new_id()): {
            "community": community.to_string(), "effectiveOn": on, "recordedAt": at.as_millis(), "recordedBy": person(by),
        }},
        "visits": {},
        "followUps": {},
    });
    let mut raw = RawElder { elder, doc: Automerge::new(), changes: Vec::new() };
    raw.change(by, |tx, _| {
        for (key, value) in document.as_object().unwrap() {
            put_json(tx, &ROOT, key, value);
        }
        let profile = tx.get(ROOT, "profile").unwrap().unwrap().1;
        let notes = tx.put_object(&profile, "notes", ObjType::Text).unwrap();
        tx.splice_text(&notes, 0, 0, "耳背").unwrap();
    });
    raw
}

impl RawElder {
    /// One more change authored as `by` (whoever that claims to be), applied here and
    /// kept; returns its bytes.
    pub fn change(&mut self, by: &Author, write: impl FnOnce(&mut Transaction<'_>, &Automerge)) -> Vec<u8> {
        let bytes = craft::raw_change(&self.doc, by, ActorId::random(), now().as_millis(), write);
        self.doc.apply_changes([automerge::Change::from_bytes(bytes.clone()).unwrap()]).unwrap();
        self.changes.push(bytes.clone());
        bytes
    }

    /// A change made on a copy, not kept here (a rival version, a refused attempt).
    pub fn attempt(&self, by: &Author, write: impl FnOnce(&mut Transaction<'_>, &Automerge)) -> Vec<u8> {
        craft::raw_change(&self.doc, by, ActorId::random(), now().as_millis(), write)
    }

    /// Records a visit by `by` (the visit names `assistant`), `hours_ago`.
    pub fn visit(&mut self, by: &Author, assistant: &Author, hours_ago: i64, red: bool) -> String {
        let id = new_id();
        let value = visit_json(assistant, now().plus_hours(-hours_ago), red);
        let follow_up = red.then(|| follow_up_json(by, &id, now().plus_hours(-hours_ago)));
        self.change(by, |tx, doc| {
            put_json(tx, &craft::map_at(doc, &["visits"]), &id, &value);
            if let Some(follow_up) = &follow_up {
                put_json(tx, &craft::map_at(doc, &["followUps"]), &new_id(), follow_up);
            }
        });
        id
    }
}

pub fn visit_json(assistant: &Author, at: Timestamp, red: bool) -> Json {
    json!({
        "assistant": assistant.user.to_string(),
        "device": assistant.device.to_string(),
        "visitedAt": at.as_millis(),
        "recordedAt": at.as_millis(),
        "mode": "home",
        "outcome": "metElder",
        "checks": {
            "health": "good", "healthNote": "", "economic": "good", "economicNote": "",
            "family": "good", "familyNote": "", "safety": "good", "safetyNote": "",
            "serviceNeeds": "good", "serviceNeedsNote": "",
        },
        "risk": if red { "red" } else { "green" },
        "referrals": {},
        "incident": null,
        "notes": "",
    })
}

pub fn follow_up_json(by: &Author, visit: &str, at: Timestamp) -> Json {
    json!({
        "originVisit": visit, "action": "次日上门复查", "dueAt": at.plus_hours(20).as_millis(),
        "createdAt": at.as_millis(), "createdBy": person(by), "resolution": null,
    })
}

pub fn void_json(by: &Author, reason: &str) -> Json {
    json!({ "reason": reason, "at": now().as_millis(), "by": person(by) })
}
