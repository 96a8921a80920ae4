//! The TypeScript declarations of everything that crosses between the window and the
//! Rust core, generated from the Rust types (never written twice by hand) into
//! `ui/src/lib/api/types.ts`. A test fails when the file is stale; run it with
//! `JINLIN_BLESS_TYPES=1` to write it again.

use jinlin_shared::label::{Labelled, Language};
use jinlin_shared::{
    alert, area, author, coverage, document, elder, ids, insurance, limits, materialise, policy, report, roles, roster,
    roster_file, time, user, validate, visit, warning, wire,
};
use ts_rs::{Config, TS};

use crate::app::commands::RecordedVisit;
use crate::station::{session, views};
use crate::{error, forms, status};

/// Where the declarations live, from the workspace root.
pub const TYPES_PATH: &str = "ui/src/lib/api/types.ts";

/// The whole `types.ts`.
#[expect(
    clippy::too_many_lines,
    reason = "the list of every type the window sees, in the order types.ts declares them"
)]
pub fn declarations() -> String {
    let config = Config::default();
    let mut out = String::from(
        "// Generated from the Rust types by `src-tauri/src/typescript.rs`; do not edit.\n\
         // Regenerate: JINLIN_BLESS_TYPES=1 cargo test -p jinlin-desktop --test typescript\n\n",
    );
    macro_rules! declare {
        ($($t:ty),* $(,)?) => {
            $( out.push_str(&format!("export {}\n\n", <$t as TS>::decl(&config))); )*
        };
    }
    declare!(
        // JSON values (a conflict's competing values).
        serde_json::Value,
        // Ids and time.
        ids::ElderId,
        ids::VisitId,
        ids::FollowUpId,
        ids::ContactId,
        ids::EntryId,
        ids::UserId,
        ids::DeviceId,
        ids::AreaId,
        time::Timestamp,
        time::Month,
        // Closed sets.
        elder::Gender,
        elder::LivingArrangement,
        elder::HardshipCategory,
        elder::SeriousCondition,
        elder::CareTier,
        elder::ElderStatus,
        visit::VisitMode,
        visit::VisitOutcome,
        visit::CheckArea,
        visit::CheckState,
        visit::RiskLevel,
        visit::Referral,
        visit::IncidentKind,
        user::Role,
        roles::Operation,
        // People and places.
        area::Scope,
        area::NamedCommunity,
        author::Author,
        user::SignedInUser,
        // The elder's record.
        elder::Profile,
        elder::EmergencyContact,
        elder::StatusChange,
        elder::Placement,
        elder::TierOverride,
        visit::Check,
        visit::FlatChecks,
        visit::Incident,
        visit::VisitVoid,
        visit::VisitRecord,
        visit::Visit,
        visit::FollowUpResolution,
        visit::FollowUp,
        document::Conflict,
        document::ConflictValue,
        insurance::CaseState,
        insurance::CaseStep,
        insurance::InsuranceStep,
        insurance::InsuranceCase,
        materialise::ElderRow,
        materialise::VisitRow,
        materialise::FollowUpRow,
        materialise::ConflictRow,
        materialise::ElderRows,
        // The roster and the elder page.
        roster::RosterFilter,
        roster::RosterQuery,
        roster::RosterEntry,
        roster::AssistantDay,
        coverage::ModeCounts,
        coverage::TierCounts,
        coverage::CoverageTotals,
        session::OfflineReason,
        session::SignIn,
        views::RosterLine,
        views::RosterView,
        views::RejectedChangeView,
        crate::own_edits::Permitted,
        policy::VisitRules,
        views::ElderPage,
        limits::FieldLimits,
        // What the window sends.
        forms::VisitForm,
        forms::FollowUpForm,
        forms::EnrolmentForm,
        forms::ProfileEdit,
        forms::StatusForm,
        forms::MoveForm,
        forms::TierForm,
        forms::InsuranceStepForm,
        RecordedVisit,
        // The supervisor's view.
        area::AreaLevel,
        report::ReportArea,
        report::SummaryLine,
        report::Place,
        report::NotVisitedLine,
        report::TrendPoint,
        report::AreaTrend,
        crate::supervision::CoverageView,
        report::ReportFormat,
        alert::AlertClosure,
        alert::AlertClosed,
        alert::AlertView,
        warning::WarningReason,
        warning::WarningLevel,
        warning::WarningClosure,
        warning::WarningClosed,
        warning::WarningView,
        // Roster files.
        roster_file::RosterColumn,
        roster_file::HeaderReading,
        roster_file::Problem,
        roster_file::RowProblem,
        roster_file::NewElderLine,
        roster_file::FieldChange,
        roster_file::UpdateLine,
        roster_file::MissingLine,
        roster_file::RosterCheck,
        roster_file::RosterReading,
        roster_file::RefusedRow,
        roster_file::RosterApplied,
        // Handing assistants over.
        wire::WaitingOnWorkstation,
        wire::AssistantHandover,
        // Settings.
        Language,
        crate::settings::TextSize,
        crate::settings::WindowSettings,
        crate::server_check::ServerCheck,
        // Sync and errors.
        status::SyncState,
        status::SyncErrorCode,
        jinlin_shared::wire::AppStanding,
        status::SyncStatus,
        error::StationErrorCode,
        validate::RejectCode,
        error::RefusalView,
        error::ErrorView,
    );
    out.push_str(&labels());
    out.push_str(&format!(
        "/** The most characters of each kind of text (shared::limits); the forms show and keep them. */\nexport const FIELD_LIMITS: FieldLimits = {};\n\n",
        serde_json::to_string(&jinlin_shared::limits::FIELD_LIMITS).unwrap_or_default()
    ));
    out.push_str(&format!(
        "/** The event carrying every `SyncStatus` change. */\nexport const SYNC_STATUS_EVENT = {:?};\n",
        crate::app::SYNC_STATUS_EVENT
    ));
    out.push_str(&format!(
        "\n/** Every command the window may call (src-tauri/src/app/command_list.rs). */\nexport const COMMANDS = {} as const;\n\n/** A window command's name. */\nexport type Command = (typeof COMMANDS)[number];\n",
        serde_json::to_string(crate::app::COMMANDS).unwrap_or_default()
    ));
    out
}

