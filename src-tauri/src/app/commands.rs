//! The window's commands: each a thin wrapper over one [`Station`] operation, with
//! errors crossing as `{ code, message }` ([`ErrorView`]).

use jinlin_shared::ids::{CommunityId, ElderId, FollowUpId, VisitId};
use jinlin_shared::roster::RosterQuery;
use jinlin_shared::roster_file::{RosterApplied, RosterReading};
use jinlin_shared::time::Timestamp;
use jinlin_shared::user::SignedInUser;
use jinlin_shared::wire::AssistantHandover;
use tauri::State;

use super::{ExportFolder, SettingsState};
use crate::forms::{EnrolmentForm, InsuranceStepForm, MoveForm, ProfileEdit, StatusForm, TierForm, VisitForm};
use crate::settings::WindowSettings;
use crate::supervision::CoverageView;
use crate::{ElderPage, ErrorView, RejectedChangeView, RosterView, SignIn, Station, StationError, SyncStatus};
use jinlin_shared::alert::AlertView;
use jinlin_shared::label::Language;
use jinlin_shared::report::ReportFormat;
use jinlin_shared::time::Month;
use jinlin_shared::warning::WarningView;

type Answer<T> = Result<T, ErrorView>;

fn view(error: StationError) -> ErrorView {
    ErrorView::from(&error)
}

#[tauri::command]
pub async fn sign_in(station: State<'_, Station>, login: String, password: String) -> Answer<SignIn> {
    station.sign_in(&login, &password).await.map_err(view)
}

#[tauri::command]
pub async fn sign_out(station: State<'_, Station>) -> Answer<()> {
    station.sign_out().await.map_err(view)
}

#[tauri::command]
pub fn current_user(station: State<'_, Station>) -> Option<SignedInUser> {
    station.current_user()
}

#[tauri::command]
pub async fn known_users(station: State<'_, Station>) -> Answer<Vec<SignedInUser>> {
    station.known_users().await.map_err(view)
}

#[tauri::command]
pub async fn roster(station: State<'_, Station>, query: RosterQuery) -> Answer<RosterView> {
    station.roster(&query).await.map_err(view)
}

#[tauri::command]
pub async fn elder(station: State<'_, Station>, elder: ElderId) -> Answer<ElderPage> {
    station.elder(elder).await.map_err(view)
}

#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct RecordedVisit {
    pub visit: VisitId,
    pub page: ElderPage,
}

#[tauri::command]
pub async fn record_visit(station: State<'_, Station>, elder: ElderId, form: VisitForm) -> Answer<RecordedVisit> {
    let (visit, page) = station.record_visit(elder, form).await.map_err(view)?;
    Ok(RecordedVisit { visit, page })
}

#[tauri::command]
pub async fn correct_visit(
    station: State<'_, Station>,
    elder: ElderId,
    visit: VisitId,
    visited_at: Timestamp,
    form: VisitForm,
) -> Answer<ElderPage> {
    station.correct_visit(elder, visit, visited_at, form).await.map_err(view)
}

#[tauri::command]
pub async fn void_visit(
    station: State<'_, Station>,
    elder: ElderId,
    visit: VisitId,
    reason: String,
) -> Answer<ElderPage> {
    station.void_visit(elder, visit, &reason).await.map_err(view)
}

#[tauri::command]
pub async fn resolve_follow_up(
    station: State<'_, Station>,
    elder: ElderId,
    follow_up: FollowUpId,
    note: String,
) -> Answer<ElderPage> {
    station.resolve_follow_up(elder, follow_up, &note).await.map_err(view)
}

#[tauri::command]
pub async fn change_status(station: State<'_, Station>, elder: ElderId, form: StatusForm) -> Answer<ElderPage> {
    station.change_status(elder, form).await.map_err(view)
}

#[tauri::command]
pub async fn move_elder(station: State<'_, Station>, elder: ElderId, form: MoveForm) -> Answer<ElderPage> {
    station.move_elder(elder, form).await.map_err(view)
}

