//! Writing to the database: on SQLite, this process's writers take turns; and which of
//! the database's refusals may go through when the transaction is tried again.
//!
//! SQLite has one writer at a time, and a connection that finds the database busy
//! sleeps and polls again (after 1, 2, 5 … 100 ms), so fifty concurrent pushes would
//! queue by polling and the last wait hundreds of milliseconds. The writers of this
//! process take turns on a queue instead, each starting the moment the one before
//! ends; only another process (the command line) is met by polling. PostgreSQL locks
//! rows and needs no turn.

use std::sync::Arc;

use sea_orm::sqlx::error::DatabaseError;
use sea_orm::{
    DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr, RuntimeErr, SqlxPostgresError, SqlxSqliteError,
    TransactionTrait,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The database and, on SQLite, whose turn it is to write.
#[derive(Debug, Clone)]
pub struct Writer {
    db: DatabaseConnection,
    turn: Option<Arc<Mutex<()>>>,
}

/// This process's turn to write (SQLite), held until the transaction it began ends.
pub type Turn = Option<OwnedMutexGuard<()>>;

impl Writer {
    pub fn new(db: DatabaseConnection) -> Self {
        let turn = (db.get_database_backend() == DatabaseBackend::Sqlite).then(Arc::default);
        Self { db, turn }
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Whether writers take turns (SQLite: one writer at a time).
    pub fn takes_turns(&self) -> bool {
        self.turn.is_some()
    }

    /// Waits for this process's turn to write (on SQLite; `None` on PostgreSQL).
    pub async fn take_turn(&self) -> Turn {
        match &self.turn {
            Some(turn) => Some(Arc::clone(turn).lock_owned().await),
            None => None,
        }
    }

    /// Begins a transaction that will write, in this process's turn.
    pub async fn begin(&self) -> Result<WriteTxn, DbErr> {
        let turn = self.take_turn().await;
        self.begin_in_turn(turn).await
    }

    /// Begins a write transaction in a turn already taken, which it holds until it ends.
    pub async fn begin_in_turn(&self, turn: Turn) -> Result<WriteTxn, DbErr> {
        Ok(WriteTxn { txn: self.db.begin().await?, _turn: turn })
    }
}

/// A write transaction and, on SQLite, this process's writing turn, held until the
/// transaction ends.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _turn: Turn,
}

impl std::fmt::Debug for WriteTxn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTxn").field("turn", &self._turn.is_some()).finish_non_exhaustive()
    }
}

impl WriteTxn {
    /// Commits, then gives up the turn.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

/// Whether the database refused for the moment rather than for what was written: a
/// deadlock PostgreSQL broke or a serialization failure (SQLSTATE 40P01, 40001), or
/// SQLite busy or locked by another process (result codes 5 and 6, with their extended
/// codes). Trying the whole transaction again may go through.
pub fn is_transient(error: &DbErr) -> bool {
    let (DbErr::Exec(RuntimeErr::SqlxError(error))
    | DbErr::Query(RuntimeErr::SqlxError(error))
    | DbErr::Conn(RuntimeErr::SqlxError(error))) = error
    else {
        return false;
    };
    let sea_orm::sqlx::Error::Database(error) = &**error else { return false };
    if let Some(postgres) = error.try_downcast_ref::<SqlxPostgresError>() {
        return transient_sqlstate(postgres.code());
    }
    if let Some(sqlite) = error.try_downcast_ref::<SqlxSqliteError>() {
        return sqlite.code().and_then(|code| code.parse::<i32>().ok()).is_some_and(transient_sqlite_code);
    }
    false
}

/// PostgreSQL's SQLSTATEs for a transaction that may go through when tried again.
fn transient_sqlstate(code: &str) -> bool {
    matches!(code, "40P01" | "40001")
}

/// SQLite's result codes (extended or not) for a database busy or locked by another.
fn transient_sqlite_code(code: i32) -> bool {
    const BUSY: i32 = 5;
    const LOCKED: i32 = 6;
    matches!(code & 0xff, BUSY | LOCKED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlocks_and_serialization_failures_are_transient_on_postgresql() {
        assert!(transient_sqlstate("40P01"));
        assert!(transient_sqlstate("40001"));
        assert!(!transient_sqlstate("23505"), "a unique violation is the content's fault");
        assert!(!transient_sqlstate("22001"));
    }

    #[test]
    fn busy_and_locked_are_transient_on_sqlite_with_their_extended_codes() {
        assert!(transient_sqlite_code(5));
        assert!(transient_sqlite_code(517), "SQLITE_BUSY_SNAPSHOT");
        assert!(transient_sqlite_code(6));
        assert!(transient_sqlite_code(262), "SQLITE_LOCKED_SHAREDCACHE");
        assert!(!transient_sqlite_code(2067), "SQLITE_CONSTRAINT_UNIQUE");
        assert!(!transient_sqlite_code(19));
    }

    #[test]
    fn errors_of_the_server_itself_are_not_transient() {
        assert!(!is_transient(&DbErr::Custom("database is locked".into())), "the text alone proves nothing");
        assert!(!is_transient(&DbErr::RecordNotInserted));
    }
}
