//! `jinlin-station`: the workstation without a window, for scripting, support and
//! tests. The same core as the app: sign in, list the roster, record a visit, sync,
//! show the sync status, or run with the sync engine in the background.
//!
//! The user signs in on every run (`--login`, the password from `JINLIN_PASSWORD` or
//! the first line of standard input): the store's key exists only in memory.

use std::io::BufRead as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use jinlin_desktop::forms::VisitForm;
use jinlin_desktop::{
    Clock, RosterView, Station, StationConfig, StationError, StationErrorCode, SyncEngine, SyncSettings,
};
use jinlin_shared::ids::ElderId;
use jinlin_shared::roster::{RosterFilter, RosterQuery};
use jinlin_shared::visit::{Checks, RiskLevel, VisitMode, VisitOutcome, VisitRecord};
use serde::Deserialize;

#[derive(Debug, Parser)]
#[command(name = "jinlin-station", version, about = "Jinlin workstation (近邻工作站) without a window")]
struct Cli {
    /// Where the workstation keeps its store.
    #[arg(long, env = "JINLIN_STATION_DATA", default_value = "jinlin-station-data")]
    data: PathBuf,
    /// The sync server.
    #[arg(long, env = "JINLIN_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
    /// A certificate authority (PEM file) to trust besides the platform's.
    #[arg(long, env = "JINLIN_CA_CERT")]
    ca_certificate: Option<PathBuf>,
    /// Where the daily log files go; the platform's log folder when left out.
    #[arg(long, env = "JINLIN_LOG_DIR")]
    log_dir: Option<PathBuf>,
    /// Who signs in.
    #[arg(long, env = "JINLIN_LOGIN")]
    login: Option<String>,
    /// What the server's device list calls this workstation.
    #[arg(long, default_value = "jinlin-station")]
    device_name: String,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sign in (online the first time) and sync once.
    SignIn,
    /// The roster, most urgent first.
    Roster(RosterArgs),
    /// Record a visit from flags, or from a JSON visit form (`--file`).
    Record(RecordArgs),
    /// Sync once now.
    Sync,
    /// The sync status and the changes the server refused.
    Status,
    /// Keep the sync engine running; print each status change as a JSON line, and
    /// record each visit given on standard input as a JSON line
    /// `{"elder": "…", "visit": {…}}`, answering `saved <visit id>` once it is durable.
    Run,
}

#[derive(Debug, clap::Args)]
struct RosterArgs {
    #[arg(long)]
    due: bool,
    #[arg(long)]
    overdue: bool,
    #[arg(long)]
    visited: bool,
    #[arg(long)]
    conflicts: bool,
    /// Part of a name, or pinyin initials.
    #[arg(long, default_value = "")]
    search: String,
}

#[derive(Debug, clap::Args)]
struct RecordArgs {
    #[arg(long)]
    elder: ElderId,
    #[arg(long)]
    file: Option<PathBuf>,
    #[arg(long, default_value = "home")]
    mode: String,
    #[arg(long, default_value = "metElder")]
    outcome: String,
    #[arg(long, default_value = "green")]
    risk: String,
    #[arg(long, default_value = "")]
    notes: String,
    /// Save only; do not try to sync afterwards.
    #[arg(long)]
    no_sync: bool,
}

#[derive(Debug, Deserialize)]
struct VisitLine {
    elder: ElderId,
    visit: VisitForm,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // The same daily files as the window's; kept until the process ends.
    let log_dir = cli.log_dir.clone().unwrap_or_else(jinlin_desktop::logging::default_dir);
    let _logs = jinlin_desktop::logging::init(&log_dir)
        .map_err(|error| eprintln!("jinlin-station: no log files in {}: {error}", log_dir.display()))
        .ok();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("jinlin-station: {error}");
            // One exit code per kind of failure, for scripts.
            ExitCode::from(match error.code() {
                StationErrorCode::WrongPassword | StationErrorCode::FirstSignInNeedsServer => 3,
                StationErrorCode::BadSettings => 2,
                StationErrorCode::Offline => 4,
                StationErrorCode::SessionExpired | StationErrorCode::DeviceRevoked => 5,
                StationErrorCode::Invalid | StationErrorCode::UnknownElder | StationErrorCode::OutOfScope => 6,
                _ => 1,
            })
        }
    }
}