#[tauri::command]
pub async fn set_tier(station: State<'_, Station>, elder: ElderId, form: TierForm) -> Answer<ElderPage> {
    station.set_tier(elder, form).await.map_err(view)
}

#[tauri::command]
pub async fn move_insurance_case(
    station: State<'_, Station>,
    elder: ElderId,
    form: InsuranceStepForm,
) -> Answer<ElderPage> {
    station.move_insurance_case(elder, form).await.map_err(view)
}

#[tauri::command]
pub async fn enrol_elder(station: State<'_, Station>, form: EnrolmentForm) -> Answer<ElderPage> {
    station.enrol_elder(form).await.map_err(view)
}

#[tauri::command]
pub async fn update_profile(station: State<'_, Station>, elder: ElderId, edits: Vec<ProfileEdit>) -> Answer<ElderPage> {
    let now = station.now();
    let changes = edits.into_iter().map(|e| e.into_change(now)).collect();
    station.update_profile(elder, changes).await.map_err(view)
}

#[tauri::command]
pub async fn submit_id_number(station: State<'_, Station>, elder: ElderId, id_number: String) -> Answer<String> {
    station.submit_id_number(elder, &id_number).await.map_err(view)
}

#[tauri::command]
pub async fn resolve_conflict(
    station: State<'_, Station>,
    elder: ElderId,
    field: String,
    chosen: serde_json::Value,
) -> Answer<ElderPage> {
    station.resolve_conflict(elder, &field, chosen).await.map_err(view)
}

#[tauri::command]
pub async fn rejected_changes(station: State<'_, Station>) -> Answer<Vec<RejectedChangeView>> {
    station.rejected_changes().await.map_err(view)
}

#[tauri::command]
pub fn sync_now(station: State<'_, Station>) {
    station.sync_now();
}

#[tauri::command]
pub fn sync_status(station: State<'_, Station>) -> SyncStatus {
    station.sync_status()
}

#[tauri::command]
pub fn settings(settings: State<'_, SettingsState>) -> WindowSettings {
    settings.current.lock().unwrap_or_else(|p| p.into_inner()).window()
}

/// Checks the choices, saves them whole, then points the workstation at the server
/// they name. A refused choice changes nothing.
#[tauri::command]
pub fn save_settings(
    station: State<'_, Station>,
    settings: State<'_, SettingsState>,
    chosen: WindowSettings,
) -> Answer<WindowSettings> {
    let mut current = settings.current.lock().unwrap_or_else(|p| p.into_inner());
    let changed = current.with_window(&chosen).map_err(|e| view(e.into()))?;
    if let Some(file) = &settings.file {
        changed.save(file).map_err(|e| view(e.into()))?;
    }
    if changed.server != current.server || changed.ca_certificate != current.ca_certificate {
        station.set_server(&changed.server, changed.ca_certificate.as_deref()).map_err(view)?;
    }
    *current = changed;
    Ok(current.window())
}

/// Tests a server address (and authority file) before it is saved: the first-run
/// screen asks this first.
#[tauri::command]
pub async fn check_server(server: String, ca_certificate: Option<String>) -> Answer<crate::server_check::ServerCheck> {
    crate::server_check::check_server(&server, ca_certificate.as_deref()).await.map_err(view)
}

#[tauri::command]
pub fn lock(station: State<'_, Station>) -> Answer<()> {
    station.lock().map_err(view)
}

#[tauri::command]
pub async fn unlock(station: State<'_, Station>, password: String) -> Answer<SignedInUser> {
    station.unlock(&password).await.map_err(view)
}

#[tauri::command]
pub fn is_locked(station: State<'_, Station>) -> bool {
    station.is_locked()
}

#[tauri::command]
pub async fn coverage(station: State<'_, Station>, month: Month, area: Option<String>) -> Answer<CoverageView> {
    station.coverage(month, area.as_deref()).await.map_err(view)
}

