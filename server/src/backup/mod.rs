//! Backing the central database up while it serves, and restoring a backup after
//! checking it.
//!
//! - SQLite: `VACUUM INTO` writes a consistent copy from one read transaction, so the
//!   server keeps serving (writers wait only for their own turn, not for the copy).
//! - PostgreSQL: `pg_dump --format=custom`, whose snapshot is consistent too; the
//!   PostgreSQL client programs must be installed beside the server.
//!
//! A restore checks the file before touching anything (what kind of file, a Jinlin
//! database, not damaged, not from a newer schema than this server knows), keeps a
//! copy of the database it replaces, brings the restored schema up to date, and gives
//! the database a new generation (`crate::generation`): every workstation that sees
//! it pulls from zero and sends again what the backup lacks.

mod postgres;
mod sqlite;

use std::path::{Path, PathBuf};

use sea_orm_migration::MigratorTrait as _;

use crate::db::migration::Migrator;

/// What a backup file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupKind {
    /// A SQLite database file (`VACUUM INTO`).
    Sqlite,
    /// A PostgreSQL custom-format dump (`pg_dump -Fc`).
    PostgresDump,
}

impl BackupKind {
    /// Reads the kind from the file's first bytes; `None` for anything else.
    pub fn sniff(first_bytes: &[u8]) -> Option<Self> {
        if first_bytes.starts_with(b"SQLite format 3\0") {
            Some(BackupKind::Sqlite)
        } else if first_bytes.starts_with(b"PGDMP") {
            Some(BackupKind::PostgresDump)
        } else {
            None
        }
    }

    fn name(self) -> &'static str {
        match self {
            BackupKind::Sqlite => "SQLite",
            BackupKind::PostgresDump => "PostgreSQL (pg_dump)",
        }
    }
}

/// What a checked backup holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub kind: BackupKind,
    /// The last migration the backup's schema had.
    pub schema: String,
    /// Migrations this server will run on it after restoring.
    pub migrations_behind: usize,
    pub elders: u64,
    pub visits: u64,
    pub bytes: u64,
}

impl std::fmt::Display for BackupSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} backup, schema {}{}, {} elders, {} visits, {:.1} MiB",
            self.kind.name(),
            self.schema,
            match self.migrations_behind {
                0 => String::new(),
                n => format!(" ({n} migrations behind this server)"),
            },
            self.elders,
            self.visits,
            self.bytes as f64 / (1024.0 * 1024.0)
        )
    }
}

/// Why a backup or a restore did nothing. Each message says it in zh-CN and English:
/// the people who run these are a city's IT team and a street's office.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    #[error("{}已存在，不会覆盖 / {} exists: it is not overwritten; choose another name", .0.display(), .0.display())]
    OutputExists(PathBuf),
    #[error("数据库文件 {} 不存在 / there is no database at {}", .0.display(), .0.display())]
    NoDatabase(PathBuf),
    #[error("无法读取 {} / cannot read {}: {reason}", .file.display(), .file.display())]
    Unreadable { file: PathBuf, reason: String },
    #[error("{} 不是 Jinlin 的备份（既不是 SQLite 数据库，也不是 pg_dump 文件）/ {} is not a Jinlin backup (neither a SQLite database nor a pg_dump file)", .0.display(), .0.display())]
    Foreign(PathBuf),
    #[error("{} 是{}备份，而数据库是{} / {} is a {} backup, and the database is {}", .file.display(), .found.name(), .database.name(), .file.display(), .found.name(), .database.name())]
    WrongKind { file: PathBuf, found: BackupKind, database: BackupKind },
    #[error("{} 不是 Jinlin 的数据库（缺少 {what}）/ {} is not a Jinlin database (no {what})", .file.display(), .file.display())]
    NotJinlin { file: PathBuf, what: &'static str },
    #[error("{} 已损坏 / {} is damaged: {reason}", .file.display(), .file.display())]
    Damaged { file: PathBuf, reason: String },
    #[error(
        "备份来自更新版本的服务器（数据库结构 {migration}），本版本无法使用；请用那个版本恢复 / the backup comes from a newer server (schema {migration}); restore it with that version"
    )]
    NewerSchema { migration: String },
    #[error(
        "当前数据库来自更新版本的服务器（数据库结构 {migration}）；请用那个版本恢复 / the database was written by a newer server (schema {migration}); restore with that version"
    )]
    DatabaseNewer { migration: String },
    #[error(
        "找不到 {program}：请安装与数据库同版本的 PostgreSQL 客户端（Debian：postgresql-client）/ {program} was not found: install the PostgreSQL client of the server's version (Debian: postgresql-client), or run: {instead}"
    )]
    MissingTool { program: &'static str, instead: String },
    #[error("{program} 失败 / {program} failed: {stderr}")]
    ToolFailed { program: &'static str, stderr: String },
    #[error(
        "数据库地址 {0} 无法备份（内存数据库或未知类型）/ the database {0} cannot be backed up (in memory, or of an unknown kind)"
    )]
    UnsupportedUrl(String),
    #[error("恢复需要确认：请加 --yes / a restore replaces the database: confirm with --yes")]
    NotConfirmed,
    #[error("数据库错误 / database error: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Generation(#[from] crate::generation::GenerationError),
    #[error("文件操作失败 / file operation failed on {}: {source}", .path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