async fn run(cli: Cli) -> Result<(), StationError> {
    let station = Station::open(StationConfig {
        data_dir: cli.data.clone(),
        server: cli.server.clone(),
        server_ca: cli.ca_certificate.clone(),
        device_name: cli.device_name.clone(),
        clock: Clock::system(),
    })
    .await?;
    let json = cli.json;
    if let Command::Status = cli.command {
        let status = station.sync_status();
        print(json, &status, || format!("{:?}: {} waiting, {} refused", status.state, status.pending, status.rejected));
        return Ok(());
    }
    let login =
        cli.login.clone().ok_or_else(|| StationError::Internal("--login (or JINLIN_LOGIN) is needed".into()))?;
    let signed_in = station.sign_in(&login, &read_password()?).await?;
    if let Some(reason) = signed_in.offline {
        eprintln!(
            "jinlin-station: signed in on this workstation alone ({reason:?}); changes wait here until the server answers"
        );
    }
    let user = signed_in.user;
    match cli.command {
        Command::SignIn => {
            let report = station.sync_once().await;
            print(json, &user, || format!("signed in as {} ({})", user.display_name, user.login));
            match report {
                Ok(_) | Err(StationError::Offline) => Ok(()),
                Err(error) => Err(error),
            }
        }
        Command::Roster(args) => {
            let view = station.roster(&roster_query(args)).await?;
            print(json, &view, || roster_text(&view));
            Ok(())
        }
        Command::Record(args) => record(&station, args).await,
        Command::Sync => {
            let report = station.sync_once().await?;
            print(json, &report, || {
                format!(
                    "pushed {}, received {}",
                    count(report.pushed.into(), "change", "changes"),
                    count(report.pulled_documents.into(), "document", "documents")
                )
            });
            Ok(())
        }
        Command::Status => Ok(()),
        Command::Run => run_engine(station).await,
    }
}

