//! Moving an elder's insurance cases: each step is a new entry, written whole.

use automerge::transaction::Transactable;
use automerge::{ChangeHash, ObjType, ROOT, ReadDoc, Value};

use super::codec::{self, automerge_error};
use super::{DocumentError, Edit, ElderDocument, InputError, schema};
use crate::ids::{EntryId, VisitId};
use crate::insurance::{self, CaseStep, InsuranceCase, InsuranceStep};

impl ElderDocument {
    /// The elder's insurance cases, oldest incident first.
    pub fn insurance_cases(&self) -> Vec<InsuranceCase> {
        let record = self.record();
        insurance::cases(record.elder_id, &record.visits, &record.insurance_steps)
    }

    /// Moves the case of the incident `visit` by one step (entry `id`), if the step may
    /// follow the case as it stands.
    pub fn record_insurance_step(
        &mut self,
        edit: &Edit,
        id: EntryId,
        visit: VisitId,
        step: CaseStep,
    ) -> Result<Option<ChangeHash>, DocumentError> {
        if self.record().insurance_steps.contains_key(&id) {
            return Err(InputError::DuplicateEntry(id).into());
        }
        let step = match step {
            CaseStep::Reported { reported_on, claim_number } => {
                CaseStep::Reported { reported_on, claim_number: claim_number.trim().to_owned() }
            }
            CaseStep::Declined { reason } => CaseStep::Declined { reason: reason.trim().to_owned() },
            paid @ CaseStep::Paid { .. } => paid,
        };
        let cases = self.insurance_cases();
        insurance::check_step(cases.iter().find(|c| c.visit_id == visit), visit, &step).map_err(InputError::from)?;
        let stored = InsuranceStep { visit, step, recorded_at: edit.at, recorded_by: edit.author };
        let value = serde_json::to_value(&stored).expect("invariant: a step serialises to JSON");
        self.transact(edit, |tx| {
            let fail = |e| automerge_error(&vec![schema::INSURANCE_STEPS.to_owned()], e);
            // Documents made before insurance cases were followed gain the map here.
            let steps = match tx.get(ROOT, schema::INSURANCE_STEPS).map_err(fail)? {
                Some((Value::Object(ObjType::Map), steps)) => steps,
                _ => tx.put_object(ROOT, schema::INSURANCE_STEPS, ObjType::Map).map_err(fail)?,
            };
            codec::put_new(tx, &steps, &id.to_string(), &value)
        })
    }
}
