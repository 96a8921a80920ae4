//! What the screens change: each operation loads the elder's document, applies one
//! operation of the shared crate, holds the result to the rules the server will
//! (`own_edits`), and saves the document with its new changes in one transaction
//! before it returns; the sync engine is then nudged.

use jinlin_shared::ChangeHash;
use jinlin_shared::area::Scope;
use jinlin_shared::author::Author;
use jinlin_shared::document::{DocumentError, Edit, ElderDocument, Enrolment, ProfileChange};
use jinlin_shared::ids::{CommunityId, ElderId, FollowUpId, VisitId};
use jinlin_shared::policy::Policy;
use jinlin_shared::time::Timestamp;
use jinlin_shared::wire::IdentitySubmission;

use super::Station;
use super::session::Session;
use super::views::ElderPage;
use crate::error::StationError;
use crate::forms::{EnrolmentForm, InsuranceStepForm, MoveForm, StatusForm, TierForm, VisitForm, new_entry};
use crate::own_edits;
use crate::store::SealedChange;

impl Station {
    /// Applies one operation to an elder's document and saves it durably with its
    /// new changes; returns the elder's page as it now is.
    pub async fn edit<F>(&self, elder: ElderId, operation: F) -> Result<ElderPage, StationError>
    where
        F: FnOnce(&mut ElderDocument, &Edit, &Policy) -> Result<Option<ChangeHash>, DocumentError>,
    {
        let session = self.session()?;
        let edit = self.edit_by(&session).await?;
        {
            let _turn = self.writing().await;
            let row = self.store().document(elder).await?.ok_or(StationError::UnknownElder(elder))?;
            session.check_scope(&row)?;
            let mut doc = session.vault.open_document(&row, self.actor())?;
            let original = doc.clone();
            operation(&mut doc, &edit, &self.policy().policy)?;
            self.check_edit(&session, &edit, Some(&original), &doc)?;
            self.save_edit(&session, &doc, &original.heads(), edit.at).await?;
        }
        self.after_save().await?;
        self.elder(elder).await
    }

    /// Records a visit; returns its id and the elder's page.
    /// The follow-ups the form says it completes are closed by it in the same save:
    /// both land, or neither.
    pub async fn record_visit(&self, elder: ElderId, form: VisitForm) -> Result<(VisitId, ElderPage), StationError> {
        let completes = form.completes.clone();
        let visit = form.into_new_visit(self.now());
        let id = visit.id;
        let page = self
            .edit(elder, move |doc, edit, policy| {
                let mut last = doc.record_visit(edit, visit, policy)?;
                for follow_up in completes {
                    last = doc.resolve_follow_up(edit, follow_up, Some(id), "")?.or(last);
                }
                Ok(last)
            })
            .await?;
        Ok((id, page))
    }

    /// Closes a follow-up without a visit (a phone call, a referral made), saying how.
    pub async fn resolve_follow_up(
        &self,
        elder: ElderId,
        follow_up: FollowUpId,
        note: &str,
    ) -> Result<ElderPage, StationError> {
        let note = note.to_owned();
        self.edit(elder, move |doc, edit, _| doc.resolve_follow_up(edit, follow_up, None, &note)).await
    }

    /// Corrects a visit: only the fields that differ are written, so a concurrent
    /// correction of other fields on another workstation survives the merge.
    pub async fn correct_visit(
        &self,
        elder: ElderId,
        visit: VisitId,
        visited_at: Timestamp,
        form: VisitForm,
    ) -> Result<ElderPage, StationError> {
        let follow_up = form.follow_up.map(|f| f.into_new(self.now()));
        let record = form.record;
        self.edit(elder, move |doc, edit, policy| doc.correct_visit(edit, visit, visited_at, record, follow_up, policy))
            .await
    }

    /// Voids a visit entered by mistake; it stays in the history with the reason.
    pub async fn void_visit(&self, elder: ElderId, visit: VisitId, reason: &str) -> Result<ElderPage, StationError> {
        let reason = reason.to_owned();
        self.edit(elder, move |doc, edit, _| doc.void_visit(edit, visit, &reason)).await
    }

    /// Records that the elder went into hospital, moved away, died or is active again,
    /// from a date: the roster, the badges and coverage follow the date.
    pub async fn change_status(&self, elder: ElderId, form: StatusForm) -> Result<ElderPage, StationError> {
        let entry = new_entry(self.now());
        self.edit(elder, move |doc, edit, _| doc.change_status(edit, entry, form.status, form.effective_on, &form.note))
            .await
    }

    /// Moves the elder's record to another community of the user's scope, from a
    /// date. This workstation keeps the record while it follows the new community.
    pub async fn move_elder(&self, elder: ElderId, form: MoveForm) -> Result<ElderPage, StationError> {
        let session = self.session()?;
        if !session.can_write(form.community) {
            return Err(StationError::OutOfScope(elder));
        }
        let entry = new_entry(self.now());
        let page =
            self.edit(elder, move |doc, edit, _| doc.move_to_community(edit, entry, form.community, form.effective_on));
        let page = page.await?;
        self.hold_communities(&session.user.id, [form.community].into(), false).await?;
        Ok(page)
    }

