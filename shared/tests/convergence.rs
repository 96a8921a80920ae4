//! Convergence: replicas that edit apart and then exchange the same changes, in any
//! order, in any subsets, with duplicates, end with identical documents and rows.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use jinlin_shared::document::{DocumentError, ElderDocument, NewFollowUp, ProfileChange};
use jinlin_shared::elder::{CareTier, ElderStatus, HardshipCategory};
use jinlin_shared::ids::{ElderId, EntryId, FollowUpId, VisitId};
use jinlin_shared::materialise::materialise;
use jinlin_shared::policy::Policy;
use jinlin_shared::synthetic::{self, Rng};
use jinlin_shared::visit::{RiskLevel, VisitMode};
use proptest::prelude::*;
use support::*;

#[derive(Debug, Clone)]
enum Op {
    Enrol,
    RecordVisit { red: bool },
    CorrectVisit { visit: usize, mode: u8, note: u8 },
    VoidVisit { visit: usize },
    SetPhone { value: u8 },
    SetName { value: u8 },
    SetCategories { mask: u8 },
    Notes { value: u8 },
    AddFollowUp,
    ResolveFollowUp { follow_up: usize },
    ChangeStatus { status: u8 },
    SetTier { tier: u8 },
}

#[derive(Debug, Clone)]
enum Step {
    Edit {
        replica: usize,
        elder: usize,
        op: Op,
    },
    /// Send some of `from`'s changes of one elder to `to`: a subset chosen by `mask`,
    /// in an order given by `order_seed`, each possibly twice.
    Exchange {
        from: usize,
        to: usize,
        elder: usize,
        mask: u64,
        order_seed: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => Just(Op::Enrol),
        4 => any::<bool>().prop_map(|red| Op::RecordVisit { red }),
        2 => (0..8usize, 0..3u8, 0..3u8).prop_map(|(visit, mode, note)| Op::CorrectVisit { visit, mode, note }),
        2 => (0..8usize).prop_map(|visit| Op::VoidVisit { visit }),
        2 => (0..3u8).prop_map(|value| Op::SetPhone { value }),
        1 => (0..3u8).prop_map(|value| Op::SetName { value }),
        1 => any::<u8>().prop_map(|mask| Op::SetCategories { mask }),
        1 => (0..3u8).prop_map(|value| Op::Notes { value }),
        1 => Just(Op::AddFollowUp),
        1 => (0..4usize).prop_map(|follow_up| Op::ResolveFollowUp { follow_up }),
        1 => (0..4u8).prop_map(|status| Op::ChangeStatus { status }),
        1 => (0..4u8).prop_map(|tier| Op::SetTier { tier }),
    ]
}

fn scenario() -> impl Strategy<Value = (usize, Vec<Step>, u64)> {
    (2..=5usize).prop_flat_map(|replicas| {
        let step = prop_oneof![
            3 => (0..replicas, 0..4usize, op()).prop_map(|(replica, elder, op)| Step::Edit { replica, elder, op }),
            1 => (0..replicas, 0..replicas, 0..4usize, any::<u64>(), any::<u64>())
                .prop_map(|(from, to, elder, mask, order_seed)| Step::Exchange { from, to, elder, mask, order_seed }),
        ];
        (Just(replicas), prop::collection::vec(step, 1..40), any::<u64>())
    })
}

/// One workstation: the documents it can read, and changes of elders it holds only
/// in part (their enrolment has not reached it yet).
struct Replica {
    n: u8,
    docs: BTreeMap<ElderId, ElderDocument>,
    pending: BTreeMap<ElderId, Vec<Vec<u8>>>,
}

impl Replica {
    fn receive(&mut self, elder: ElderId, changes: Vec<Vec<u8>>) {
        match self.docs.get_mut(&elder) {
            Some(doc) => doc.apply_changes(&changes).unwrap(),
            None => {
                let pending = self.pending.entry(elder).or_default();
                pending.extend(changes);
                if let Ok(doc) = ElderDocument::from_changes(pending, actor(self.n)) {
                    self.docs.insert(elder, doc);
                    self.pending.remove(&elder);
                }
            }
        }
    }
}

/// Everything recorded anywhere, for the final checks.
#[derive(Default)]
struct Model {
    visits: BTreeSet<(ElderId, VisitId)>,
    voided: BTreeSet<(ElderId, VisitId)>,
}

fn shuffled_with_duplicates(mut items: Vec<Vec<u8>>, seed: u64) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(seed);
    let duplicates: Vec<Vec<u8>> = items.iter().filter(|_| rng.chance(30)).cloned().collect();
    items.extend(duplicates);
    for i in (1..items.len()).rev() {
        items.swap(i, rng.below(i as u64 + 1) as usize);
    }
    items
}