/// The zh-CN and English words of every closed set, from the same table the server's
/// exports use, so the window never spells a label twice.
fn labels() -> String {
    let mut out = String::from(
        "/** A closed set's value in both languages. */\nexport type Label = { \"zh-CN\": string, en: string };\n\n",
    );
    macro_rules! labels {
        ($($name:literal => $t:ty),* $(,)?) => {
            $(
                out.push_str(&format!("export const {}: Record<{}, Label> = {{\n", $name, stringify!($t).rsplit("::").next().unwrap_or_default()));
                for value in <$t>::ALL {
                    out.push_str(&format!(
                        "  {:?}: {{ \"zh-CN\": {:?}, en: {:?} }},\n",
                        value.as_str(),
                        value.label(Language::ZhCn),
                        value.label(Language::En)
                    ));
                }
                out.push_str("};\n\n");
            )*
        };
    }
    labels!(
        "GENDER_LABELS" => elder::Gender,
        "LIVING_ARRANGEMENT_LABELS" => elder::LivingArrangement,
        "HARDSHIP_CATEGORY_LABELS" => elder::HardshipCategory,
        "SERIOUS_CONDITION_LABELS" => elder::SeriousCondition,
        "CARE_TIER_LABELS" => elder::CareTier,
        "ELDER_STATUS_LABELS" => elder::ElderStatus,
        "VISIT_MODE_LABELS" => visit::VisitMode,
        "VISIT_OUTCOME_LABELS" => visit::VisitOutcome,
        "CHECK_AREA_LABELS" => visit::CheckArea,
        "CHECK_STATE_LABELS" => visit::CheckState,
        "RISK_LEVEL_LABELS" => visit::RiskLevel,
        "REFERRAL_LABELS" => visit::Referral,
        "INCIDENT_KIND_LABELS" => visit::IncidentKind,
        "CASE_STATE_LABELS" => insurance::CaseState,
        "ROLE_LABELS" => user::Role,
        "OPERATION_LABELS" => roles::Operation,
        "AREA_LEVEL_LABELS" => area::AreaLevel,
        "ALERT_CLOSURE_LABELS" => alert::AlertClosure,
        "WARNING_REASON_LABELS" => warning::WarningReason,
        "WARNING_LEVEL_LABELS" => warning::WarningLevel,
        "WARNING_CLOSURE_LABELS" => warning::WarningClosure,
        "ROSTER_COLUMN_LABELS" => roster_file::RosterColumn,
        "REJECT_CODE_LABELS" => validate::RejectCode,
    );
    out
}
