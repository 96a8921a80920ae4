//! The supervisor's view on a workstation: the area's coverage and alerts from the
//! server, the monthly report saved as a file, and roster files checked and applied. These need the server and keep
//! nothing on disk but the file the supervisor asked for.

use std::path::{Path, PathBuf};

use jinlin_shared::alert::AlertView;
use jinlin_shared::document::InputError;
use jinlin_shared::ids::{CommunityId, VisitId};
use jinlin_shared::label::Language;
use jinlin_shared::report::{AreaTrend, NotVisitedLine, ReportArea, ReportFormat, SummaryLine, TrendPoint};
use jinlin_shared::roster_file::{RosterApplied, RosterReading};
use jinlin_shared::time::{Date, Month};
use jinlin_shared::warning::WarningView;
use jinlin_shared::wire::AssistantHandover;
use serde::Serialize;

use crate::{Station, StationError};

/// The coverage of the caller's area for a month: the summary of every area in it
/// (depth first: the area, then its districts, streets and communities), the elders
/// not visited, and the 12-month trend of the area and of each area in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct CoverageView {
    pub month: Month,
    pub as_of: Date,
    pub area: ReportArea,
    pub summary: Vec<SummaryLine>,
    pub not_visited: Vec<NotVisitedLine>,
    pub trend: Vec<TrendPoint>,
    /// The twelve months of each line of `summary`, by its code.
    pub trend_by_area: Vec<AreaTrend>,
}

impl Station {
    /// The coverage of `area` (a code; the whole scope when none) in `month`.
    pub async fn coverage(&self, month: Month, area: Option<&str>) -> Result<CoverageView, StationError> {
        let (client, token) = self.server_and_token()?;
        let report = client.monthly_report(&token, month, area).await?;
        Ok(CoverageView {
            month: report.month,
            as_of: report.as_of,
            area: report.area,
            summary: report.summary,
            not_visited: report.not_visited,
            trend: report.trend,
            trend_by_area: report.trend_by_area,
        })
    }

    /// Saves the month's report in `format` into `folder`, under the server's name for
    /// it (a number added when that name is taken); returns where. The file appears
    /// whole or not at all.
    pub async fn export_report(
        &self,
        month: Month,
        area: Option<&str>,
        format: ReportFormat,
        language: Language,
        folder: &Path,
    ) -> Result<PathBuf, StationError> {
        let (client, token) = self.server_and_token()?;
        let file = client.report_file(&token, month, area, format, language).await?;
        let folder = folder.to_owned();
        tokio::task::spawn_blocking(move || crate::saved_file::save(&folder, &file.name, &file.bytes))
            .await
            .map_err(|e| StationError::Internal(e.to_string()))?
    }

    /// What importing a roster file would do, as the server checks it; writes nothing.
    pub async fn check_roster_file(&self, bytes: Vec<u8>) -> Result<RosterReading, StationError> {
        let (client, token) = self.server_and_token()?;
        Ok(client.check_roster(&token, bytes).await?)
    }

    /// Applies exactly the check whose digest is `digest`; the new and changed
    /// records then arrive with the next sync, which starts now.
    pub async fn apply_roster_file(&self, bytes: Vec<u8>, digest: &str) -> Result<RosterApplied, StationError> {
        let (client, token) = self.server_and_token()?;
        let applied = client.apply_roster(&token, bytes, digest).await?;
        self.sync_now();
        Ok(applied)
    }

    /// The assistants of the caller's area, with where their changes wait to sync.
    pub async fn handover(&self) -> Result<Vec<AssistantHandover>, StationError> {
        let (client, token) = self.server_and_token()?;
        Ok(client.handover(&token).await?)
    }

    /// Moves an assistant to another community of the area; their sessions end.
    pub async fn move_assistant(
        &self,
        login: &str,
        community: CommunityId,
    ) -> Result<Vec<AssistantHandover>, StationError> {
        let (client, token) = self.server_and_token()?;
        client.move_assistant(&token, login, community).await?;
        Ok(client.handover(&token).await?)
    }

    /// Takes an assistant off; their sessions end; what they queued while allowed still lands.
    pub async fn take_off_assistant(&self, login: &str) -> Result<Vec<AssistantHandover>, StationError> {
        let (client, token) = self.server_and_token()?;
        client.take_off_assistant(&token, login).await?;
        Ok(client.handover(&token).await?)
    }

    /// The alerts of the caller's area, open first.
    pub async fn alerts(&self, all: bool) -> Result<Vec<AlertView>, StationError> {
        let (client, token) = self.server_and_token()?;
        Ok(client.alerts(&token, all).await?)
    }

    /// The early warnings of the caller's area, open first, escalated longest first.
    pub async fn area_warnings(&self, all: bool) -> Result<Vec<WarningView>, StationError> {
        let (client, token) = self.server_and_token()?;
        Ok(client.warnings(&token, all).await?)
    }

    /// Closes an alert with a note saying what was done.
    pub async fn close_alert(&self, visit: VisitId, note: &str) -> Result<AlertView, StationError> {
        if note.trim().is_empty() {
            return Err(StationError::Invalid(InputError::Blank { field: "alert.note" }.into()));
        }
        let (client, token) = self.server_and_token()?;
        Ok(client.close_alert(&token, visit, note.trim()).await?)
    }
}
