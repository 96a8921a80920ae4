//! What the screens read: the roster with the month's figures, one elder's page, and
//! the changes the server refused. Every figure is the shared crate's, computed under
//! the city's policy the workstation holds, so it is the figure the server's report
//! shows.

use std::collections::BTreeMap;

use jinlin_shared::area::{NamedCommunity, Scope};
use jinlin_shared::coverage::{CoverageTotals, counts_for, elder_coverage};
use jinlin_shared::ids::{CommunityId, ElderId};
use jinlin_shared::materialise::ElderRows;
use jinlin_shared::policy::VisitRules;
use jinlin_shared::privacy::mask_phone;
use jinlin_shared::roster::{AssistantDay, RosterEntry, RosterQuery};
use jinlin_shared::time::{Month, Timestamp};
use jinlin_shared::validate::RejectCode;
use jinlin_shared::warning::{Warning, warnings};
use serde::{Deserialize, Serialize};

use super::session::Session;
use super::{Station, blocking};
use crate::error::StationError;
use crate::own_edits::{self, Permitted};
use crate::store::RejectedChange;

/// A roster line: the shared entry plus what only this workstation knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct RosterLine {
    #[serde(flatten)]
    pub entry: RosterEntry,
    /// Changes saved here and not yet acknowledged by the server.
    pub unsynced: u32,
    /// Changes the server refused, kept to show.
    pub rejected: u32,
}

/// The roster with the community's figures for this month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct RosterView {
    pub month: Month,
    pub coverage: CoverageTotals,
    /// The assistant's day over the whole roster, whatever the filter.
    pub day: AssistantDay,
    pub lines: Vec<RosterLine>,
}

/// A change the server refused, as the assistant sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct RejectedChangeView {
    pub elder_id: ElderId,
    pub hash: String,
    /// Why, in the window's words (`REJECT_CODE_LABELS`).
    pub code: RejectCode,
    /// The field at fault (a dotted path), when the refusal names one.
    pub field: Option<String>,
    /// The server's own sentence, in English: for the English screen and the log.
    pub reason: String,
    pub saved_at: Timestamp,
    pub rejected_at: Timestamp,
}

/// Everything the elder page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct ElderPage {
    pub entry: RosterEntry,
    pub rows: ElderRows,
    /// The phone as the page shows it: masked but for its last four digits (DOMAIN.md,
    /// Privacy). The full number stays in `rows` for the call button.
    pub phone_masked: Option<String>,
    /// The competing values of private fields (phones) as the page shows them,
    /// masked, by dotted field and in the order of that conflict's values. Other
    /// fields show as written; the full values stay in `rows` to choose from.
    pub masked_conflicts: BTreeMap<String, Vec<String>>,
    pub unsynced: u32,
    pub rejected: Vec<RejectedChangeView>,
    /// What the signed-in user may do here (the role table).
    pub permitted: Permitted,
    /// The policy's numbers the visit form checks as the assistant types.
    pub visit_rules: VisitRules,
    /// The communities of the user's scope by name: where the record may move to
    /// (all but its own), and the names of the places in its history.
    pub communities: Vec<NamedCommunity>,
}

impl Station {
    /// The roster of the signed-in user's communities.
    pub async fn roster(&self, query: &RosterQuery) -> Result<RosterView, StationError> {
        let session = self.session()?;
        let now = self.now();
        let policy = &self.policy().policy;
        let rows = self.visible_rows(&session).await?;
        let pending = self.store().pending_per_elder().await?;
        let rejected = self.store().rejected_per_elder().await?;
        let month = Month::containing(now.shanghai_date());
        let today = now.shanghai_date();
        let coverages: Vec<_> = rows
            .iter()
            .filter(|r| counts_for(&r.elder, month).is_some())
            .map(|r| elder_coverage(r.into(), month, policy, today))
            .collect();
        let coverage = CoverageTotals::of_elders(&coverages);
        let entries: Vec<RosterEntry> = rows.iter().map(|r| RosterEntry::new(r, policy, now)).collect();
        let day = AssistantDay::of(&entries);
        let lines = query
            .select(entries)
            .into_iter()
            .map(|entry| RosterLine {
                unsynced: pending.get(&entry.elder_id).copied().unwrap_or(0),
                rejected: rejected.get(&entry.elder_id).copied().unwrap_or(0),
                entry,
            })
            .collect();
        Ok(RosterView { month, coverage, day, lines })
    }

    /// The early warnings of the user's communities, derived here from the documents
    /// held, as the server derives its own.
    pub async fn derived_warnings(&self) -> Result<Vec<Warning>, StationError> {
        let session = self.session()?;
        let (now, policy) = (self.now(), self.policy());
        let rows = self.visible_rows(&session).await?;
        Ok(rows.iter().flat_map(|r| warnings(r, &policy.policy, now).warnings).collect())
    }

    /// One elder's page.
    pub async fn elder(&self, elder: ElderId) -> Result<ElderPage, StationError> {
        let session = self.session()?;
        let row = self.store().document(elder).await?.ok_or(StationError::UnknownElder(elder))?;
        session.check_scope(&row)?;
        let rows = session.vault.open_rows(&row)?;
        let unsynced = self.store().pending_per_elder().await?.get(&elder).copied().unwrap_or(0);
        let rejected = self.store().rejected(Some(elder)).await?.into_iter().map(RejectedChangeView::from).collect();
        let policy = &self.policy().policy;
        Ok(ElderPage {
            entry: RosterEntry::new(&rows, policy, self.now()),
            permitted: own_edits::permitted(&session.user, policy, &rows),
            visit_rules: policy.visit_rules(),
            communities: session.user.communities.clone(),
            phone_masked: rows.elder.profile.phone.as_deref().map(mask_phone),
            masked_conflicts: masked_conflicts(&rows),
            rows,
            unsynced,
            rejected,
        })
    }

    /// Changes the server refused, newest first.
    pub async fn rejected_changes(&self) -> Result<Vec<RejectedChangeView>, StationError> {
        self.session()?;
        Ok(self.store().rejected(None).await?.into_iter().map(RejectedChangeView::from).collect())
    }

    /// The rows of every elder the session's user sees here.
    pub(super) async fn visible_rows(&self, session: &Session) -> Result<Vec<ElderRows>, StationError> {
        let communities: Option<Vec<CommunityId>> = match session.user.scope {
            Scope::City => None,
            Scope::Area(area) => {
                let mut all: Vec<CommunityId> = session.communities.iter().copied().collect();
                all.push(area);
                Some(all)
            }
        };
        let documents = self.store().documents(communities.as_deref()).await?;
        let vault = session.vault.clone();
        blocking(move || documents.iter().map(|row| vault.open_rows(row)).collect()).await?
    }
}

/// The competing phones of each phone conflict, masked as the page shows them.
fn masked_conflicts(rows: &ElderRows) -> BTreeMap<String, Vec<String>> {
    rows.conflicts
        .iter()
        .filter(|conflict| conflict.conflict.path.last().is_some_and(|leaf| leaf == "phone"))
        .map(|conflict| {
            let shown = conflict.conflict.values.iter().map(|v| v.value.as_str().map(mask_phone).unwrap_or_default());
            (conflict.field.clone(), shown.collect())
        })
        .collect()
}

impl From<RejectedChange> for RejectedChangeView {
    fn from(change: RejectedChange) -> Self {
        Self {
            elder_id: change.elder,
            hash: change.hash.to_string(),
            code: change.refusal.code,
            field: change.refusal.field,
            reason: change.refusal.reason,
            saved_at: change.saved_at,
            rejected_at: change.rejected_at,
        }
    }
}
