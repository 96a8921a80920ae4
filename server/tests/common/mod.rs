//! Test support: a real server on port 0 with a fresh database (SQLite in a temp dir,
//! or a new PostgreSQL database), a city, users, and a client.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod fuzz;
pub mod raw;

use std::net::SocketAddr;

use jinlin_server::db;
use jinlin_server::{AppState, Application, Limits, admin};
use jinlin_shared::area::{AreaLevel, AreaTree};
use jinlin_shared::document::ElderDocument;
use jinlin_shared::ids::{CommunityId, DeviceId};
use jinlin_shared::policy::Policy;
use jinlin_shared::time::Timestamp;
use jinlin_shared::user::Role;
use jinlin_shared::wire::{
    DeviceRegistration, DocumentPush, LoginRequest, LoginResponse, PROTOCOL_VERSION, PushRequest, PushResponse,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

pub use jinlin_testkit::Backend;
use jinlin_testkit::TestDatabase;

/// An HTTP client. reqwest is built with rustls and no crypto provider of its own
/// (the workstation installs ring's at start); a test process installs it here.
pub fn http() -> reqwest::Client {
    http_builder().build().unwrap()
}

pub fn http_builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

pub const PASSWORD: &str = "correct horse battery";

pub const AREAS_CSV: &str = "district_code,district_name,street_code,street_name,community_code,community_name
350203,思明区,350203001,鹭江街道,350203001001,和平社区
350203,思明区,350203001,鹭江街道,350203001002,光明社区
350206,湖里区,350206001,殿前街道,350206001001,幸福社区
";

pub struct TestServer {
    pub base: String,
    /// `/metrics`, on its own address.
    pub metrics: String,
    pub db: DatabaseConnection,
    pub url: String,
    pub areas: AreaTree,
    /// The running server's state: tests hold its report slots or its SQLite write
    /// turn to make a request wait or be refused.
    pub state: AppState,
    database: Option<TestDatabase>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl TestServer {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, Limits::default()).await
    }

    pub async fn start_with(backend: Backend, limits: Limits) -> Self {
        Self::start_serving(backend, limits, None, jinlin_server::serve::ConnectionLimits::default()).await
    }

    /// A server with its own limits, over HTTPS when `tls` is given.
    pub async fn start_serving(
        backend: Backend,
        limits: Limits,
        tls: Option<jinlin_server::serve::Tls>,
        connections: jinlin_server::serve::ConnectionLimits,
    ) -> Self {
        let database = TestDatabase::fresh(backend).await;
        let url = database.url.clone();
        let db = db::connect(&url, true).await.unwrap();
        admin::import_areas(&db, AREAS_CSV).await.unwrap();
        for (login, role, scope) in [
            ("heping", Role::Assistant, "350203001001"),
            ("heping2", Role::Assistant, "350203001001"),
            ("guangming", Role::Assistant, "350203001002"),
            ("lujiang", Role::Supervisor, "350203001"),
            ("admin", Role::Admin, "city"),
        ] {
            admin::add_user(&db, login, login, role, Some(scope), PASSWORD.into()).await.unwrap();
        }
        let areas = jinlin_server::state::load_area_tree(&db).await.unwrap();
        let state = AppState::new(db.clone(), Policy::default(), limits);
        let mut app = Application::build(SocketAddr::from(([127, 0, 0, 1], 0)), state.clone())
            .await
            .unwrap()
            .with_metrics(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap()
            .with_connection_limits(connections);
        if let Some(tls) = tls {
            app = app.with_tls(tls);
        }
        let scheme = if app.is_https() { "https" } else { "http" };
        let base = format!("{scheme}://{}/api/v1", app.local_addr().unwrap());
        let metrics = format!("http://{}/metrics", app.metrics_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(app.run_until(async move {
            let _ = stopped.await;
        }));
        Self { base, metrics, db, url, areas, state, database: Some(database), stop: Some(stop), task: Some(task) }
    }

    pub fn community(&self, code: &str) -> CommunityId {
        self.areas.areas().find(|a| a.code == code && a.level == AreaLevel::Community).unwrap().id
    }

    pub async fn count(&self, table: &str) -> i64 {
        let backend = self.db.get_database_backend();
        let row = self
            .db
            .query_one_raw(Statement::from_string(backend, format!("SELECT COUNT(*) AS n FROM {table}")))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }

    /// The stored save of an elder's document.
    pub async fn snapshot(&self, elder: jinlin_shared::ids::ElderId) -> Vec<u8> {
        use sea_orm::EntityTrait as _;
        let row = jinlin_server::db::entity::document::Entity::find_by_id(elder.to_string()).one(&self.db).await;
        row.unwrap().expect("the elder's document is stored").snapshot
    }

    /// The first row's `v` column of `sql`, as text.
    pub async fn text(&self, sql: &str) -> String {
        let backend = self.db.get_database_backend();
        let row = self.db.query_one_raw(Statement::from_string(backend, sql.to_owned())).await.unwrap().unwrap();
        row.try_get::<String>("", "v").unwrap()
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
        self.db.clone().close().await.unwrap();
        if let Some(database) = self.database.take() {
            database.remove().await;
        }
    }
}

/// A signed-in workstation client.
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub login: LoginResponse,
}

impl Client {
    /// Signs `login` in on a workstation of their own (registered now).
    pub async fn sign_in(server: &TestServer, login: &str) -> Self {
        Self::sign_in_on(server, login, None).await
    }

    /// Signs `login` in on the workstation `device` (a shared one), or a new one.
    pub async fn sign_in_on(server: &TestServer, login: &str, device: Option<DeviceId>) -> Self {
        let http = http();
        let request = LoginRequest {
            protocol: PROTOCOL_VERSION,
            login: login.into(),
            password: PASSWORD.into(),
            device: DeviceRegistration { id: device, name: format!("{login}'s workstation") },
        };
        let response = http.post(format!("{}/auth/login", server.base)).json(&request).send().await.unwrap();
        assert_eq!(response.status(), 200, "sign-in of {login}");
        Self { http, base: server.base.clone(), login: response.json().await.unwrap() }
    }

    /// `GET` of an API path (with its query), signed in.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.base)).bearer_auth(&self.login.token).send().await.unwrap()
    }

    pub async fn post<T: serde::Serialize + ?Sized>(&self, path: &str, body: &T) -> reqwest::Response {
        self.http.post(format!("{}{path}", self.base)).bearer_auth(&self.login.token).json(body).send().await.unwrap()
    }

    /// Pushes documents' changes as they are (however they were made).
    pub async fn push(&self, documents: Vec<(jinlin_shared::ids::ElderId, Vec<Vec<u8>>)>) -> PushResponse {
        let documents = documents
            .into_iter()
            .map(|(elder, changes)| DocumentPush {
                elder,
                changes: changes.into_iter().map(jinlin_shared::wire::AutomergeBytes::new).collect(),
            })
            .collect();
        let response = self.post("/sync/push", &PushRequest::new(documents)).await;
        assert_eq!(response.status(), 200, "a push answers per document");
        response.json().await.unwrap()
    }

    pub async fn post_raw(&self, path: &str, body: Vec<u8>) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.login.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// The author this client's changes carry.
    pub fn author(&self) -> jinlin_shared::author::Author {
        jinlin_shared::author::Author { user: self.login.user.id, device: self.login.device }
    }
}

