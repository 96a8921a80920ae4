//! The workstation's log files, for a support person: one file a day in the
//! platform's log folder (`%LOCALAPPDATA%\cn.jinlin.desktop\logs` on Windows,
//! `~/.local/share/cn.jinlin.desktop/logs` on Linux), a fortnight kept.
//!
//! What is logged says what happened, never about whom: sign-ins (the login and
//! whether the server or the workstation checked it), each sync's counts and
//! refusal codes, errors with their codes. Never a password, a token, an ID number, a
//! phone or anything else of an elder's record (a test greps a whole scenario's logs
//! for them).

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};

/// Daily files kept before the oldest is removed.
const KEPT_FILES: usize = 14;

/// The platform's log folder for the app.
pub fn default_dir() -> PathBuf {
    dirs::data_local_dir().unwrap_or_else(|| PathBuf::from(".")).join("cn.jinlin.desktop").join("logs")
}

/// Sends this process's logs to daily files in `dir` (created if need be), at `info`
/// unless `JINLIN_LOG` says otherwise. Keep the guard for the life of the process:
/// dropping it writes out what is buffered.
pub fn init(dir: &Path) -> Result<WorkerGuard, std::io::Error> {
    std::fs::create_dir_all(dir)?;
    let files = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("jinlin")
        .filename_suffix("log")
        .max_log_files(KEPT_FILES)
        .build(dir)
        .map_err(std::io::Error::other)?;
    let (writer, guard) = tracing_appender::non_blocking(files);
    let filter = tracing_subscriber::EnvFilter::try_from_env("JINLIN_LOG")
        .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn,tao=warn,wry=warn".into());
    // A second call in one process (tests) keeps the first subscriber.
    let _ = tracing_subscriber::fmt().with_writer(writer).with_ansi(false).with_env_filter(filter).try_init();
    Ok(guard)
}
