//! SQLite: `VACUUM INTO` for a consistent copy while the server serves; a restore
//! swaps the file in by rename after the current one is copied aside.

use std::path::Path;

use sea_orm::{ConnectOptions, ConnectionTrait as _, Database, DatabaseConnection, Statement};

use super::{BackupError, io};

/// A consistent copy of `database` at `out`, from one read transaction.
pub(super) async fn backup(database: &Path, out: &Path) -> Result<(), BackupError> {
    if !database.is_file() {
        return Err(BackupError::NoDatabase(database.to_owned()));
    }
    let db = live(database).await?;
    vacuum_into(&db, out).await?;
    db.close().await?;
    Ok(())
}

async fn vacuum_into(db: &DatabaseConnection, out: &Path) -> Result<(), BackupError> {
    let out = out.to_str().ok_or_else(|| BackupError::Io {
        path: out.to_owned(),
        source: std::io::Error::other("the path is not valid UTF-8"),
    })?;
    db.execute_raw(Statement::from_sql_and_values(db.get_database_backend(), "VACUUM INTO ?", [out.into()])).await?;
    Ok(())
}

/// The migrations a backup file's schema has, and its elders and visits; the file
/// is opened read-only and immutable, so nothing of it changes.
pub(super) async fn inspect(file: &Path) -> Result<(Vec<String>, u64, u64), BackupError> {
    let damaged = |reason: String| BackupError::Damaged { file: file.to_owned(), reason };
    let mut options = ConnectOptions::new(format!("sqlite://{}", file.display()));
    options
        .sqlx_logging(false)
        .max_connections(1)
        .map_sqlx_sqlite_opts(|o| o.create_if_missing(false).read_only(true).immutable(true));
    let db = Database::connect(options).await.map_err(|e| damaged(e.to_string()))?;
    let inspected = inspect_open(&db, file).await;
    let _ = db.close().await;
    inspected
}

async fn inspect_open(db: &DatabaseConnection, file: &Path) -> Result<(Vec<String>, u64, u64), BackupError> {
    let damaged = |reason: String| BackupError::Damaged { file: file.to_owned(), reason };
    let check = db.query_one_raw(Statement::from_string(db.get_database_backend(), "PRAGMA quick_check")).await;
    let verdict: String =
        check.map_err(|e| damaged(e.to_string()))?.and_then(|row| row.try_get_by_index(0).ok()).unwrap_or_default();
    if verdict != "ok" {
        return Err(damaged(verdict));
    }
    let migrations = super::applied_migrations(db)
        .await
        .map_err(|_| BackupError::NotJinlin { file: file.to_owned(), what: "seaql_migrations" })?;
    let elders =
        count(db, "elders").await.map_err(|_| BackupError::NotJinlin { file: file.to_owned(), what: "elders" })?;
    let visits =
        count(db, "visits").await.map_err(|_| BackupError::NotJinlin { file: file.to_owned(), what: "visits" })?;
    Ok((migrations, elders, visits))
}

pub(super) async fn count(db: &DatabaseConnection, table: &str) -> Result<u64, sea_orm::DbErr> {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await?;
    Ok(row.and_then(|r| r.try_get_by_index::<i64>(0).ok()).unwrap_or(0).max(0) as u64)
}

/// Puts `file` in the place of `database`: the current database is first copied to
/// `keep_as` (whole, with what its write-ahead log held) and refused if a newer
/// server wrote it; the backup is copied beside the database and renamed over it.
pub(super) async fn restore(database: &Path, file: &Path, keep_as: &Path) -> Result<(), BackupError> {
    if database.is_file() {
        let db = live(database).await?;
        super::refuse_newer(&super::applied_migrations(&db).await.unwrap_or_default())?;
        vacuum_into(&db, keep_as).await?;
        // Everything the log held is in the main file; the log is then emptied, so
        // nothing of the old database is replayed over the restored one.
        db.execute_raw(Statement::from_string(db.get_database_backend(), "PRAGMA wal_checkpoint(TRUNCATE)")).await?;
        db.close().await?;
    }
    let restoring = super::sibling(database, "restoring");
    std::fs::copy(file, &restoring).map_err(io(&restoring))?;
    std::fs::File::open(&restoring).and_then(|f| f.sync_all()).map_err(io(&restoring))?;
    for sidecar in ["-wal", "-shm"] {
        // The names SQLite gives them: `jinlin.db-wal`, `jinlin.db-shm`.
        let mut name = database.file_name().map(std::ffi::OsStr::to_os_string).unwrap_or_default();
        name.push(sidecar);
        let path = database.with_file_name(name);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(BackupError::Io { path, source: error }),
        }
    }
    std::fs::rename(&restoring, database).map_err(io(database))?;
    Ok(())
}

/// The live database, as the server opens it (write-ahead log included).
async fn live(database: &Path) -> Result<DatabaseConnection, BackupError> {
    Ok(crate::db::connect(&format!("sqlite://{}", database.display()), false).await?)
}