/// The password from `JINLIN_PASSWORD`, else the first line of standard input.
fn read_password() -> Result<String, StationError> {
    if let Ok(password) = std::env::var("JINLIN_PASSWORD") {
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| StationError::Internal(e.to_string()))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn roster_query(args: RosterArgs) -> RosterQuery {
    let filters = [
        (args.due, RosterFilter::DueThisMonth),
        (args.overdue, RosterFilter::Overdue),
        (args.visited, RosterFilter::VisitedThisMonth),
        (args.conflicts, RosterFilter::OpenConflicts),
    ]
    .into_iter()
    .filter_map(|(on, filter)| on.then_some(filter))
    .collect();
    RosterQuery { filters, search: args.search }
}

fn roster_text(view: &RosterView) -> String {
    let mut text = format!("{}\n", count(view.lines.len() as u64, "elder", "elders"));
    for line in &view.lines {
        let e = &line.entry;
        let state = if e.visited_this_month {
            "visited"
        } else if e.days_overdue > 0 {
            "overdue"
        } else {
            "due"
        };
        let unsynced = if line.unsynced > 0 { "  (not yet synced)" } else { "" };
        let conflict = if e.open_conflicts > 0 { "  (conflict)" } else { "" };
        text.push_str(&format!("{}  {}  {state}{unsynced}{conflict}\n", e.elder_id, e.name));
    }
    text
}

async fn record(station: &Station, args: RecordArgs) -> Result<(), StationError> {
    let form = match &args.file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| StationError::Internal(format!("{}: {e}", path.display())))?;
            serde_json::from_str(&text)
                .map_err(|e| StationError::Internal(format!("{} is not a visit form: {e}", path.display())))?
        }
        None => VisitForm {
            visited_at: None,
            record: VisitRecord {
                mode: parse(&args.mode, VisitMode::parse)?,
                outcome: parse(&args.outcome, VisitOutcome::parse)?,
                checks: Checks::not_checked(),
                risk: parse(&args.risk, RiskLevel::parse)?,
                referrals: Default::default(),
                incident: None,
                notes: args.notes,
            },
            follow_up: None,
            completes: Vec::new(),
        },
    };
    let (visit, _) = station.record_visit(args.elder, form).await?;
    say(format_args!("saved {visit}"));
    if !args.no_sync {
        match station.sync_once().await {
            Ok(_) => say("synced"),
            Err(StationError::Offline) => say("waiting for the server"),
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// "1 elder", "2 elders".
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

async fn run_engine(station: Station) -> Result<(), StationError> {
    let mut events = station.subscribe();
    let engine = SyncEngine::start(&station, SyncSettings::default());
    // Made once, before the loop: a listener made afresh on every turn would miss a
    // signal that lands between two turns.
    let stop = stop_requested();
    tokio::pin!(stop);
    let mut input = Some(standard_input_lines());
    loop {
        tokio::select! {
            () = &mut stop => break,
            event = events.recv() => match event {
                Ok(status) => say(format_args!("status {}", serde_json::to_string(&status).unwrap_or_default())),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
            line = next_line(input.as_mut()) => match line {
                // Standard input ended (a service manager gives none): no more visits
                // come that way, and the engine goes on syncing until a signal stops it.
                None => input = None,
                Some(line) if line.trim().is_empty() => {}
                Some(line) => record_line(&station, &line).await,
            },
        }
    }
    engine.stop().await;
    Ok(())
}

/// Lines of standard input, read on their own thread (reading blocks); the channel
/// closes when standard input ends.
fn standard_input_lines() -> tokio::sync::mpsc::Receiver<String> {
    let (lines_tx, lines) = tokio::sync::mpsc::channel::<String>(16);
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            if lines_tx.blocking_send(line).is_err() {
                break;
            }
        }
    });
    lines
}

/// The next line of standard input; once it has ended, never.
async fn next_line(input: Option<&mut tokio::sync::mpsc::Receiver<String>>) -> Option<String> {
    match input {
        Some(lines) => lines.recv().await,
        None => std::future::pending().await,
    }
}

/// Records the visit a line of standard input gives, answering `saved <id>` once it
/// is durable, or `refused {code, message}`.
async fn record_line(station: &Station, line: &str) {
    match serde_json::from_str::<VisitLine>(line) {
        Ok(VisitLine { elder, visit }) => match station.record_visit(elder, visit).await {
            Ok((id, _)) => say(format_args!("saved {id}")),
            Err(error) => say(format_args!(
                "refused {}",
                serde_json::to_string(&jinlin_desktop::ErrorView::from(&error)).unwrap_or_default()
            )),
        },
        Err(error) => say(format_args!("refused {{\"code\":\"invalid\",\"message\":{:?}}}", error.to_string())),
    }
}

/// Completes on Ctrl-C, or on SIGTERM where there is one (a service manager's stop).
/// The SIGTERM listener is made now, when this is called, not when first polled.
fn stop_requested() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        #[cfg(unix)]
        let terminate = async move {
            match terminate {
                Some(mut terminate) => {
                    terminate.recv().await;
                }
                None => std::future::pending().await,
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = terminate => {}
        }
    }
}

/// One line on standard output. A reader that has gone away (`jinlin-station roster |
/// head`) is no error: the line is dropped, where `println!` would panic.
fn say(text: impl std::fmt::Display) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}").and_then(|()| out.flush());
}

fn parse<T>(text: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T, StationError> {
    parse(text).ok_or_else(|| StationError::Internal(format!("{text:?} is not one of the choices")))
}

fn print<T: serde::Serialize>(json: bool, value: &T, text: impl FnOnce() -> String) {
    if json {
        say(serde_json::to_string_pretty(value).unwrap_or_default());
    } else {
        say(text().trim_end());
    }
}
