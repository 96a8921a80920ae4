//! The report's lists, each from the same rows: who was not visited, red-risk visits
//! and their follow-ups, follow-ups past due, open conflicts, voided visits and
//! incidents, every line placed in the area and its people named.

use std::collections::{BTreeMap, BTreeSet};

use super::{ConflictLine, FollowUpLine, IncidentLine, NotVisitedLine, Place, RedRiskLine, ReportInput, VoidedLine};
use crate::coverage::MonthlyCoverage;
use crate::ids::{CommunityId, ElderId, UserId, VisitId};
use crate::materialise::{ElderRow, FollowUpRow, VisitRow};
use crate::privacy::mask_phone;

/// What every list needs: the report's input, its elders by id, and where each one
/// counts this month.
pub(super) struct Lists<'a> {
    input: &'a ReportInput<'a>,
    communities: &'a BTreeSet<CommunityId>,
    coverage: &'a MonthlyCoverage,
    elders: BTreeMap<ElderId, &'a ElderRow>,
    counted: BTreeMap<ElderId, CommunityId>,
}

impl<'a> Lists<'a> {
    pub fn new(
        input: &'a ReportInput<'a>,
        communities: &'a BTreeSet<CommunityId>,
        coverage: &'a MonthlyCoverage,
    ) -> Self {
        Self {
            input,
            communities,
            coverage,
            elders: input.elders.iter().map(|e| (e.elder_id, e)).collect(),
            counted: coverage.elders.iter().map(|e| (e.elder_id, e.community)).collect(),
        }
    }

    /// An elder belongs to the area's lists when they count for it this month, or, for
    /// what is still open, when their record is held by one of its communities now.
    pub(super) fn place_of(&self, elder: ElderId) -> Option<(CommunityId, &'a ElderRow)> {
        let row = *self.elders.get(&elder)?;
        let community = self.counted.get(&elder).copied().unwrap_or(row.community);
        self.communities.contains(&community).then_some((community, row))
    }

    fn person(&self, user: &UserId) -> String {
        self.input.people.get(user).cloned().unwrap_or_else(|| user.to_string())
    }

    pub(super) fn phone(&self, row: &ElderRow) -> Option<String> {
        match self.input.unmasked_id_numbers {
            Some(_) => row.profile.phone.clone(),
            None => row.profile.phone.as_deref().map(mask_phone),
        }
    }

    pub(super) fn id_number(&self, row: &ElderRow) -> Option<String> {
        match self.input.unmasked_id_numbers {
            Some(whole) => whole.get(&row.elder_id).cloned().or_else(|| row.profile.id_number_masked.clone()),
            None => row.profile.id_number_masked.clone(),
        }
    }

