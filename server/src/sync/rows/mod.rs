//! Writing documents' materialised rows, replacing the previous ones, inside the
//! push's transaction; and the warnings those rows give (`warnings`, which the warning
//! sweep writes with too).

pub(crate) mod warnings;

use std::collections::HashMap;

use jinlin_shared::materialise::ElderRows;
use jinlin_shared::time::Timestamp;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::OnConflict,
};

use crate::db::entity::{conflict, elder, follow_up, insurance_case, visit};

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("invariant: materialised rows serialise to JSON")
}

/// Replaces the rows of several elders (`known`: the elder had rows before) in a few
/// statements. A visit keeps the time the server first received it, so a wrong
/// workstation clock stays visible beside the visit's own times. A visit row is written
/// only when it differs from the stored one: most pushes add one visit to an elder who
/// has a year of them, and rewriting them all was most of the database's work.
pub(crate) async fn replace_many<C: ConnectionTrait>(
    db: &C,
    elders: &[(&ElderRows, bool)],
    now: Timestamp,
) -> Result<(), sea_orm::DbErr> {
    let known: Vec<String> =
        elders.iter().filter(|(_, known)| *known).map(|(r, _)| r.elder.elder_id.to_string()).collect();
    let stored = stored_visits(db, &known).await?;
    delete_rows(db, &known).await?;
    let mut models = Models::default();
    for (rows, _) in elders {
        models.add(rows, &stored, now);
    }
    models.insert(db, stored).await
}

/// The known elders' visit rows as stored, by elder and visit.
async fn stored_visits<C: ConnectionTrait>(db: &C, known: &[String]) -> Result<StoredVisits, sea_orm::DbErr> {
    let mut stored = HashMap::new();
    for chunk in known.chunks(500) {
        let rows = visit::Entity::find().filter(visit::Column::ElderId.is_in(chunk.to_vec())).all(db).await?;
        stored.extend(rows.into_iter().map(|row| ((row.elder_id.clone(), row.visit_id.clone()), row)));
    }
    Ok(stored)
}

/// Visit rows by elder id and visit id: a visit id another elder's row holds is not
/// this elder's, so writing it still meets that row (`idInUse`).
type StoredVisits = HashMap<(String, String), visit::Model>;

/// Deletes the known elders' follow-up, conflict and insurance case rows (a few per
/// elder, written again whole).
async fn delete_rows<C: ConnectionTrait>(db: &C, known: &[String]) -> Result<(), sea_orm::DbErr> {
    for chunk in known.chunks(500) {
        let ids = chunk.to_vec();
        follow_up::Entity::delete_many().filter(follow_up::Column::ElderId.is_in(ids.clone())).exec(db).await?;
        conflict::Entity::delete_many().filter(conflict::Column::ElderId.is_in(ids.clone())).exec(db).await?;
        insurance_case::Entity::delete_many().filter(insurance_case::Column::ElderId.is_in(ids)).exec(db).await?;
    }
    Ok(())
}

/// The rows to insert, table by table.
#[derive(Default)]
struct Models {
    elders: Vec<elder::ActiveModel>,
    visits: Vec<visit::Model>,
    follow_ups: Vec<follow_up::ActiveModel>,
    conflicts: Vec<conflict::ActiveModel>,
    insurance_cases: Vec<insurance_case::ActiveModel>,
}

