//! Whether the author of each change may have made it: the change came from the
//! author's own device, the author has signed in there, their area covers the elder
//! before and after the change, and their role may do what the change does.
//!
//! The review of a document's new changes (`document::ChangeReview`) says what each
//! one does; this holds that against what the receiver knows of its author. The
//! server runs it on every push; the workstation runs it on its own edits before
//! saving them, so an assistant is told at once, offline too, what the server would
//! refuse.

use crate::area::Scope;
use crate::document::ChangeReview;
use crate::ids::{CommunityId, DeviceId, UserId};
use crate::roles::RoleTable;
use crate::time::Timestamp;
use crate::user::Role;
use crate::validate::ValidationError;

/// What the receiver knows of a change's author.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub role: Role,
    pub scope: Scope,
    /// The author has signed in on the device the changes came from, and their account
    /// is enabled: a shared workstation may push what a colleague left waiting there.
    pub signed_in_on_device: bool,
}

/// Checks each reviewed change against its author's standing. `device` is the device
/// the changes came from; `standing` answers for a user at the time a change was made
/// (the standing they had then: work queued before someone left still lands), `None`
/// for one unknown or not allowed then; `covers` says whether a scope covers a
/// community (the server's area tree).
pub fn check_authority(
    reviews: &[ChangeReview],
    device: DeviceId,
    standing: impl Fn(UserId, Timestamp) -> Option<Standing>,
    roles: &RoleTable,
    covers: impl Fn(Scope, CommunityId) -> bool,
) -> Result<(), ValidationError> {
    for review in reviews {
        let change = review.hash.to_string();
        let wrong = |reason: String| ValidationError::WrongAuthor { change: change.clone(), field: None, reason };
        if review.author.device != device {
            return Err(wrong(format!(
                "it was made on device {}, not on the device that sent it",
                review.author.device
            )));
        }
        let Some(author) = standing(review.author.user, review.at).filter(|s| s.signed_in_on_device) else {
            return Err(wrong(format!(
                "its author {} has not signed in on this device or may no longer sign in",
                review.author.user
            )));
        };
        if let Some(community) = review.communities.iter().find(|c| !covers(author.scope, **c)) {
            return Err(ValidationError::AuthorOutOfScope { change, community: *community });
        }
        if let Some((operation, field)) = review.operations.iter().find(|(op, _)| !roles.permits(author.role, **op)) {
            return Err(ValidationError::NotPermitted {
                change,
                field: field.clone(),
                operation: *operation,
                role: author.role,
            });
        }
    }
    Ok(())
}
