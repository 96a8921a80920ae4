//! The supervisors' monthly report: read from the materialised tables (never by
//! loading documents), computed by the shared crate's rules (`jinlin_shared::report`),
//! and rendered as JSON, CSV, XLSX or PDF. Who may ask for which area, and whether
//! unmasked, is decided here once; every export is written to the audit log.

pub mod pdf;
mod read;
pub mod xlsx;

use std::collections::BTreeMap;
use std::io::Write as _;

use jinlin_shared::area::{Area, AreaTree, Scope};
use jinlin_shared::coverage::VisitFacts;
use jinlin_shared::ids::UserId;
use jinlin_shared::label::Language;
use jinlin_shared::materialise::{ConflictRow, FollowUpRow};
use jinlin_shared::policy::Policy;
use jinlin_shared::report::tables::{Cell, Section, Table, table};
use jinlin_shared::report::{MonthlyReport, ReportInput, monthly_report};
use jinlin_shared::roles::Operation;
use jinlin_shared::time::{Month, Timestamp};
use jinlin_shared::user::Role;
use jinlin_shared::visit::{VisitMode, VisitOutcome};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use crate::audit;
use crate::db::entity::user;

/// Elder rows parsed at a time.
const ELDER_PAGE: usize = 2_000;

/// What can stop a report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    #[error("no area with the code or id {0:?}")]
    UnknownArea(String),
    #[error("{0} is outside your area")]
    OutOfScope(String),
    #[error("your role may not export ID numbers and phones unmasked (the role table's unmaskedExport)")]
    UnmaskedNeedsAdmin,
    #[error("an unmasked export needs a stated reason")]
    UnmaskedNeedsReason,
    #[error("{0:?} is not a format (json, csv, xlsx, pdf)")]
    UnknownFormat(String),
    #[error("{0:?} is not a section of the report")]
    UnknownSection(String),
    #[error(transparent)]
    Database(#[from] DbErr),
    #[error("a stored row could not be read: {0}")]
    Corrupt(String),
    #[error("the workbook could not be written: {0}")]
    Workbook(#[from] rust_xlsxwriter::XlsxError),
    #[error(transparent)]
    Pdf(#[from] pdf::PdfError),
}

pub use jinlin_shared::report::ReportFormat as Format;

/// Reads a format's name.
pub fn parse_format(text: &str) -> Result<Format, ReportError> {
    Format::parse(text).ok_or_else(|| ReportError::UnknownFormat(text.to_owned()))
}

/// Who asks, for what, and whether unmasked (with the reason).
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub month: Month,
    /// An area's code or id; `None` for the asker's whole scope.
    pub area: Option<String>,
    /// `Some(reason)` asks for whole ID numbers and phones.
    pub unmasked: Option<String>,
}

/// The asker: a signed-in user, or the server's operator at the command line.
#[derive(Debug, Clone, Copy)]
pub struct Asker {
    pub user: Option<UserId>,
    pub role: Role,
    pub scope: Scope,
}

/// The area the request names (a code, an id, or "city"), checked against the asker's
/// scope; none named is the asker's whole scope. `None` is the city.
pub fn resolve_area<'t>(
    tree: &'t AreaTree,
    asker: &Asker,
    wanted: Option<&str>,
) -> Result<Option<&'t Area>, ReportError> {
    let area = match wanted.map(str::trim).filter(|w| !w.is_empty()) {
        None => match asker.scope {
            Scope::City => None,
            Scope::Area(root) => Some(tree.get(root).ok_or_else(|| ReportError::UnknownArea(root.to_string()))?),
        },
        Some("city") => None,
        Some(wanted) => Some(
            tree.areas()
                .find(|a| a.code == wanted || a.id.to_string() == wanted)
                .ok_or_else(|| ReportError::UnknownArea(wanted.to_owned()))?,
        ),
    };
    let allowed = match (asker.scope, area) {
        (Scope::City, _) => true,
        (Scope::Area(_), None) => false,
        (Scope::Area(root), Some(area)) => tree.ancestry(area.id).iter().any(|a| a.id == root),
    };
    if !allowed {
        return Err(ReportError::OutOfScope(area.map_or_else(|| "the whole city".to_owned(), |a| a.name.clone())));
    }
    Ok(area)
}

/// The stages of a report, for a progress bar.
pub const STAGES: [&str; 5] =
    ["areas and people", "elders", "visits", "follow-ups, conflicts and insurance cases", "computing"];