/// Saves the report in the export folder; answers the file's path.
#[tauri::command]
pub async fn export_report<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    station: State<'_, Station>,
    folder: State<'_, ExportFolder>,
    month: Month,
    area: Option<String>,
    format: ReportFormat,
    language: Language,
) -> Answer<String> {
    let folder = export_folder(&app, &folder)?;
    let path = station.export_report(month, area.as_deref(), format, language, &folder).await.map_err(view)?;
    Ok(path.display().to_string())
}

/// Where saved files go: the folder set in the settings, else Downloads, else home.
fn export_folder<R: tauri::Runtime>(app: &tauri::AppHandle<R>, folder: &ExportFolder) -> Answer<std::path::PathBuf> {
    use tauri::Manager as _;
    folder
        .0
        .clone()
        .or_else(|| app.path().download_dir().ok())
        .or_else(|| app.path().home_dir().ok())
        .ok_or_else(|| view(StationError::SaveFailed { folder: "~".into(), reason: "no download folder".into() }))
}

/// Saves the elder's visit record (探访记录表) as a PDF in the export folder; answers its path.
#[tauri::command]
pub async fn print_visit_record<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    station: State<'_, Station>,
    folder: State<'_, ExportFolder>,
    elder: ElderId,
    language: Language,
) -> Answer<String> {
    let folder = export_folder(&app, &folder)?;
    let path = station.print_visit_record(elder, language, &folder).await.map_err(view)?;
    Ok(path.display().to_string())
}

/// Saves today's round list as a PDF in the export folder; answers its path.
#[tauri::command]
pub async fn print_round_list<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    station: State<'_, Station>,
    folder: State<'_, ExportFolder>,
    language: Language,
) -> Answer<String> {
    let folder = export_folder(&app, &folder)?;
    let path = station.print_round_list(language, &folder).await.map_err(view)?;
    Ok(path.display().to_string())
}

#[tauri::command]
pub async fn alerts(station: State<'_, Station>, all: bool) -> Answer<Vec<AlertView>> {
    station.alerts(all).await.map_err(view)
}

#[tauri::command]
pub async fn warnings(station: State<'_, Station>, all: bool) -> Answer<Vec<WarningView>> {
    station.area_warnings(all).await.map_err(view)
}

#[tauri::command]
pub async fn close_alert(station: State<'_, Station>, visit: VisitId, note: String) -> Answer<AlertView> {
    station.close_alert(visit, &note).await.map_err(view)
}

/// The bytes of a file the window read, sent as base64.
fn file_bytes(content: &str) -> Result<Vec<u8>, ErrorView> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(content)
        .map_err(|e| view(StationError::Internal(format!("the file did not arrive whole: {e}"))))
}

#[tauri::command]
pub async fn check_roster_file(station: State<'_, Station>, content: String) -> Answer<RosterReading> {
    let bytes = file_bytes(&content)?;
    station.check_roster_file(bytes).await.map_err(view)
}

#[tauri::command]
pub async fn apply_roster_file(station: State<'_, Station>, content: String, digest: String) -> Answer<RosterApplied> {
    let bytes = file_bytes(&content)?;
    station.apply_roster_file(bytes, &digest).await.map_err(view)
}

#[tauri::command]
pub async fn handover(station: State<'_, Station>) -> Answer<Vec<AssistantHandover>> {
    station.handover().await.map_err(view)
}

#[tauri::command]
pub async fn move_assistant(
    station: State<'_, Station>,
    login: String,
    community: CommunityId,
) -> Answer<Vec<AssistantHandover>> {
    station.move_assistant(&login, community).await.map_err(view)
}

#[tauri::command]
pub async fn take_off_assistant(station: State<'_, Station>, login: String) -> Answer<Vec<AssistantHandover>> {
    station.take_off_assistant(&login).await.map_err(view)
}