    /// The month's visits of elders placed in the area.
    pub fn visits_in_month(&self) -> Vec<&'a VisitRow> {
        self.input
            .listed_visits
            .iter()
            .filter(|v| self.input.month.contains(v.visit.visited_at) && self.place_of(v.elder_id).is_some())
            .collect()
    }

    pub fn not_visited(&self) -> Vec<NotVisitedLine> {
        self.coverage
            .elders
            .iter()
            .filter(|e| !e.visited_in_month)
            .filter_map(|e| {
                let row = *self.elders.get(&e.elder_id)?;
                Some(NotVisitedLine {
                    elder_id: e.elder_id,
                    name: row.profile.name.clone(),
                    place: Place::of(self.input.tree, e.community),
                    tier: e.tier,
                    status: e.status,
                    last_valid_visit_on: e.last_valid_visit_on,
                    days_since: e.days_since,
                    days_overdue: e.days_overdue,
                    assistants: self
                        .input
                        .assistants
                        .get(&e.community)
                        .map(|names| names.join("、"))
                        .unwrap_or_default(),
                    phone: self.phone(row),
                    address: row.profile.address.clone(),
                })
            })
            .collect()
    }

    pub fn red_risk_visits(&self, in_month: &[&VisitRow]) -> Vec<RedRiskLine> {
        let follow_up_of: BTreeMap<VisitId, &FollowUpRow> =
            self.input.follow_ups.iter().filter_map(|f| f.follow_up.origin_visit.map(|v| (v, f))).collect();
        let mut red_risk_visits: Vec<RedRiskLine> = in_month
            .iter()
            .filter(|v| v.visit.record.risk == crate::visit::RiskLevel::Red && !v.visit.is_voided())
            .filter_map(|v| {
                let (community, row) = self.place_of(v.elder_id)?;
                let follow_up = follow_up_of.get(&v.visit_id);
                let resolved_at = follow_up.and_then(|f| f.follow_up.resolution.as_ref()).map(|r| r.at);
                let deadline = v.visit.visited_at.plus_hours(self.input.policy.red_risk_follow_up_hours);
                Some(RedRiskLine {
                    elder_id: v.elder_id,
                    visit_id: v.visit_id,
                    name: row.profile.name.clone(),
                    place: Place::of(self.input.tree, community),
                    visited_at: v.visit.visited_at,
                    assistant: self.person(&v.visit.assistant),
                    follow_up: follow_up.map(|f| f.follow_up.action.clone()),
                    follow_up_resolved_at: resolved_at,
                    followed_up_in_time: resolved_at.is_some_and(|at| at <= deadline),
                })
            })
            .collect();
        red_risk_visits.sort_by_key(|l| (l.followed_up_in_time, l.visited_at, l.visit_id));
        red_risk_visits
    }

    pub fn follow_ups_past_due(&self) -> Vec<FollowUpLine> {
        let mut follow_ups_past_due: Vec<FollowUpLine> = self
            .input
            .follow_ups
            .iter()
            .filter(|f| f.follow_up.resolution.is_none() && f.follow_up.due_at < self.input.now)
            .filter_map(|f| {
                let (community, row) = self.place_of(f.elder_id)?;
                Some(FollowUpLine {
                    elder_id: f.elder_id,
                    follow_up_id: f.follow_up_id,
                    name: row.profile.name.clone(),
                    place: Place::of(self.input.tree, community),
                    action: f.follow_up.action.clone(),
                    due_at: f.follow_up.due_at,
                    days_past_due: (self.input.now.as_millis() - f.follow_up.due_at.as_millis()) / 86_400_000,
                    created_by: self.person(&f.follow_up.created_by.user),
                })
            })
            .collect();
        follow_ups_past_due.sort_by_key(|l| (l.due_at, l.follow_up_id));
        follow_ups_past_due
    }

    pub fn open_conflicts(&self) -> Vec<ConflictLine> {
        let mut open_conflicts: Vec<ConflictLine> = self
            .input
            .conflicts
            .iter()
            .filter_map(|c| {
                let (community, row) = self.place_of(c.elder_id)?;
                Some(ConflictLine {
                    elder_id: c.elder_id,
                    name: row.profile.name.clone(),
                    place: Place::of(self.input.tree, community),
                    field: c.field.clone(),
                    values: c.conflict.values.len(),
                })
            })
            .collect();
        open_conflicts.sort_by(|a, b| (&a.place, a.elder_id, &a.field).cmp(&(&b.place, b.elder_id, &b.field)));
        open_conflicts
    }

    pub fn voided_visits(&self, in_month: &[&VisitRow]) -> Vec<VoidedLine> {
        let mut voided_visits: Vec<VoidedLine> = in_month
            .iter()
            .filter_map(|v| {
                let void = v.visit.void.as_ref()?;
                let (community, row) = self.place_of(v.elder_id)?;
                Some(VoidedLine {
                    elder_id: v.elder_id,
                    visit_id: v.visit_id,
                    name: row.profile.name.clone(),
                    place: Place::of(self.input.tree, community),
                    visited_at: v.visit.visited_at,
                    assistant: self.person(&v.visit.assistant),
                    mode: v.visit.record.mode,
                    reason: void.reason.clone(),
                    voided_at: void.at,
                    voided_by: self.person(&void.by.user),
                })
            })
            .collect();
        voided_visits.sort_by_key(|l| (l.visited_at, l.visit_id));
        voided_visits
    }

    pub fn incidents(&self, in_month: &[&VisitRow]) -> Vec<IncidentLine> {
        let mut incidents: Vec<IncidentLine> = in_month
            .iter()
            .filter(|v| !v.visit.is_voided())
            .filter_map(|v| {
                let incident = v.visit.record.incident.as_ref()?;
                let (community, row) = self.place_of(v.elder_id)?;
                Some(IncidentLine {
                    elder_id: v.elder_id,
                    visit_id: v.visit_id,
                    name: row.profile.name.clone(),
                    place: Place::of(self.input.tree, community),
                    id_number: self.id_number(row),
                    phone: self.phone(row),
                    visited_at: v.visit.visited_at,
                    kind: incident.kind,
                    note: incident.note.clone(),
                    assistant: self.person(&v.visit.assistant),
                })
            })
            .collect();
        incidents.sort_by_key(|l| (l.visited_at, l.visit_id));
        incidents
    }
}