/// Reads what the month's report needs and computes it. `progress` hears each stage
/// as it starts (index into [`STAGES`]).
pub async fn monthly(
    db: &DatabaseConnection,
    tree: &AreaTree,
    policy: &Policy,
    asker: &Asker,
    request: &ReportRequest,
    now: Timestamp,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<MonthlyReport, ReportError> {
    if request.unmasked.is_some() && !policy.roles.permits(asker.role, Operation::UnmaskedExport) {
        return Err(ReportError::UnmaskedNeedsAdmin);
    }
    if request.unmasked.as_deref().is_some_and(|reason| reason.trim().is_empty()) {
        return Err(ReportError::UnmaskedNeedsReason);
    }
    let area = resolve_area(tree, asker, request.area.as_deref())?.cloned();
    let month = request.month;
    // Count to today while the month runs, else to its last day.
    let as_of = std::cmp::min(now.shanghai_date(), month.last_day());

    progress(0);
    let (people, assistants) = read::people(db).await?;
    progress(1);
    let elders = read::elders(db).await?;
    progress(2);
    let read::MonthVisits { facts: visits, latest_before: before, listed: listed_visits } =
        read::visits(db, month).await?;
    progress(3);
    let follow_up_rows = read::follow_ups(db, month, policy).await?;
    let conflict_rows = read::conflicts(db).await?;
    let insurance_cases = read::insurance_cases(db, month).await?;
    let whole_ids = match request.unmasked {
        None => None,
        Some(_) => Some(read::whole_id_numbers(db).await?),
    };

    progress(4);
    let policy = policy.clone();
    let tree = tree.clone();
    tokio::task::spawn_blocking(move || -> Result<MonthlyReport, ReportError> {
        let mut visits = visits;
        for (elder_id, mode, outcome, latest) in &before {
            if let Some(latest) = latest {
                visits.push(facts(elder_id, *latest, mode, outcome, false)?);
            }
        }
        let follow_ups: Vec<FollowUpRow> = parse_all(&follow_up_rows)?;
        let conflicts: Vec<ConflictRow> = parse_all(&conflict_rows)?;
        Ok(monthly_report(&ReportInput {
            month,
            as_of,
            now,
            tree: &tree,
            area: area.as_ref(),
            elders: &elders,
            visits: &visits,
            listed_visits: &listed_visits,
            follow_ups: &follow_ups,
            conflicts: &conflicts,
            insurance_cases: &insurance_cases,
            people: &people,
            assistants: &assistants,
            unmasked_id_numbers: whole_ids.as_ref(),
            policy: &policy,
        }))
    })
    .await
    .map_err(|e| ReportError::Corrupt(format!("the report's worker failed: {e}")))?
}

fn parse_all<T: serde::de::DeserializeOwned>(rows: &[String]) -> Result<Vec<T>, ReportError> {
    rows.iter().map(|row| serde_json::from_str(row).map_err(|e| ReportError::Corrupt(e.to_string()))).collect()
}

fn facts(elder_id: &str, visited_at: i64, mode: &str, outcome: &str, voided: bool) -> Result<VisitFacts, ReportError> {
    let corrupt = |what: &str| ReportError::Corrupt(format!("visit of {elder_id}: {what}"));
    Ok(VisitFacts {
        elder_id: elder_id.parse().map_err(|_| corrupt("elder id"))?,
        visited_at: Timestamp::from_millis(visited_at),
        mode: VisitMode::parse(mode).ok_or_else(|| corrupt("mode"))?,
        outcome: VisitOutcome::parse(outcome).ok_or_else(|| corrupt("outcome"))?,
        voided,
    })
}

/// One section as CSV: UTF-8 with a byte-order mark, so Excel opens Chinese correctly.
pub fn csv(table: &Table) -> Vec<u8> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut writer = ::csv::Writer::from_writer(&mut out);
        // Writing to memory cannot fail.
        let _ = writer.write_record(&table.headers);
        for row in &table.rows {
            let _ = writer.write_record(row.iter().map(csv_cell));
        }
        let _ = writer.flush();
    }
    out
}

/// A cell as CSV text, never read as a formula by the spreadsheet that opens it.
///
/// Text typed by assistants (a name, an address, a note) that begins with `=`, `+`,
/// `-`, `@`, a tab or a carriage return would be run as a formula by Excel or
/// LibreOffice (`=HYPERLINK(…)` sending the sheet's data away), so it is prefixed with
/// a single quote, as OWASP recommends. Only `Cell::Text` is touched: counts, rates,
/// dates and times are made by the report, never typed, and a negative count must
/// stay a number. A phone typed as `+86…` does show as `'+86…`; that is the price.
fn csv_cell(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) if text.starts_with(['=', '+', '-', '@', '\t', '\r']) => format!("'{text}"),
        other => other.text(),
    }
}

