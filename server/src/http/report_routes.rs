//! Reports: the monthly report of an area in the caller's scope, as JSON, CSV, XLSX
//! or PDF, a few at a time, and the list of exports from the audit log.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use jinlin_shared::label::Language;
use jinlin_shared::report::tables::Section;
use jinlin_shared::time::Month;
use jinlin_shared::user::Role;
use serde::Deserialize;

use super::error::ApiError;
use super::extract::ApiQuery;
use crate::auth::Caller;
use crate::report::{self, Asker, ExportEntry, Format, Purpose, ReportError, ReportRequest};
use crate::state::{AppState, REPORT_RETRY_AFTER_SECONDS};

pub fn router() -> Router<AppState> {
    Router::new().route("/reports/monthly", get(monthly)).route("/reports/exports", get(exports))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MonthlyQuery {
    month: String,
    /// An area's code or id; the caller's whole scope when left out.
    #[serde(default)]
    area: Option<String>,
    #[serde(default)]
    format: Option<String>,
    /// For CSV, the section (`summary` when left out).
    #[serde(default)]
    section: Option<String>,
    /// `en` for English headers; Chinese by default.
    #[serde(default)]
    lang: Option<String>,
    /// `true` asks for whole ID numbers and phones (administrators, with a reason).
    #[serde(default)]
    unmasked: bool,
    #[serde(default)]
    reason: Option<String>,
    /// `view` for a report shown on a screen (audited as `report.view`, not listed
    /// among the exports); `export` when left out.
    #[serde(default)]
    purpose: Option<String>,
}

impl From<ReportError> for ApiError {
    fn from(error: ReportError) -> Self {
        match error {
            ReportError::UnknownArea(_) => ApiError::NotFound(error.to_string()),
            ReportError::OutOfScope(_) | ReportError::UnmaskedNeedsAdmin => ApiError::Forbidden(error.to_string()),
            ReportError::UnmaskedNeedsReason | ReportError::UnknownFormat(_) | ReportError::UnknownSection(_) => {
                ApiError::BadRequest(error.to_string())
            }
            ReportError::Database(e) => e.into(),
            ReportError::Corrupt(_) | ReportError::Workbook(_) | ReportError::Pdf(_) => {
                ApiError::Internal(anyhow::Error::new(error))
            }
        }
    }
}

/// `GET /reports/monthly?month=2026-11&area=350203&format=json|csv|xlsx|pdf&section=…&lang=en`.
/// Every export is audited: who, when, which area, masked or not, and why; so is a
/// report shown on a screen (`purpose=view`), under its own action.
///
/// At most [`crate::state::Limits::concurrent_reports`] are made at once; one more is
/// refused at once with 503 and `Retry-After` rather than queued.
async fn monthly(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<MonthlyQuery>,
) -> Result<Response, ApiError> {
    let month: Month =
        query.month.parse().map_err(|_| ApiError::BadRequest(format!("{:?} is not a month (YYYY-MM)", query.month)))?;
    let format = report::parse_format(query.format.as_deref().unwrap_or("json"))?;
    let section = match query.section.as_deref() {
        None => Section::Summary,
        Some(slug) => Section::from_slug(slug).ok_or_else(|| ReportError::UnknownSection(slug.to_owned()))?,
    };
    let language = if query.lang.as_deref() == Some("en") { Language::En } else { Language::ZhCn };
    let purpose = match query.purpose.as_deref() {
        None | Some("export") => Purpose::Export,
        Some("view") => Purpose::View,
        Some(other) => return Err(ApiError::BadRequest(format!("{other:?} is not a purpose (export, view)"))),
    };
    let unmasked = match (query.unmasked, query.reason) {
        (true, reason) => Some(reason.unwrap_or_default()),
        (false, _) => None,
    };
    // Taken after the request is known to be well formed, held until the body is made.
    let _slot = state
        .report_slots
        .clone()
        .try_acquire_owned()
        .map_err(|_| ApiError::ReportsBusy { retry_after_seconds: REPORT_RETRY_AFTER_SECONDS })?;
    let asker = Asker { user: Some(caller.user), role: caller.role, scope: caller.scope };
    let request = ReportRequest { month, area: query.area, unmasked: unmasked.clone() };
    let tree = state.areas().await?;
    let at = state.now();
    let report = report::monthly(&state.db, &tree, &state.policy, &asker, &request, at, &|_| {}).await?;
    let record = report::export_record(&report, format, unmasked.as_deref(), "http");
    let (month, area_code) = (report.month, report.area.code.clone());
    // A city's workbook or page takes a while to make: off the async threads.
    let body = tokio::task::spawn_blocking(move || report::render(&report, format, section, language, at))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("the report's renderer failed: {e}")))??;
    // Audited once made, before a byte of it is sent: a report that could not be made
    // is not listed as exported.
    report::audit_export(&state.db, at, &asker, &record, purpose).await?;
    let file = match format {
        Format::Csv => format!("jinlin-{month}-{}-{}.csv", file_part(&area_code), section.slug()),
        other => format!("jinlin-{month}-{}.{}", file_part(&area_code), other.as_str()),
    };
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
        ],
        body,
    )
        .into_response())
}

/// An area's code as part of a file name: the city when empty, and only characters
/// that need no quoting, since codes are whatever the area import was given and a
/// quote or a line break would make the header invalid (and the answer a 500).
fn file_part(code: &str) -> String {
    if code.is_empty() {
        return "city".to_owned();
    }
    code.chars().take(64).map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' }).collect()
}

/// `GET /reports/exports`: every export, newest first (administrators).
async fn exports(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<ExportEntry>>, ApiError> {
    if caller.role != Role::Admin {
        return Err(ApiError::Forbidden("only an administrator may list exports".into()));
    }
    Ok(Json(report::exports(&state.db).await?))
}