impl Models {
    fn add(&mut self, rows: &ElderRows, stored: &StoredVisits, now: Timestamp) {
        let elder_id = rows.elder.elder_id.to_string();
        let community = rows.elder.community.to_string();
        let e = &rows.elder;
        self.elders.push(elder::ActiveModel {
            elder_id: Set(elder_id.clone()),
            community_id: Set(community.clone()),
            name: Set(e.profile.name.clone()),
            gender: Set(e.profile.gender.as_str().to_owned()),
            birth_date: Set(e.profile.birth_date.to_string()),
            id_number_masked: Set(e.profile.id_number_masked.clone()),
            phone: Set(e.profile.phone.clone()),
            address: Set(e.profile.address.clone()),
            enrolled_on: Set(e.enrolled_on.to_string()),
            status: Set(e.status.as_str().to_owned()),
            special_hardship: Set(e.profile.is_special_hardship()),
            tier_override: Set(e.tier_override.as_ref().map(|t| t.tier.as_str().to_owned())),
            open_conflicts: Set(rows.conflicts.len() as i32),
            row: Set(json(e)),
            updated_at: Set(now.as_millis()),
        });
        for row in &rows.visits {
            // The columns, and beside them only what they do not hold.
            let (keys, details) = row.split();
            let id = keys.visit_id.to_string();
            let before = stored.get(&(elder_id.clone(), id.clone()));
            self.visits.push(visit::Model {
                received_at: before.map_or(now.as_millis(), |row| row.received_at),
                visit_id: id,
                elder_id: elder_id.clone(),
                assistant_id: keys.assistant.to_string(),
                device_id: keys.device.to_string(),
                visited_at: keys.visited_at.as_millis(),
                recorded_at: keys.recorded_at.as_millis(),
                mode: keys.mode.as_str().to_owned(),
                outcome: keys.outcome.as_str().to_owned(),
                risk: keys.risk.as_str().to_owned(),
                incident: details.incident.as_ref().map(|i| i.kind.as_str().to_owned()),
                voided: details.void.is_some(),
                row: json(&details),
            });
        }
        for row in &rows.follow_ups {
            self.follow_ups.push(follow_up::ActiveModel {
                follow_up_id: Set(row.follow_up_id.to_string()),
                elder_id: Set(elder_id.clone()),
                community_id: Set(community.clone()),
                origin_visit: Set(row.follow_up.origin_visit.map(|v| v.to_string())),
                due_at: Set(row.follow_up.due_at.as_millis()),
                resolved_at: Set(row.follow_up.resolution.as_ref().map(|r| r.at.as_millis())),
                row: Set(json(row)),
            });
        }
        for row in &rows.conflicts {
            self.conflicts.push(conflict::ActiveModel {
                elder_id: Set(elder_id.clone()),
                field: Set(row.field.clone()),
                community_id: Set(community.clone()),
                row: Set(json(row)),
            });
        }
        for case in &rows.insurance_cases {
            self.insurance_cases.push(insurance_case::ActiveModel {
                visit_id: Set(case.visit_id.to_string()),
                elder_id: Set(elder_id.clone()),
                community_id: Set(community.clone()),
                kind: Set(case.kind.as_str().to_owned()),
                incident_at: Set(case.incident_at.as_millis()),
                state: Set(case.state.as_str().to_owned()),
                reported_on: Set(case.reported_on.map(|d| d.to_string())),
                claim_number: Set(case.claim_number.clone()),
                paid_on: Set(case.paid_on.map(|d| d.to_string())),
                amount_fen: Set(case.amount_fen),
                declined_reason: Set(case.declined_reason.clone()),
                steps: Set(json(&case.steps)),
            });
        }
    }

    async fn insert<C: ConnectionTrait>(self, db: &C, mut stored: StoredVisits) -> Result<(), sea_orm::DbErr> {
        for chunk in self.elders.chunks(200) {
            elder::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::column(elder::Column::ElderId)
                        .update_columns([
                            elder::Column::CommunityId,
                            elder::Column::Name,
                            elder::Column::Gender,
                            elder::Column::BirthDate,
                            elder::Column::IdNumberMasked,
                            elder::Column::Phone,
                            elder::Column::Address,
                            elder::Column::EnrolledOn,
                            elder::Column::Status,
                            elder::Column::SpecialHardship,
                            elder::Column::TierOverride,
                            elder::Column::OpenConflicts,
                            elder::Column::Row,
                            elder::Column::UpdatedAt,
                        ])
                        .to_owned(),
                )
                .exec(db)
                .await?;
        }
        // A visit row is written only when it is new or differs from the stored one; a
        // changed row is deleted first, and so is a stored row the record no longer gives.
        let mut written = Vec::new();
        let mut deleted = Vec::new();
        for row in self.visits {
            match stored.remove(&(row.elder_id.clone(), row.visit_id.clone())) {
                Some(before) if before == row => {}
                Some(_) => {
                    deleted.push(row.visit_id.clone());
                    written.push(row);
                }
                None => written.push(row),
            }
        }
        deleted.extend(stored.into_keys().map(|(_, visit)| visit));
        for chunk in deleted.chunks(500) {
            visit::Entity::delete_many().filter(visit::Column::VisitId.is_in(chunk.to_vec())).exec(db).await?;
        }
        for chunk in written.chunks(500) {
            let rows = chunk.iter().cloned().map(|row| visit::ActiveModel::from(row).reset_all());
            visit::Entity::insert_many(rows).exec(db).await?;
        }
        for chunk in self.follow_ups.chunks(500) {
            follow_up::Entity::insert_many(chunk.to_vec()).exec(db).await?;
        }
        for chunk in self.conflicts.chunks(500) {
            conflict::Entity::insert_many(chunk.to_vec()).exec(db).await?;
        }
        for chunk in self.insurance_cases.chunks(500) {
            insurance_case::Entity::insert_many(chunk.to_vec()).exec(db).await?;
        }
        Ok(())
    }
}