/// The report in `format`: JSON whole, CSV one section, XLSX a sheet per section, PDF
/// the month on one page.
pub fn render(
    report: &MonthlyReport,
    format: Format,
    section: Section,
    language: Language,
    generated_at: Timestamp,
) -> Result<Vec<u8>, ReportError> {
    Ok(match format {
        Format::Json => {
            let mut out = serde_json::to_vec_pretty(report).map_err(|e| ReportError::Corrupt(e.to_string()))?;
            let _ = out.write_all(b"\n");
            out
        }
        Format::Csv => csv(&table(report, section, language)),
        Format::Xlsx => xlsx::workbook(report, generated_at, language)?,
        Format::Pdf => pdf::summary(report, generated_at, language)?,
    })
}

/// What the audit log keeps of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportRecord {
    pub month: Month,
    /// The area's name and code ("全市" for the city).
    pub area: String,
    pub area_code: String,
    pub format: Format,
    pub masked: bool,
    pub reason: Option<String>,
    /// "http" or "cli".
    pub via: String,
}

/// The audit log's action for an export.
pub const EXPORT_ACTION: &str = "report.export";
/// The audit log's action for a report shown on a screen (the desktop's supervisor
/// view), masked: audited like an export, listed apart from them.
pub const VIEW_ACTION: &str = "report.view";
/// The audit log's action for a report shown on a screen unmasked: it showed whole ID
/// numbers and phones, so it is listed with the exports, where an administrator
/// looks for where they went.
pub const UNMASKED_VIEW_ACTION: &str = "report.view.unmasked";

/// Why a report is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Purpose {
    /// A file to keep (the default).
    Export,
    /// Shown on a screen.
    View,
}

impl Purpose {
    fn action(self, masked: bool) -> &'static str {
        match (self, masked) {
            (Purpose::Export, _) => EXPORT_ACTION,
            (Purpose::View, true) => VIEW_ACTION,
            (Purpose::View, false) => UNMASKED_VIEW_ACTION,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Export => "export",
            Purpose::View => "view",
        }
    }
}

/// Writes the export, or the view, to the audit log.
pub async fn audit_export(
    db: &DatabaseConnection,
    at: Timestamp,
    asker: &Asker,
    record: &ExportRecord,
    purpose: Purpose,
) -> Result<(), DbErr> {
    let detail = serde_json::to_value(record).unwrap_or_default();
    audit::record(db, at, asker.user.map(|u| u.to_string()).as_deref(), purpose.action(record.masked), detail).await
}

/// One export as the audit log lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportEntry {
    pub at: Timestamp,
    /// The user's login, or `None` for the server's command line.
    pub by: Option<String>,
    /// `view` for an unmasked report shown on a screen; `export` for a file.
    pub purpose: Purpose,
    #[serde(flatten)]
    pub export: ExportRecord,
}

/// Every export, and every unmasked view, newest first.
pub async fn exports(db: &DatabaseConnection) -> Result<Vec<ExportEntry>, ReportError> {
    use crate::db::entity::audit as log;
    use sea_orm::QueryOrder;
    let logins: BTreeMap<String, String> =
        user::Entity::find().all(db).await?.into_iter().map(|u| (u.id, u.login)).collect();
    let rows = log::Entity::find()
        .filter(log::Column::Action.is_in([EXPORT_ACTION, UNMASKED_VIEW_ACTION]))
        .order_by_desc(log::Column::Id)
        .all(db)
        .await?;
    rows.into_iter()
        .map(|row| {
            Ok(ExportEntry {
                at: Timestamp::from_millis(row.at),
                by: row.user_id.map(|id| logins.get(&id).cloned().unwrap_or(id)),
                purpose: if row.action == EXPORT_ACTION { Purpose::Export } else { Purpose::View },
                export: serde_json::from_str(&row.detail).map_err(|e| ReportError::Corrupt(e.to_string()))?,
            })
        })
        .collect()
}

/// The whole report's record for the audit log.
pub fn export_record(report: &MonthlyReport, format: Format, reason: Option<&str>, via: &str) -> ExportRecord {
    ExportRecord {
        month: report.month,
        area: report.area.name.clone(),
        area_code: report.area.code.clone(),
        format,
        masked: report.masked,
        reason: reason.map(str::to_owned),
        via: via.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_text_a_spreadsheet_would_run_and_leaves_numbers_alone() {
        for formula in ["=1+1", "+86 139", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_cell(&Cell::Text(formula.into())), format!("'{formula}"));
        }
        assert_eq!(csv_cell(&Cell::Text("王 =1".into())), "王 =1");
        assert_eq!(csv_cell(&Cell::Text(String::new())), "");
        assert_eq!(csv_cell(&Cell::Count(-3)), "-3");
    }
}