impl BackupError {
    /// Whether the one who asked can fix it (another file, another name, a
    /// confirmation): the command line exits 2 for these, as for bad arguments.
    pub fn is_the_askers(&self) -> bool {
        matches!(
            self,
            BackupError::OutputExists(_)
                | BackupError::NoDatabase(_)
                | BackupError::Unreadable { .. }
                | BackupError::Foreign(_)
                | BackupError::WrongKind { .. }
                | BackupError::NotJinlin { .. }
                | BackupError::Damaged { .. }
                | BackupError::NewerSchema { .. }
                | BackupError::DatabaseNewer { .. }
                | BackupError::UnsupportedUrl(_)
                | BackupError::NotConfirmed
        )
    }
}

impl From<crate::db::DbSetupError> for BackupError {
    fn from(error: crate::db::DbSetupError) -> Self {
        match error {
            crate::db::DbSetupError::Connect(e) | crate::db::DbSetupError::Migrate(e) => BackupError::Database(e),
            crate::db::DbSetupError::UnsupportedUrl(url) => BackupError::UnsupportedUrl(url),
        }
    }
}

pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io { path: path.to_owned(), source }
}

/// The database a URL names, as far as backups care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Target {
    pub fn of(url: &str) -> Result<Self, BackupError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Target::Postgres(url.to_owned()));
        }
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"));
        match path.map(|p| p.split('?').next().unwrap_or(p)) {
            Some(path) if !path.is_empty() && !path.starts_with(":memory:") => Ok(Target::Sqlite(PathBuf::from(path))),
            _ => Err(BackupError::UnsupportedUrl(crate::db::redact(url))),
        }
    }

    fn kind(&self) -> BackupKind {
        match self {
            Target::Sqlite(_) => BackupKind::Sqlite,
            Target::Postgres(_) => BackupKind::PostgresDump,
        }
    }
}

/// Writes a consistent copy of the database at `url` to `out` (never over an
/// existing file: the copy is written beside it and renamed when whole), and checks
/// the copy as a restore would.
pub async fn backup(url: &str, out: &Path) -> Result<BackupSummary, BackupError> {
    if out.exists() {
        return Err(BackupError::OutputExists(out.to_owned()));
    }
    let partial = partial_path(out);
    let _ = std::fs::remove_file(&partial);
    let written = match Target::of(url)? {
        Target::Sqlite(database) => sqlite::backup(&database, &partial).await,
        Target::Postgres(url) => postgres::backup(&url, &partial).await,
    };
    if let Err(error) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(error);
    }
    let summary = match check(&partial).await {
        Ok(summary) => summary,
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            return Err(error);
        }
    };
    std::fs::rename(&partial, out).map_err(io(out))?;
    Ok(summary)
}

