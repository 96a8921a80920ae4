//! PostgreSQL: the client programs do the work (`pg_dump` in custom format,
//! `pg_restore`, `psql`); the password travels in their environment, never on their
//! command line, where any local user could read it.

use std::path::Path;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::process::Command;

use super::BackupError;

/// A libpq connection string without its password, and the password apart.
fn split_password(url: &str) -> (String, Option<String>) {
    if let (Some(scheme), Some(at)) = (url.find("://"), url.rfind('@'))
        && at > scheme
        && let Some((user, password)) = url[scheme + 3..at].split_once(':')
    {
        return (format!("{}{user}{}", &url[..scheme + 3], &url[at..]), Some(password.to_owned()));
    }
    (url.to_owned(), None)
}

/// A client program pointed at `url`.
fn client(program: &'static str, url: &str) -> Command {
    let (url, password) = split_password(url);
    let mut command = Command::new(program);
    command.env("PGCONNECT_TIMEOUT", "10").stdin(Stdio::null()).kill_on_drop(true).arg("--dbname").arg(url);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    command
}

fn missing<'a>(program: &'static str, instead: &'a str) -> impl FnOnce(std::io::Error) -> BackupError + 'a {
    move |_| BackupError::MissingTool { program, instead: instead.to_owned() }
}

async fn run(program: &'static str, mut command: Command, instead: &str) -> Result<Vec<u8>, BackupError> {
    let output =
        command.stdout(Stdio::piped()).stderr(Stdio::piped()).output().await.map_err(missing(program, instead))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr).chars().take(2_000).collect();
        return Err(BackupError::ToolFailed { program, stderr });
    }
    Ok(output.stdout)
}

/// `pg_dump --format=custom` of the database at `url` into `out`.
pub(super) async fn backup(url: &str, out: &Path) -> Result<(), BackupError> {
    let (shown, _) = split_password(url);
    let instead = format!("pg_dump --format=custom --file={} '{}'", out.display(), crate::db::redact(&shown));
    let mut command = client("pg_dump", url);
    command.arg("--format=custom").arg("--no-owner").arg("--file").arg(out);
    run("pg_dump", command, &instead).await.map(drop)
}

/// The migrations a dump's schema has, and its elders and visits, read with
/// `pg_restore` (which also proves the archive whole enough to list).
pub(super) async fn inspect(file: &Path) -> Result<(Vec<String>, u64, u64), BackupError> {
    let instead = format!("pg_restore --list {}", file.display());
    let mut list = Command::new("pg_restore");
    list.arg("--list").arg(file).stdin(Stdio::null()).kill_on_drop(true);
    let listing = match run("pg_restore", list, &instead).await {
        Ok(listing) => String::from_utf8_lossy(&listing).into_owned(),
        Err(BackupError::ToolFailed { stderr, .. }) => {
            return Err(BackupError::Damaged { file: file.to_owned(), reason: stderr });
        }
        Err(other) => return Err(other),
    };
    for table in ["seaql_migrations", "documents", "elders", "visits"] {
        if !listing
            .lines()
            .any(|line| line.contains(" TABLE DATA ") && line.split_whitespace().any(|word| word == table))
        {
            return Err(BackupError::NotJinlin { file: file.to_owned(), what: table });
        }
    }
    let migrations = table_rows(file, "seaql_migrations", true).await?.1;
    let elders = table_rows(file, "elders", false).await?.0;
    let visits = table_rows(file, "visits", false).await?.0;
    Ok((migrations, elders, visits))
}

/// How many rows a dump holds for `table`, read from its COPY block as a stream; with
/// `first_column`, the first column of each (the migrations' names).
async fn table_rows(file: &Path, table: &str, first_column: bool) -> Result<(u64, Vec<String>), BackupError> {
    let mut child = Command::new("pg_restore")
        .args(["--data-only", "--table", table, "--file", "-"])
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(missing("pg_restore", "pg_restore --list FILE"))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| BackupError::ToolFailed { program: "pg_restore", stderr: "no output".into() })?;
    let mut lines = BufReader::new(stdout).lines();
    let (mut inside, mut count, mut firsts) = (false, 0u64, Vec::new());
    while let Some(line) =
        lines.next_line().await.map_err(|e| BackupError::Damaged { file: file.to_owned(), reason: e.to_string() })?
    {
        if !inside {
            inside = line.starts_with("COPY ");
        } else if line == "\\." {
            inside = false;
        } else {
            count += 1;
            if first_column {
                firsts.push(line.split('\t').next().unwrap_or_default().to_owned());
            }
        }
    }
    let status =
        child.wait().await.map_err(|e| BackupError::ToolFailed { program: "pg_restore", stderr: e.to_string() })?;
    if !status.success() {
        return Err(BackupError::Damaged {
            file: file.to_owned(),
            reason: format!("pg_restore could not read the {table} table"),
        });
    }
    Ok((count, firsts))
}

/// Restores `file` over the database at `url` in one transaction: the current
/// database is dumped to `keep_as` first, then its schema is dropped and the dump's
/// put in its place by `psql --single-transaction`, so a restore that fails half way
/// leaves the database as it was.
pub(super) async fn restore(url: &str, file: &Path, keep_as: &Path) -> Result<(), BackupError> {
    let db = crate::db::connect(url, false).await?;
    let applied = super::applied_migrations(&db).await.unwrap_or_default();
    db.close().await?;
    super::refuse_newer(&applied)?;
    backup(url, keep_as).await?;

    let mut restore = Command::new("pg_restore")
        .args(["--no-owner", "--no-privileges", "--file", "-"])
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(missing("pg_restore", "pg_restore --clean --dbname URL FILE"))?;
    let mut psql = client("psql", url)
        .args(["--single-transaction", "--no-psqlrc", "--quiet", "-v", "ON_ERROR_STOP=1", "--file", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(missing("psql", "psql --single-transaction --file SCRIPT"))?;
    let (Some(mut script), Some(mut into)) = (restore.stdout.take(), psql.stdin.take()) else {
        return Err(BackupError::ToolFailed { program: "psql", stderr: "no pipe".into() });
    };
    let piped = async move {
        into.write_all(b"DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n").await?;
        tokio::io::copy(&mut script, &mut into).await?;
        into.shutdown().await
    };
    let (piped, restored, applied) = tokio::join!(piped, restore.wait_with_output(), psql.wait_with_output());
    let restored = restored.map_err(|e| BackupError::ToolFailed { program: "pg_restore", stderr: e.to_string() })?;
    let applied = applied.map_err(|e| BackupError::ToolFailed { program: "psql", stderr: e.to_string() })?;
    if !restored.status.success() {
        return Err(BackupError::ToolFailed {
            program: "pg_restore",
            stderr: String::from_utf8_lossy(&restored.stderr).chars().take(2_000).collect(),
        });
    }
    if !applied.status.success() || piped.is_err() {
        return Err(BackupError::ToolFailed {
            program: "psql",
            stderr: String::from_utf8_lossy(&applied.stderr).chars().take(2_000).collect(),
        });
    }
    Ok(())
}
