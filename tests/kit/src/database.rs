//! A fresh central database per test: SQLite in a temporary directory, or a new
//! database on the test PostgreSQL (`JINLIN_TEST_POSTGRES`; the README's test command
//! starts one when none is running).

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// Where the test PostgreSQL is (its maintenance database, to create others from).
pub fn postgres_admin_url() -> String {
    std::env::var("JINLIN_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// An empty database of its own. Nothing is migrated: the server (or the test) does
/// that. [`TestDatabase::remove`] drops a PostgreSQL one; a SQLite one goes with its
/// directory.
#[derive(Debug)]
pub struct TestDatabase {
    /// The URL to give the server (`--database-url`) or `db::connect`.
    pub url: String,
    pub backend: Backend,
    postgres_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    pub async fn fresh(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("jinlin.db").display());
                Self { url, backend, postgres_name: None, _dir: Some(dir) }
            }
            Backend::Postgres => {
                let name = format!("jinlin_test_{}", uuid::Uuid::now_v7().simple());
                postgres_admin(&format!("CREATE DATABASE {name}")).await;
                let admin_url = postgres_admin_url();
                let server = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(server, _)| server);
                Self { url: format!("{server}/{name}"), backend, postgres_name: Some(name), _dir: None }
            }
        }
    }

    /// A SQLite database at `url`, inside `dir` (which goes with it).
    pub fn in_dir(dir: tempfile::TempDir, url: String) -> Self {
        Self { url, backend: Backend::Sqlite, postgres_name: None, _dir: Some(dir) }
    }

    /// The SQLite file's directory (`None` on PostgreSQL), for a test that measures it.
    pub fn dir(&self) -> Option<&std::path::Path> {
        self._dir.as_ref().map(tempfile::TempDir::path)
    }

    /// Drops a PostgreSQL database, closing whatever is still connected to it. A test
    /// that fails before this leaves its database behind, to look at.
    pub async fn remove(self) {
        if let Some(name) = &self.postgres_name {
            postgres_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
        }
    }
}

async fn postgres_admin(sql: &str) {
    let url = postgres_admin_url();
    let admin: DatabaseConnection = Database::connect(url.as_str())
        .await
        .unwrap_or_else(|error| panic!("PostgreSQL at {url} must be reachable for the PostgreSQL tests: {error}"));
    admin.execute_raw(Statement::from_string(admin.get_database_backend(), sql.to_owned())).await.unwrap();
    admin.close().await.unwrap();
}
