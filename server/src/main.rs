//! The `jinlin-server` command: serve, migrate, users, areas, and report exports.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use jinlin_server::console::{self, progress};
use jinlin_server::db::{self, DEFAULT_DATABASE_URL};
use jinlin_server::{AppState, Application, Limits, admin, report, shutdown_signal};
use jinlin_shared::area::Scope;
use jinlin_shared::label::Language;
use jinlin_shared::policy::Policy;
use jinlin_shared::report::tables::Section;
use jinlin_shared::user::Role;

/// One line on standard output; a reader gone away ends the command quietly
/// ([`console::line`]).
macro_rules! say {
    ($($arg:tt)*) => {
        console::line(format_args!($($arg)*))?
    };
}

#[derive(Parser)]
#[command(name = "jinlin-server", version, about = "Jinlin's sync server and its administration")]
struct Cli {
    /// The central database: sqlite://FILE (the default, created on first use) or postgres://…
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    database_url: String,
    /// A visit policy file (TOML); DOMAIN.md's default rules otherwise.
    #[arg(long, env = "JINLIN_POLICY", global = true)]
    policy: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (migrating the database first).
    Serve(ServeArgs),
    /// Bring the database schema up to date.
    Migrate,
    /// Load a synthetic Xiamen-like city (areas, users, elders, a year of visits).
    Demo {
        /// The fraction of the city to build (1.0: 525 communities, 14,000 elders).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage workstations.
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// Manage areas (district > street > community).
    Area {
        #[command(subcommand)]
        command: AreaCommand,
    },
    /// An elder's records: erase the identity record on request (PIPL art. 47).
    Elder {
        #[command(subcommand)]
        command: ElderCommand,
    },
    /// Import the roster of elders.
    Roster {
        #[command(subcommand)]
        command: RosterCommand,
    },
    /// Export an area's monthly report (ID numbers and phones masked unless
    /// --unmasked-reason is given; every export is audited).
    Export(ExportArgs),
    /// List every export (and every unmasked view) from the audit log, newest first.
    Exports,
    /// Write a consistent copy of the database to a new file while the server runs
    /// (SQLite: VACUUM INTO; PostgreSQL: pg_dump in custom format), and check it.
    Backup {
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Check a backup, say what restoring it would do, and (with --yes, or when asked)
    /// put it in the database's place. Stop every jinlin-server on the database first.
    Restore {
        file: std::path::PathBuf,
        /// Only check the file; change nothing.
        #[arg(long)]
        check: bool,
        /// Restore without asking.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    #[arg(long, env = "JINLIN_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// The server's certificate chain (PEM): serve HTTPS. Without it, plain HTTP is
    /// served on a loopback address only.
    #[arg(long, env = "JINLIN_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, env = "JINLIN_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
    /// Serve plain HTTP on an address that is not loopback (only behind a proxy that
    /// does TLS: passwords, tokens and records would otherwise cross the network
    /// in the clear).
    #[arg(long)]
    plain_http_behind_proxy: bool,
    /// Where `/metrics` is served, apart from the API.
    #[arg(long, env = "JINLIN_METRICS_BIND", default_value = "127.0.0.1:9090")]
    metrics_bind: SocketAddr,
    /// Apps older than this are told to update and stop syncing (their work waits on
    /// the workstation).
    #[arg(long, env = "JINLIN_MINIMUM_APP_VERSION")]
    minimum_app_version: Option<jinlin_shared::wire::AppVersion>,
    /// The newest app the city offers; older apps say that it exists.
    #[arg(long, env = "JINLIN_CURRENT_APP_VERSION")]
    current_app_version: Option<jinlin_shared::wire::AppVersion>,
    /// Where workstations download the app (an address on the city's network).
    #[arg(long, env = "JINLIN_APP_DOWNLOAD_URL")]
    app_download_url: Option<String>,
}

#[derive(clap::Args)]
struct ExportArgs {
    /// The month, YYYY-MM.
    #[arg(long)]
    month: jinlin_shared::time::Month,
    /// An area's code; the whole city when left out.
    #[arg(long)]
    area: Option<String>,
    /// json, xlsx or pdf (one file), or csv (a directory with one file per section).
    #[arg(long, default_value = "json")]
    format: String,
    #[arg(long)]
    out: std::path::PathBuf,
    /// zh-CN (the default) or en, for headers and labels.
    #[arg(long, default_value = "zh-CN")]
    lang: String,
    /// Export ID numbers and phones whole, saying why; written to the audit log.
    #[arg(long)]
    unmasked_reason: Option<String>,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from JINLIN_PASSWORD or standard input.
    Add {
        login: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// An area code, or "city" for the whole city; required but for an administrator.
        #[arg(long)]
        scope: Option<String>,
    },
    List,
    /// How many of the user's changes wait to sync, on which workstation (as each
    /// last reported): before a handover, or taking someone off.
    Waiting {
        login: String,
    },
    /// Take a user off: their sessions end at once. Says first what of theirs still
    /// waits on which workstation (what they made while allowed still lands).
    Disable {
        login: String,
    },
    /// Move a user to another area (a community's code, or "city"); their sessions end.
    Move {
        login: String,
        #[arg(long)]
        to: String,
    },
    Enable {
        login: String,
    },
    /// Set a new password, read from JINLIN_PASSWORD or standard input.
    Passwd {
        login: String,
    },
}

#[derive(Subcommand)]
enum DeviceCommand {
    List,
    /// Revoke a workstation: its sessions stop at once and it wipes itself at next contact.
    Revoke {
        id: jinlin_shared::ids::DeviceId,
    },
}

#[derive(Subcommand)]
enum RosterCommand {
    /// Check a roster file (XLSX, or CSV in UTF-8 or GBK; Chinese or English headers)
    /// against the roster and print what importing it would do; writes nothing.
    Check {
        file: std::path::PathBuf,
        /// The supervisor or admin importing it (their area bounds the check).
        #[arg(long = "as", default_value = "admin")]
        login: String,
    },
    /// Check a roster file, print what it would do, ask, and apply exactly that: new
    /// elders enrolled, changed fields updated; bad rows and elders missing from the
    /// file are listed and left alone.
    Import {
        file: std::path::PathBuf,
        /// The supervisor or admin importing it, who authors the changes.
        #[arg(long = "as", default_value = "admin")]
        login: String,
        /// Apply without asking.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum ElderCommand {
    /// Erase an elder's full ID number and phone (the document keeps only masked forms;
    /// audited with the reason). Says what it will do, then asks unless --yes.
    EraseIdentity {
        elder: String,
        /// Why (the elder's request, its date and reference): kept in the audit log.
        #[arg(long)]
        reason: String,
        /// The administrator who erases it.
        #[arg(long = "as", default_value = "admin")]
        login: String,
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum AreaCommand {
    /// Import areas from a CSV file (district_code,district_name,street_code,street_name,community_code,community_name).
    Import { file: std::path::PathBuf },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| format!("{text:?} is not a role (assistant, supervisor, admin)"))
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("JINLIN_PASSWORD") {
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn policy(path: Option<&std::path::Path>) -> anyhow::Result<Policy> {
    match path {
        None => Ok(Policy::default()),
        Some(path) => Ok(Policy::from_toml(&std::fs::read_to_string(path)?)?),
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let url = cli.database_url.as_str();
    let policy_file = cli.policy.as_deref();
    match cli.command {
        Command::Serve(args) => serve(url, policy(policy_file)?, args).await,
        Command::Demo { scale, seed } => demo(url, policy(policy_file)?, scale, seed).await,
        Command::Migrate => {
            db::connect(url, true).await?;
            say!("database is up to date");
            Ok(())
        }
        Command::User { command } => user(&db::connect(url, true).await?, command).await,
        Command::Roster { command } => {
            let state = AppState::new(db::connect(url, true).await?, policy(policy_file)?, Limits::default());
            let (file, login, apply, yes) = match command {
                RosterCommand::Check { file, login } => (file, login, false, false),
                RosterCommand::Import { file, login, yes } => (file, login, true, yes),
            };
            jinlin_server::roster::console::run(&state, &file, &login, apply, yes).await
        }
        Command::Elder { command: ElderCommand::EraseIdentity { elder, reason, login, yes } } => {
            let state = AppState::new(db::connect(url, true).await?, policy(policy_file)?, Limits::default());
            erase(&state, &elder, &reason, &login, yes).await
        }
        Command::Device { command } => device(&db::connect(url, true).await?, command).await,
        Command::Export(args) => export(&db::connect(url, true).await?, &policy(policy_file)?, args).await,
        Command::Exports => exports(&db::connect(url, true).await?).await,
        Command::Backup { out } => {
            let started = std::time::Instant::now();
            let summary = jinlin_server::backup::backup(url, &out).await?;
            say!(
                "backed up {} to {}: {summary}, in {:.1} s",
                db::redact(url),
                out.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Restore { file, check, yes } => restore(url, &file, check, yes).await,
        Command::Area { command: AreaCommand::Import { file } } => {
            let db = db::connect(url, true).await?;
            let text = std::fs::read_to_string(&file)?;
            let report = admin::import_areas(&db, &text).await?;
            say!("areas created: {}", report.created);
            Ok(())
        }
    }
}

async fn serve(url: &str, policy: Policy, args: ServeArgs) -> anyhow::Result<()> {
    let ServeArgs {
        bind,
        tls_cert,
        tls_key,
        plain_http_behind_proxy,
        metrics_bind,
        minimum_app_version,
        current_app_version,
        app_download_url,
    } = args;
    let releases = jinlin_shared::wire::Releases {
        minimum_app: minimum_app_version,
        current_app: current_app_version,
        download: app_download_url,
    };
    let tls = match (tls_cert, tls_key) {
        (Some(cert), Some(key)) => Some(jinlin_server::serve::Tls::from_pem_files(&cert, &key)?),
        _ => None,
    };
    if tls.is_none() && !plain_http_behind_proxy && !jinlin_server::serve::plain_http_is_safe(bind) {
        anyhow::bail!(
            "{bind} is not a loopback address: serve HTTPS (--tls-cert and --tls-key), or, behind a proxy \
             that does TLS, say so with --plain-http-behind-proxy"
        );
    }
    let db = db::connect(url, true).await?;
    let mut app = Application::build(bind, AppState::new(db, policy, Limits::default()).with_releases(releases))
        .await?
        .with_metrics(metrics_bind)
        .await?;
    if let Some(tls) = tls {
        app = app.with_tls(tls);
    }
    let scheme = if app.is_https() { "https" } else { "http" };
    let metrics = app.metrics_addr().map(|a| a.to_string()).unwrap_or_default();
    tracing::info!(address = %app.local_addr()?, %scheme, %metrics, database = %db::redact(url), "serving");
    say!("jinlin-server listening on {scheme}://{}", app.local_addr()?);
    app.run_until(shutdown_signal()).await
}

/// Says what an erasure will do, asks (unless told `--yes`), and erases.
async fn erase(state: &AppState, elder: &str, reason: &str, login: &str, yes: bool) -> anyhow::Result<()> {
    let elder: jinlin_shared::ids::ElderId =
        elder.parse().map_err(|_| anyhow::anyhow!("{elder:?} is not an elder id"))?;
    let caller = jinlin_server::auth::console_caller(&state.db, login)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no enabled user has the login {login:?}"))?;
    say!("erasing the identity record of elder {elder} as {login} will:");
    say!("  1. remove the full ID number from the identity table");
    say!(
        "  2. replace the phone in the elder's record by its masked form (workstations receive it at their next sync)"
    );
    say!("  3. write the reason to the audit log: {reason:?}");
    say!("Exports, masked or not, then show the masked forms only. This cannot be undone here.");
    if !yes {
        use std::io::IsTerminal as _;
        if !std::io::stdin().is_terminal() {
            anyhow::bail!("standard input is not a terminal: give --yes to erase without asking");
        }
        eprint!("erase now? [y/N] ");
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            say!("nothing was changed");
            return Ok(());
        }
    }
    let erased = jinlin_server::erasure::erase_identity(state, &caller, elder, reason).await?;
    say!(
        "erased: full ID number {}, phone {}",
        if erased.id_number { "removed" } else { "none was held" },
        erased.phone_masked.as_deref().unwrap_or("none was held")
    );
    Ok(())
}

/// Checks the file, says what a restore would do, asks (unless told `--yes`), and
/// restores.
async fn restore(url: &str, file: &std::path::Path, check: bool, yes: bool) -> anyhow::Result<()> {
    use jinlin_server::backup;
    let now = jinlin_server::state::now().as_millis();
    let plan = backup::plan_restore(url, file, now).await?;
    say!("{}: {}", file.display(), plan.backup);
    if check {
        say!("the backup is whole and this server can restore it into {}", db::redact(url));
        return Ok(());
    }
    say!("restoring it into {} will:", db::redact(url));
    say!("  1. keep the database as it is now in {}", plan.keep_current_as.display());
    say!(
        "  2. put the backup in its place, and bring its schema up to date ({} migrations)",
        plan.backup.migrations_behind
    );
    say!(
        "  3. give it a new generation: each workstation then pulls from the start and sends again what the backup lacks"
    );
    say!("Accounts, revocations and ID-number records changed after the backup are not brought back.");
    say!("Every jinlin-server on this database must be stopped first.");
    if !yes {
        use std::io::IsTerminal as _;
        if !std::io::stdin().is_terminal() {
            return Err(backup::BackupError::NotConfirmed.into());
        }
        eprint!("restore now? [y/N] ");
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            say!("nothing was changed");
            return Ok(());
        }
    }
    let generation = backup::restore(&plan, file, now).await?;
    say!("restored; the database's new generation is {generation}");
    Ok(())
}

async fn demo(url: &str, policy: Policy, scale: f64, seed: u64) -> anyhow::Result<()> {
    let db = db::connect(url, true).await?;
    let state = AppState::new(db, policy, Limits::default());
    let summary =
        jinlin_server::demo::load_demo_city(&state, scale, seed, &|done, of| progress(done, of, "elders")).await?;
    console::progress_done();
    say!(
        "demo city: {} communities, {} elders, {} visits in {:.1} s",
        summary.communities,
        summary.elders,
        summary.visits,
        summary.seconds
    );
    say!(
        "sign in as {} (an assistant), s<street code> (a supervisor) or admin; password: {}",
        summary.first_assistant,
        jinlin_server::demo::DEMO_PASSWORD
    );
    Ok(())
}

async fn user(db: &sea_orm::DatabaseConnection, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add { login, name, role, scope } => {
            let id = admin::add_user(db, &login, &name, role, scope.as_deref(), read_password()?).await?;
            say!("added {login} ({id})");
        }
        UserCommand::List => {
            for user in admin::list_users(db).await? {
                let state = if user.disabled { "disabled" } else { "active" };
                say!("{}\t{}\t{}\t{}\t{}", user.login, user.display_name, user.role, user.scope, state);
            }
        }
        UserCommand::Waiting { login } => jinlin_server::handover::print_waiting(db, &login).await?,
        UserCommand::Disable { login } => {
            jinlin_server::handover::print_waiting(db, &login).await?;
            admin::set_disabled(db, &login, true).await?;
            say!("{login} is taken off: their sessions have ended");
        }
        UserCommand::Move { login, to } => {
            jinlin_server::handover::print_waiting(db, &login).await?;
            admin::move_user(db, &login, &to).await?;
            say!("{login} now works in {to}: their sessions have ended");
        }
        UserCommand::Enable { login } => admin::set_disabled(db, &login, false).await?,
        UserCommand::Passwd { login } => admin::set_password(db, &login, read_password()?).await?,
    }
    Ok(())
}

async fn device(db: &sea_orm::DatabaseConnection, command: DeviceCommand) -> anyhow::Result<()> {
    match command {
        DeviceCommand::List => {
            for (id, name, revoked) in admin::list_devices(db).await? {
                say!("{id}\t{name}\t{}", if revoked { "revoked" } else { "active" });
            }
        }
        DeviceCommand::Revoke { id } => {
            admin::revoke_device(db, id, None).await?;
            say!("revoked {id}");
        }
    }
    Ok(())
}

/// Exports the month's report as the operator at the server's console, who answers
/// for the whole city; audited like any export.
async fn export(db: &sea_orm::DatabaseConnection, policy: &Policy, args: ExportArgs) -> anyhow::Result<()> {
    let ExportArgs { month, area, format, out, lang, unmasked_reason } = args;
    let format = report::parse_format(&format)?;
    let language = if lang == "en" { Language::En } else { Language::ZhCn };
    let tree = jinlin_server::state::load_area_tree(db).await?;
    let asker = report::Asker { user: None, role: Role::Admin, scope: Scope::City };
    let request = report::ReportRequest { month, area, unmasked: unmasked_reason.clone() };
    let at = jinlin_server::state::now();
    let stages = report::STAGES.len() + 1;
    let report = report::monthly(db, &tree, policy, &asker, &request, at, &|stage| {
        progress(stage, stages, report::STAGES[stage]);
    })
    .await?;
    progress(stages - 1, stages, "writing");
    match format {
        report::Format::Csv => {
            std::fs::create_dir_all(&out)?;
            for section in Section::ALL {
                let file = out.join(format!("{}.csv", section.slug()));
                std::fs::write(file, report::render(&report, format, section, language, at)?)?;
            }
        }
        _ => std::fs::write(&out, report::render(&report, format, Section::Summary, language, at)?)?,
    }
    let record = report::export_record(&report, format, unmasked_reason.as_deref(), "cli");
    report::audit_export(db, at, &asker, &record, report::Purpose::Export).await?;
    progress(stages, stages, "done");
    console::progress_done();
    let city = report.summary.first().map(|line| &line.totals);
    say!(
        "{} {}: {} elders, {} visited ({}); written to {}",
        report.area.name,
        report.month,
        city.map_or(0, |t| t.denominator),
        city.map_or(0, |t| t.visited),
        city.and_then(|t| t.rate).map_or_else(|| "no rate".to_owned(), |r| format!("{:.1}%", r * 100.0)),
        out.display()
    );
    Ok(())
}

/// Every export and unmasked view, newest first.
async fn exports(db: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
    for entry in report::exports(db).await? {
        let export = &entry.export;
        say!(
            "{}\t{}\t{} {}\t{}\t{}\t{}\t{}\t{}",
            entry.at,
            entry.by.as_deref().unwrap_or("(command line)"),
            export.area,
            export.area_code,
            export.month,
            export.format.as_str(),
            if export.masked { "masked" } else { "UNMASKED" },
            export.reason.as_deref().unwrap_or(""),
            entry.purpose.as_str()
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .with_writer(std::io::stderr)
        // Colours for a terminal only: a log file or a journal gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        // `… | head` has what it wanted.
        Err(error) if console::is_output_closed(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            // A refused report (unknown area, out of scope, no reason given) is the
            // asker's to fix: exit 2, as for bad arguments.
            if let Some(error) = error.downcast_ref::<jinlin_server::backup::BackupError>() {
                return if error.is_the_askers() { ExitCode::from(2) } else { ExitCode::FAILURE };
            }
            match error.downcast_ref::<report::ReportError>() {
                Some(report::ReportError::Database(_) | report::ReportError::Corrupt(_)) | None => ExitCode::FAILURE,
                Some(_) => ExitCode::from(2),
            }
        }
    }
}