/// Checks a backup file without changing anything: its kind, that it is a Jinlin
/// database and whole, and that this server knows its schema.
pub async fn check(file: &Path) -> Result<BackupSummary, BackupError> {
    let mut first = [0u8; 16];
    let read = {
        use std::io::Read as _;
        let mut handle = std::fs::File::open(file).map_err(|e| unreadable(file, &e))?;
        handle.read(&mut first).map_err(|e| unreadable(file, &e))?
    };
    let bytes = std::fs::metadata(file).map_err(|e| unreadable(file, &e))?.len();
    let kind = BackupKind::sniff(&first[..read]).ok_or_else(|| BackupError::Foreign(file.to_owned()))?;
    let (migrations, elders, visits) = match kind {
        BackupKind::Sqlite => sqlite::inspect(file).await?,
        BackupKind::PostgresDump => postgres::inspect(file).await?,
    };
    let behind = migrations_behind(&migrations).map_err(|migration| BackupError::NewerSchema { migration })?;
    let schema =
        migrations.last().cloned().ok_or(BackupError::NotJinlin { file: file.to_owned(), what: "migrations" })?;
    Ok(BackupSummary { kind, schema, migrations_behind: behind, elders, visits, bytes })
}

/// What a restore will do, said before it does it.
#[derive(Debug, Clone)]
pub struct RestorePlan {
    pub backup: BackupSummary,
    pub target: Target,
    /// Where the database as it is now is kept first.
    pub keep_current_as: PathBuf,
}

/// Checks `file` against the database at `url` and says what a restore would do;
/// changes nothing.
pub async fn plan_restore(url: &str, file: &Path, now_millis: i64) -> Result<RestorePlan, BackupError> {
    let target = Target::of(url)?;
    let backup = check(file).await?;
    if backup.kind != target.kind() {
        return Err(BackupError::WrongKind { file: file.to_owned(), found: backup.kind, database: target.kind() });
    }
    let stamp = jinlin_shared::time::Timestamp::from_millis(now_millis).shanghai_date().to_string();
    let keep_current_as = match &target {
        Target::Sqlite(database) => sibling(database, &format!("before-restore-{stamp}-{now_millis}")),
        Target::Postgres(_) => sibling(file, &format!("before-restore-{stamp}-{now_millis}.dump")),
    };
    Ok(RestorePlan { backup, target, keep_current_as })
}

/// Carries a plan out: the current database is copied aside, the backup put in its
/// place, its schema brought up to date, and a new generation given. Every
/// `jinlin-server` on the database must be stopped first.
pub async fn restore(
    plan: &RestorePlan,
    file: &Path,
    now_millis: i64,
) -> Result<jinlin_shared::ids::Generation, BackupError> {
    let reason =
        format!("restored from {}", file.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()));
    match &plan.target {
        Target::Sqlite(database) => sqlite::restore(database, file, &plan.keep_current_as).await?,
        Target::Postgres(url) => postgres::restore(url, file, &plan.keep_current_as).await?,
    }
    let url = match &plan.target {
        Target::Sqlite(database) => format!("sqlite://{}", database.display()),
        Target::Postgres(url) => url.clone(),
    };
    let db = crate::db::connect(&url, true).await?;
    let generation = crate::generation::renew(&db, &reason, now_millis).await?;
    db.close().await?;
    Ok(generation)
}

/// The migrations a database's schema has had, by name, in order.
pub(crate) async fn applied_migrations(db: &sea_orm::DatabaseConnection) -> Result<Vec<String>, sea_orm::DbErr> {
    use sea_orm::ConnectionTrait as _;
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT version FROM seaql_migrations ORDER BY version",
        ))
        .await?;
    rows.iter().map(|row| row.try_get_by_index::<String>(0)).collect()
}

/// How many of this server's migrations the schema lacks; `Err` with the first
/// migration this server does not know (a newer server wrote it).
fn migrations_behind(applied: &[String]) -> Result<usize, String> {
    let known: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    if let Some(unknown) = applied.iter().find(|name| !known.contains(name)) {
        return Err(unknown.clone());
    }
    Ok(known.iter().filter(|name| !applied.contains(name)).count())
}

/// Refuses to restore over a database a newer server wrote: its data would be read by
/// code that does not know its shape.
pub(crate) fn refuse_newer(applied: &[String]) -> Result<(), BackupError> {
    migrations_behind(applied).map(|_| ()).map_err(|migration| BackupError::DatabaseNewer { migration })
}

fn unreadable(file: &Path, error: &std::io::Error) -> BackupError {
    BackupError::Unreadable { file: file.to_owned(), reason: error.to_string() }
}

/// `out.partial`, beside `out`.
fn partial_path(out: &Path) -> PathBuf {
    sibling(out, "partial")
}

/// `path.suffix`, beside `path`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().map(std::ffi::OsStr::to_os_string).unwrap_or_default();
    name.push(format!(".{suffix}"));
    path.with_file_name(name)
}