    /// Sets the elder's tier by hand with a reason, or returns it to the rule's proposal.
    pub async fn set_tier(&self, elder: ElderId, form: TierForm) -> Result<ElderPage, StationError> {
        self.edit(elder, move |doc, edit, _| doc.set_tier(edit, form.tier.map(|tier| (tier, form.reason.as_str()))))
            .await
    }

    /// Moves an insurance case by one step (reported, paid, declined).
    pub async fn move_insurance_case(
        &self,
        elder: ElderId,
        form: InsuranceStepForm,
    ) -> Result<ElderPage, StationError> {
        let entry = new_entry(self.now());
        self.edit(elder, move |doc, edit, _| doc.record_insurance_step(edit, entry, form.visit, form.step)).await
    }

    /// Edits profile fields in one change.
    pub async fn update_profile(&self, elder: ElderId, changes: Vec<ProfileChange>) -> Result<ElderPage, StationError> {
        if changes.iter().any(|c| matches!(c, ProfileChange::IdNumber(_))) {
            // The full number goes to the server's identity record only.
            return Err(StationError::Internal("ID numbers are submitted with submit_id_number".into()));
        }
        self.edit(elder, move |doc, edit, _| doc.update_profile(edit, &changes)).await
    }

    /// Keeps one of the values written at the same time to a field.
    pub async fn resolve_conflict(
        &self,
        elder: ElderId,
        field: &str,
        chosen: serde_json::Value,
    ) -> Result<ElderPage, StationError> {
        let path: Vec<String> = field.split('.').map(str::to_owned).collect();
        self.edit(elder, move |doc, edit, _| doc.resolve_conflict(edit, &path, &chosen)).await
    }

    /// Enrols a new elder in one of the user's communities.
    pub async fn enrol_elder(&self, form: EnrolmentForm) -> Result<ElderPage, StationError> {
        self.enrol(form.into_enrolment(self.now())).await
    }

    /// Enrols a new elder in one of the user's communities.
    pub async fn enrol(&self, enrolment: Enrolment) -> Result<ElderPage, StationError> {
        let session = self.session()?;
        if !session.can_write(enrolment.community) {
            return Err(StationError::OutOfScope(enrolment.elder));
        }
        if self.store().document(enrolment.elder).await?.is_some() {
            return Err(StationError::Internal(format!("elder {} is already enrolled", enrolment.elder)));
        }
        let edit = self.edit_by(&session).await?;
        let elder = enrolment.elder;
        let community = enrolment.community;
        {
            let _turn = self.writing().await;
            let (doc, _) = ElderDocument::enrol(enrolment, &edit, self.actor().clone())?;
            self.check_edit(&session, &edit, None, &doc)?;
            self.save_edit(&session, &doc, &[], edit.at).await?;
        }
        self.hold_communities(&session.user.id, [community].into(), false).await?;
        self.after_save().await?;
        self.elder(elder).await
    }

    /// Sends an ID number to the server's identity record (never into the
    /// document); the server writes the masked form, which arrives with the next pull.
    pub async fn submit_id_number(&self, elder: ElderId, id_number: &str) -> Result<String, StationError> {
        let (client, token) = self.server_and_token()?;
        let session = self.session()?;
        let row = self.store().document(elder).await?.ok_or(StationError::UnknownElder(elder))?;
        session.check_scope(&row)?;
        let accepted =
            client.set_identity(&token, elder, &IdentitySubmission { id_number: id_number.trim().to_owned() }).await?;
        self.sync_now();
        Ok(accepted.id_number_masked)
    }

    /// Holds an edit to the rules the server will (`own_edits`), before it is saved.
    fn check_edit(
        &self,
        session: &Session,
        edit: &Edit,
        before: Option<&ElderDocument>,
        edited: &ElderDocument,
    ) -> Result<(), StationError> {
        let covers = |_: Scope, community: CommunityId| session.can_write(community);
        let policy = &self.policy().policy;
        own_edits::check_edit(&session.user, edit.author.device, policy, before, edited, edit.at, covers)
    }

    /// The author and time of an edit by the signed-in user on this device.
    async fn edit_by(&self, session: &Session) -> Result<Edit, StationError> {
        let device = self.store().device_id().await?.ok_or(StationError::SignedOut)?;
        Ok(Edit { author: Author { user: session.user.id, device }, at: self.now() })
    }

    /// Saves the document with its changes since `before`, sealed, in one transaction.
    async fn save_edit(
        &self,
        session: &Session,
        doc: &ElderDocument,
        before: &[ChangeHash],
        at: Timestamp,
    ) -> Result<(), StationError> {
        let elder = doc.elder_id();
        let changes: Vec<SealedChange> = doc
            .changes_with_hashes_since(before)
            .into_iter()
            .map(|(hash, bytes)| SealedChange { elder, hash, change: session.vault.seal_change(elder, &bytes) })
            .collect();
        if changes.is_empty() {
            return Ok(());
        }
        self.store().save_edit(session.vault.seal_document(doc)?, changes, at).await?;
        Ok(())
    }

    async fn after_save(&self) -> Result<(), StationError> {
        self.publish_counts().await?;
        self.sync_now();
        Ok(())
    }
}
