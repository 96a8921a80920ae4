//! The workstation holds its own edits to the rules the server holds every push to:
//! the same review of what each change does (`ElderDocument::apply_checked`) and the
//! same role table (`jinlin_shared::authority`), run before an edit is saved, offline
//! too, so an assistant learns at once what the server would refuse instead of
//! finding it set aside after the next sync. It also says what the window may offer
//! the signed-in user on an elder's page.

use jinlin_shared::area::Scope;
use jinlin_shared::authority::{Standing, check_authority};
use jinlin_shared::document::ElderDocument;
use jinlin_shared::ids::{CommunityId, DeviceId, VisitId};
use jinlin_shared::materialise::ElderRows;
use jinlin_shared::policy::Policy;
use jinlin_shared::roles::Operation;
use jinlin_shared::time::Timestamp;
use jinlin_shared::user::SignedInUser;
use serde::{Deserialize, Serialize};

use crate::error::StationError;

/// Checks the changes `edited` made since `before` (`None` for an enrolment, whose
/// document is new) as the server will: their shape and limits, and that `user` on
/// `device` may make them. `covers` says whether a scope covers a community.
pub(crate) fn check_edit(
    user: &SignedInUser,
    device: DeviceId,
    policy: &Policy,
    before: Option<&ElderDocument>,
    edited: &ElderDocument,
    now: Timestamp,
    covers: impl Fn(Scope, CommunityId) -> bool,
) -> Result<(), StationError> {
    let since = before.map(ElderDocument::heads).unwrap_or_default();
    let changes = edited.changes_since(&since);
    if changes.is_empty() {
        return Ok(());
    }
    let applied = match before {
        Some(before) => before.apply_checked(&changes, now, policy),
        None => ElderDocument::from_changes_checked(&changes, jinlin_shared::ActorId::random(), now, policy),
    }
    .map_err(StationError::Refused)?;
    let standing = Standing { role: user.role, scope: user.scope, signed_in_on_device: true };
    let own = |author, _| (author == user.id).then_some(standing);
    check_authority(&applied.reviews, device, own, &policy.roles, covers).map_err(StationError::Refused)
}

/// What the window may offer the signed-in user on one elder's page: the role
/// table's operations for their role, and which visits and conflicts they may act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Permitted {
    pub operations: Vec<Operation>,
    /// Visits (not voided yet) the user may void.
    pub voidable: Vec<VisitId>,
    /// Dotted fields in conflict the user may resolve.
    pub resolvable: Vec<String>,
}

pub(crate) fn permitted(user: &SignedInUser, policy: &Policy, rows: &ElderRows) -> Permitted {
    let may = |op| policy.roles.permits(user.role, op);
    let voidable = rows
        .visits
        .iter()
        .filter(|row| !row.visit.is_voided())
        .filter(|row| may(Operation::VoidAnyVisit) || (may(Operation::VoidOwnVisit) && row.visit.assistant == user.id))
        .map(|row| row.visit_id)
        .collect();
    let resolvable = rows
        .conflicts
        .iter()
        .filter(|row| {
            may(Operation::ResolveAnyConflict) || (may(Operation::ResolveProfileConflict) && row.conflict.in_profile())
        })
        .map(|row| row.field.clone())
        .collect();
    Permitted { operations: policy.roles.operations_of(user.role), voidable, resolvable }
}
