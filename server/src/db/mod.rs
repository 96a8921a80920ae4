//! The central database: connecting (SQLite by default, PostgreSQL by URL), migrating,
//! and the entities.
//!
//! SQLite runs in WAL mode with `synchronous = FULL`: the server acknowledges a change
//! only after its transaction commits, so a commit must survive a power cut, not just
//! a crash of the process.

pub mod entity;
pub mod lock;
pub mod migration;
pub mod writer;

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use sea_orm_migration::MigratorTrait;

/// The embedded default: a file beside the working directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://jinlin.db";

#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("database URL {0:?} is neither sqlite:// nor postgres://")]
    UnsupportedUrl(String),
    #[error("could not open the database: {0}")]
    Connect(#[source] DbErr),
    #[error("could not migrate the database: {0}")]
    Migrate(#[source] DbErr),
}

/// Opens the database named by `url`; `migrate` brings its schema up to date.
pub async fn connect(url: &str, migrate: bool) -> Result<DatabaseConnection, DbSetupError> {
    let sqlite = url.starts_with("sqlite:");
    if !sqlite && !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
        return Err(DbSetupError::UnsupportedUrl(redact(url)));
    }
    let mut options = ConnectOptions::new(url);
    options.sqlx_logging(false).acquire_timeout(Duration::from_secs(10));
    if sqlite {
        // SQLite has one writer at a time; a few connections serve concurrent reads
        // while the busy timeout queues writers instead of failing them.
        options.max_connections(4).map_sqlx_sqlite_opts(|opts| {
            opts.create_if_missing(true)
                // 8 KiB pages (set when the file is created; an existing file keeps its
                // own): a saved document of a few KB then shares its page with others
                // instead of leaving half of a 4 KiB page empty.
                .page_size(8192)
                // The write-ahead log is cut back to 8 MiB after a checkpoint instead
                // of keeping the largest size a burst of pushes ever gave it.
                .pragma("journal_size_limit", (8 * 1024 * 1024).to_string())
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true)
        });
    } else {
        options.max_connections(16);
    }
    let db = Database::connect(options).await.map_err(DbSetupError::Connect)?;
    if migrate && sqlite {
        migration::Migrator::up(&db, None).await.map_err(DbSetupError::Migrate)?;
    } else if migrate {
        migrate_under_lock(url, &db).await?;
    }
    Ok(db)
}

/// The advisory lock that lets one server at a time migrate a PostgreSQL database
/// ("JINLIN" in ASCII).
const MIGRATION_LOCK: i64 = 0x4A49_4E4C_494E;

/// Migrates under a PostgreSQL advisory lock: replicas started together (an upgrade,
/// a restart of the whole service) wait for the first, which migrates, and then find
/// nothing left to do. Without it each would begin the same migration, and all but
/// one would fail on a table that now exists.
async fn migrate_under_lock(url: &str, db: &DatabaseConnection) -> Result<(), DbSetupError> {
    use sea_orm::ConnectionTrait as _;
    // A connection of its own, held while the lock is: an advisory lock belongs to
    // the session that took it, and the pool could hand statements to any session.
    let mut options = ConnectOptions::new(url);
    options.sqlx_logging(false).max_connections(1).acquire_timeout(Duration::from_secs(10));
    let holder = Database::connect(options).await.map_err(DbSetupError::Connect)?;
    holder
        .execute_unprepared(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
        .await
        .map_err(DbSetupError::Migrate)?;
    let migrated = migration::Migrator::up(db, None).await.map_err(DbSetupError::Migrate);
    // Closing the session releases the lock whatever happened.
    let _ = holder.close().await;
    migrated
}

/// A URL safe to print: the password, if any, is replaced.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