pub fn now() -> Timestamp {
    jinlin_server::state::now()
}

/// A newly enrolled elder's document in `community`, authored by `client` 30 days ago.
pub fn enrol(client: &Client, community: CommunityId, seed: u64) -> ElderDocument {
    jinlin_testkit::builders::enrolled(client.author(), community, seed, now().plus_hours(-24 * 30))
}

/// Records a green visit an hour ago.
pub fn visit(doc: &mut ElderDocument, client: &Client, seed: u64) -> jinlin_shared::ids::VisitId {
    jinlin_testkit::builders::record_green_visit(doc, client.author(), seed, now().plus_hours(-1), now())
}

/// Pushes every change of these documents, 50 documents a request, and expects each
/// accepted.
pub async fn push_whole<'a>(client: &Client, docs: impl IntoIterator<Item = &'a ElderDocument>) {
    let docs: Vec<&ElderDocument> = docs.into_iter().collect();
    for chunk in docs.chunks(50) {
        let request = PushRequest::new(chunk.iter().map(|d| DocumentPush::whole(d)).collect());
        let answer: PushResponse = client.post("/sync/push", &request).await.json().await.unwrap();
        assert!(answer.results.iter().all(|r| r.outcome.is_accepted()), "{answer:?}");
    }
}

/// Runs the same test body on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($name:ident, $body:path) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                $body($crate::common::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                $body($crate::common::Backend::Postgres).await;
            }
        }
    };
}