#[expect(
    clippy::too_many_lines,
    reason = "one arm per operation of the model, each applied to the replica and the model alike"
)]
fn apply_op(replica: &mut Replica, elder: usize, op: &Op, minute: i64, ids: &mut Rng, model: &mut Model) {
    let policy = Policy::default();
    let edit = edit(replica.n, minute);
    if let Op::Enrol = op {
        let mut enrolment = synthetic::enrolment(ids, community(1), date(2025, 1, 1), at_minutes(minute));
        enrolment.profile.phone = Some("0".into());
        let (doc, _) = ElderDocument::enrol(enrolment.clone(), &edit, actor(replica.n)).unwrap();
        replica.docs.insert(enrolment.elder, doc);
        return;
    }
    let Some(&elder_id) = replica.docs.keys().nth(elder % replica.docs.len().max(1)) else { return };
    let doc = replica.docs.get_mut(&elder_id).unwrap();
    let record = doc.record();
    let pick_visit = |i: usize| record.visits.keys().nth(i % record.visits.len().max(1)).copied();
    let result: Result<_, DocumentError> = match op {
        Op::Enrol => unreachable!(),
        Op::RecordVisit { red } => {
            let mut visit = synthetic::visit(ids, at_minutes(minute - 30));
            visit.record.risk = if *red { RiskLevel::Red } else { RiskLevel::Green };
            visit.follow_up = red.then(|| NewFollowUp {
                id: ids.follow_up_id(at_minutes(minute)),
                action: "回访".into(),
                due_at: at_minutes(minute),
            });
            let id = visit.id;
            let result = doc.record_visit(&edit, visit, &policy);
            if result.is_ok() {
                model.visits.insert((elder_id, id));
            }
            result
        }
        Op::CorrectVisit { visit, mode, note } => match pick_visit(*visit) {
            None => return,
            Some(id) => {
                let current = &record.visits[&id];
                let mut corrected = current.record.clone();
                corrected.mode = VisitMode::ALL[*mode as usize];
                corrected.checks.health.note = format!("note {note}");
                let follow_up = (corrected.risk == RiskLevel::Red).then(|| NewFollowUp {
                    id: ids.follow_up_id(at_minutes(minute)),
                    action: "回访".into(),
                    due_at: current.visited_at,
                });
                doc.correct_visit(&edit, id, current.visited_at, corrected, follow_up, &policy)
            }
        },
        Op::VoidVisit { visit } => match pick_visit(*visit) {
            None => return,
            Some(id) => {
                let result = doc.void_visit(&edit, id, "录入错误");
                if result.is_ok() {
                    model.voided.insert((elder_id, id));
                }
                result
            }
        },
        Op::SetPhone { value } => {
            doc.update_profile(&edit, &[ProfileChange::Phone(Some(format!("1390000000{value}")))])
        }
        Op::SetName { value } => doc.update_profile(&edit, &[ProfileChange::Name(format!("陈{value}"))]),
        Op::SetCategories { mask } => {
            let set: BTreeSet<HardshipCategory> = HardshipCategory::ALL
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << (i % 8)) != 0)
                .map(|(_, c)| *c)
                .collect();
            doc.update_profile(&edit, &[ProfileChange::Categories(set)])
        }
        Op::Notes { value } => doc.update_profile(&edit, &[ProfileChange::Notes(format!("备注{value}"))]),
        Op::AddFollowUp => doc.add_follow_up(
            &edit,
            NewFollowUp {
                id: ids.follow_up_id(at_minutes(minute)),
                action: "联系家属".into(),
                due_at: at_minutes(minute + 60),
            },
            None,
        ),
        Op::ResolveFollowUp { follow_up } => {
            let Some(&id) = record.follow_ups.keys().nth(follow_up % record.follow_ups.len().max(1)) else { return };
            doc.resolve_follow_up(&edit, id, None, "已处理")
        }
        Op::ChangeStatus { status } => {
            let entry: EntryId = ids.entry_id(at_minutes(minute));
            doc.change_status(&edit, entry, ElderStatus::ALL[*status as usize], date(2026, 10, 1 + *status as u32), "")
        }
        Op::SetTier { tier } => {
            let tier = CareTier::ALL.get(*tier as usize).map(|t| (*t, "督导调整"));
            doc.set_tier(&edit, tier)
        }
    };
    // Refusals of a person's input (a voided visit, a resolved follow-up) are fine;
    // anything else is a bug.
    match result {
        Ok(_) | Err(DocumentError::Input(_)) => {}
        Err(other) => panic!("operation {op:?} failed: {other}"),
    }
}

fn run(replica_count: usize, steps: &[Step], seed: u64) -> Result<(), TestCaseError> {
    let mut ids = Rng::new(seed);
    let mut model = Model::default();
    let mut replicas: Vec<Replica> = (0..replica_count)
        .map(|i| Replica { n: i as u8 + 1, docs: BTreeMap::new(), pending: BTreeMap::new() })
        .collect();
    // One elder known to everyone before they go apart.
    apply_op(&mut replicas[0], 0, &Op::Enrol, 0, &mut ids, &mut model);
    let (&first, doc) = replicas[0].docs.iter().next().unwrap();
    let changes = doc.changes_since(&[]);
    for replica in &mut replicas[1..] {
        replica.receive(first, changes.clone());
    }

    for (minute, step) in steps.iter().enumerate() {
        match step {
            Step::Edit { replica, elder, op } => {
                apply_op(&mut replicas[*replica], *elder, op, minute as i64 + 1, &mut ids, &mut model)
            }
            Step::Exchange { from, to, elder, mask, order_seed } => {
                let Some((&elder_id, doc)) = replicas[*from].docs.iter().nth(elder % replicas[*from].docs.len()) else {
                    continue;
                };
                let subset: Vec<Vec<u8>> = doc
                    .changes_since(&[])
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << (i % 64)) != 0)
                    .map(|(_, c)| c)
                    .collect();
                replicas[*to].receive(elder_id, shuffled_with_duplicates(subset, *order_seed));
            }
        }
    }

    // Finally everyone hears everything, each in its own order, with duplicates.
    let mut all: BTreeMap<ElderId, Vec<Vec<u8>>> = BTreeMap::new();
    for replica in &replicas {
        for (elder, doc) in &replica.docs {
            all.entry(*elder).or_default().extend(doc.changes_since(&[]));
        }
    }
    for (i, replica) in replicas.iter_mut().enumerate() {
        for (elder, changes) in &all {
            replica.receive(*elder, shuffled_with_duplicates(changes.clone(), seed ^ i as u64));
        }
    }

    let reference = &replicas[0];
    prop_assert_eq!(reference.docs.len(), all.len());
    for replica in &replicas {
        prop_assert!(replica.pending.is_empty());
        prop_assert_eq!(replica.docs.keys().collect::<Vec<_>>(), reference.docs.keys().collect::<Vec<_>>());
        for (elder, doc) in &replica.docs {
            let other = &reference.docs[elder];
            prop_assert!(doc.missing_dependencies().is_empty());
            prop_assert_eq!(doc.heads(), other.heads());
            // Identical documents: the same set of changes (Automerge's save bytes also
            // depend on the local actor, so they are not compared), the same content.
            let by_hash = |d: &ElderDocument| {
                let mut h = d.history();
                h.sort_by_key(|c| c.hash);
                h
            };
            prop_assert_eq!(by_hash(doc), by_hash(other));
            prop_assert_eq!(doc.record(), other.record());
            prop_assert_eq!(materialise(doc).unwrap(), materialise(other).unwrap());
        }
    }
    for (elder, visit) in &model.visits {
        let record = reference.docs[elder].record();
        prop_assert!(record.visits.contains_key(visit), "visit {} was lost", visit);
    }
    for (elder, visit) in &model.voided {
        let record = reference.docs[elder].record();
        prop_assert!(record.visits[visit].is_voided(), "voided visit {} is no longer voided", visit);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn replicas_that_exchange_the_same_changes_in_any_order_converge((replicas, steps, seed) in scenario()) {
        run(replicas, &steps, seed)?;
    }
}

/// The property above covers concurrent writes to one field only by chance; this
/// case makes it certain and checks every replica reports the same conflict.
#[test]
fn concurrent_writes_to_one_field_on_three_replicas_report_one_identical_conflict() {
    let origin = enrolled(1);
    let mut replicas: Vec<ElderDocument> = (1..=3).map(|n| replica(&origin, n)).collect();
    for (i, doc) in replicas.iter_mut().enumerate() {
        doc.update_profile(&edit(i as u8 + 1, 5), &[ProfileChange::Phone(Some(format!("1380000000{i}")))]).unwrap();
    }
    let snapshot = replicas.clone();
    for doc in &mut replicas {
        for other in &snapshot {
            doc.merge(other).unwrap();
        }
    }
    let conflicts = replicas[0].conflicts();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].values.len(), 3);
    for doc in &replicas[1..] {
        assert_eq!(doc.conflicts(), conflicts);
        assert_eq!(materialise(doc).unwrap(), materialise(&replicas[0]).unwrap());
    }
}

#[test]
fn concurrent_visits_added_offline_to_one_elder_are_all_kept() {
    let origin = enrolled(1);
    let mut a = replica(&origin, 2);
    let mut b = replica(&origin, 3);
    let policy = Policy::default();
    let (va, vb) = (green_visit(10, 0), green_visit(11, 0));
    a.record_visit(&edit(2, 1), va.clone(), &policy).unwrap();
    b.record_visit(&edit(3, 1), vb.clone(), &policy).unwrap();
    a.merge(&b).unwrap();
    b.merge(&a).unwrap();
    let visits: BTreeSet<VisitId> = a.record().visits.keys().copied().collect();
    assert_eq!(visits, BTreeSet::from([va.id, vb.id]));
    assert_eq!(materialise(&a).unwrap(), materialise(&b).unwrap());
    let _: FollowUpId = FollowUpId::from_parts(0, [0; 10]);
}
