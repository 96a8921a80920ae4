//! The harness of the end-to-end scenarios: a central database loaded with a small
//! demo city, the real `jinlin-server` binary started and killed on a fixed port and
//! serving HTTPS with a certificate authority made at test time, workstation cores in
//! temporary directories that trust it, and bounded waits (never sleeps as
//! synchronisation).
//!
//! The binaries come from the same target directory as the test: `cargo test
//! --workspace` builds them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub mod bench;
pub mod crashes;
pub mod faulted;
pub mod load;
pub mod window;

use jinlin_desktop::{Clock, Station, StationConfig, SyncSettings};
use jinlin_shared::ids::CommunityId;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

pub const DEMO_PASSWORD: &str = jinlin_server::demo::DEMO_PASSWORD;

/// A binary built beside this test or tool (`target/<profile>/<name>`; tests and
/// benchmarks run from `target/<profile>/deps`, `jinlin-load` from the profile's own).
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows where it runs");
    let here = exe.parent().expect("an executable lives in a directory");
    let dir =
        if here.ends_with("deps") { here.parent().expect("deps is inside the profile's directory") } else { here };
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: run the tests with `cargo test --workspace`, which builds it",
        path.display()
    );
    path
}

/// A central database holding a small demo city: SQLite in a temporary directory, or
/// a PostgreSQL database of its own.
#[derive(Debug)]
pub struct CentralDb {
    pub url: String,
    database: Option<jinlin_testkit::TestDatabase>,
}

impl CentralDb {
    /// The demo city at `scale` (0.002: one community of 28 elders) on SQLite, built by
    /// the server binary's own `demo` command.
    pub fn demo(scale: f64) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("central.db").display());
        load_demo(&url, scale);
        Self { database: Some(jinlin_testkit::TestDatabase::in_dir(dir, url.clone())), url }
    }

    /// The same on `backend`.
    pub async fn demo_on(backend: jinlin_testkit::Backend, scale: f64) -> Self {
        let database = jinlin_testkit::TestDatabase::fresh(backend).await;
        load_demo(&database.url, scale);
        Self { url: database.url.clone(), database: Some(database) }
    }

    /// A central database someone else filled (a benchmark, say).
    pub fn at(url: String) -> Self {
        Self { url, database: None }
    }

    /// Drops a PostgreSQL database (a SQLite one goes with its directory).
    pub async fn remove(mut self) {
        if let Some(database) = self.database.take() {
            database.remove().await;
        }
    }

    pub async fn connect(&self) -> DatabaseConnection {
        jinlin_server::db::connect(&self.url, false).await.unwrap()
    }

    /// The demo's two assistants of its first community, and that community.
    pub async fn assistants(&self) -> (String, String, CommunityId) {
        use jinlin_server::db::entity::user;
        let db = self.connect().await;
        let mut logins: Vec<user::Model> =
            user::Entity::find().filter(user::Column::Role.eq("assistant")).all(&db).await.unwrap();
        logins.sort_by(|a, b| a.login.cmp(&b.login));
        let first = &logins[0];
        let community = first.scope_area_id.clone().unwrap().parse().unwrap();
        let second = logins.iter().find(|u| u.scope_area_id == first.scope_area_id && u.id != first.id).unwrap();
        db.close().await.unwrap();
        (first.login.clone(), second.login.clone(), community)
    }

    /// Every assistant's login with their community.
    pub async fn assistant_logins(&self) -> Vec<(String, CommunityId)> {
        use jinlin_server::db::entity::user;
        let db = self.connect().await;
        let mut users: Vec<user::Model> =
            user::Entity::find().filter(user::Column::Role.eq("assistant")).all(&db).await.unwrap();
        users.sort_by(|a, b| a.login.cmp(&b.login));
        db.close().await.unwrap();
        users.into_iter().map(|u| (u.login, u.scope_area_id.unwrap().parse().unwrap())).collect()
    }

    /// Rows of a central table matching `column = value`.
    pub async fn count_where(&self, table: &str, column: &str, value: &str) -> i64 {
        use sea_orm::{ConnectionTrait, Statement};
        let db = self.connect().await;
        let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE {column} = ?");
        let row = db
            .query_one_raw(Statement::from_sql_and_values(db.get_database_backend(), sql, [value.into()]))
            .await
            .unwrap()
            .unwrap();
        let n = row.try_get::<i64>("", "n").unwrap();
        db.close().await.unwrap();
        n
    }

    /// The first row's `v` column of `sql`, as text.
    pub async fn text(&self, sql: &str) -> String {
        use sea_orm::{ConnectionTrait, Statement};
        let db = self.connect().await;
        let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql.to_owned())).await.unwrap();
        let value = row.unwrap().try_get::<String>("", "v").unwrap();
        db.close().await.unwrap();
        value
    }
}

/// The real server binary serving a central database over HTTPS (the test
/// authority's certificate): the kit's server process, on a [`quiet_port`] the first
/// time.
#[derive(Debug)]
pub struct ServerProcess {
    process: jinlin_testkit::ServerProcess,
    pub port: u16,
}

/// What a test server starts with besides its database.
#[derive(Debug, Default, Clone, Copy)]
pub struct ServerOptions<'a> {
    /// Where its log goes (at `info`: a line per request); kept in memory when `None`.
    pub log: Option<&'a Path>,
    /// A visit policy file (TOML); DOMAIN.md's defaults when `None`.
    pub policy: Option<&'a Path>,
    /// The port of an earlier run, to restart on (workstations know the server by
    /// it); whatever the system gives when `None`.
    pub port: Option<u16>,
    /// More of its environment (`JINLIN_MINIMUM_APP_VERSION`, say).
    pub env: &'a [(&'a str, &'a str)],
}

impl ServerProcess {
    pub fn start(db: &CentralDb) -> Self {
        Self::start_with(db, ServerOptions::default())
    }

    pub fn start_with(db: &CentralDb, options: ServerOptions<'_>) -> Self {
        let ca = test_authority();
        let process = jinlin_testkit::ServerProcess::start(
            &binary("jinlin-server"),
            jinlin_testkit::ServeOptions {
                database_url: &db.url,
                bind: Some(std::net::SocketAddr::from(([127, 0, 0, 1], options.port.unwrap_or_else(quiet_port)))),
                policy: options.policy,
                tls: Some((&ca.server_certificate, &ca.server_key)),
                log: options.log,
                env: options.env,
            },
        );
        let port = process.port;
        Self { process, port }
    }

    /// SIGKILL: no shutdown, no flush.
    pub fn kill(self) {
        self.process.kill();
    }

    /// SIGTERM, and wait for the graceful exit.
    pub fn stop(self) {
        let log = self.process.log();
        let status = self.process.terminate();
        assert!(status.success(), "the server stopped by SIGTERM exits cleanly ({status}):\n{log}");
    }
}

fn load_demo(url: &str, scale: f64) {
    let status = Command::new(binary("jinlin-server"))
        .args(["--database-url", url, "demo", "--scale", &scale.to_string()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "the demo city loads");
}

/// An HTTP client builder trusting the test authority. reqwest is built with rustls
/// and no crypto provider of its own: ring's is installed here first.
pub fn http_builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let authority = std::fs::read(&test_authority().certificate).unwrap();
    reqwest::Client::builder().tls_certs_merge(reqwest::Certificate::from_pem_bundle(&authority).unwrap())
}

/// A free port below the system's ephemeral range (Linux gives 32768 and up to a bind
/// to port 0 and to outgoing connections): a test server stopped and started again on
/// it cannot find it taken meanwhile by another test's server, metrics or driver,
/// which all bind to 0. Each call in a process takes the next port of the range.
fn quiet_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    const FIRST: u32 = 20_000;
    const COUNT: u32 = 12_000;
    static NEXT: AtomicU32 = AtomicU32::new(0);
    // Test binaries run one after another; the process id spreads a rerun's ports.
    let start = std::process::id() * 97 % COUNT;
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        assert!(n < COUNT, "no free port below the ephemeral range");
        let port = u16::try_from(FIRST + (start + n) % COUNT).expect("the range is below 65536");
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// The address a workstation uses for the test server on `port`: HTTPS.
pub fn server_url(port: u16) -> String {
    format!("https://localhost:{port}")
}

/// A certificate authority made for this test run, and a server certificate it
/// signed for `localhost` and 127.0.0.1; the workstations trust the authority the way
/// a city's workstations trust its own (`ca_certificate` in the settings).
#[derive(Debug)]
pub struct TestAuthority {
    /// The authority's certificate (PEM), for the workstations.
    pub certificate: PathBuf,
    pub server_certificate: PathBuf,
    pub server_key: PathBuf,
    _dir: tempfile::TempDir,
}

/// The run's authority, made once.
pub fn test_authority() -> &'static TestAuthority {
    static AUTHORITY: std::sync::OnceLock<TestAuthority> = std::sync::OnceLock::new();
    AUTHORITY.get_or_init(|| {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, SanType};
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.distinguished_name.push(DnType::CommonName, "Jinlin test authority");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let ca_issuer = rcgen::Issuer::new(ca_params, ca_key);
        let server_key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params.subject_alt_names.push(SanType::IpAddress(std::net::IpAddr::from([127, 0, 0, 1])));
        params.distinguished_name.push(DnType::CommonName, "localhost");
        let server = params.signed_by(&server_key, &ca_issuer).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, pem: String| {
            let path = dir.path().join(name);
            std::fs::write(&path, pem).unwrap();
            path
        };
        TestAuthority {
            certificate: write("ca.pem", ca.pem()),
            server_certificate: write("server.pem", server.pem()),
            server_key: write("server-key.pem", server_key.serialize_pem()),
            _dir: dir,
        }
    })
}

/// A proxy in front of the server on `upstream` that answers every push with 503
/// (the server busy, say) and passes every other request through. Returns its port;
/// it serves until the test's runtime ends.
pub async fn proxy_refusing_pushes(upstream: u16) -> u16 {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, Method, StatusCode, Uri};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let http = http_builder().build().unwrap();
    let forward = move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
        let http = http.clone();
        async move {
            if uri.path().ends_with("/sync/push") {
                let refusal = serde_json::json!({ "error": "unavailable", "message": "the proxy refuses pushes" });
                return (StatusCode::SERVICE_UNAVAILABLE, HeaderMap::new(), refusal.to_string().into_bytes());
            }
            let mut request = http.request(method, format!("{}{uri}", server_url(upstream))).body(body.to_vec());
            for name in [axum::http::header::AUTHORIZATION, axum::http::header::CONTENT_TYPE] {
                if let Some(value) = headers.get(&name) {
                    request = request.header(name, value);
                }
            }
            let answer = request.send().await.unwrap();
            let status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
            let mut headers = HeaderMap::new();
            if let Some(kind) = answer.headers().get(reqwest::header::CONTENT_TYPE) {
                headers.insert(axum::http::header::CONTENT_TYPE, kind.to_str().unwrap().parse().unwrap());
            }
            (status, headers, answer.bytes().await.unwrap().to_vec())
        }
    };
    let app = axum::Router::new().fallback(forward);
    tokio::spawn(async move { axum::serve(listener, app).await });
    port
}

/// Sync settings for tests: quick to react, quick to retry.
pub fn quick_sync() -> SyncSettings {
    SyncSettings {
        debounce: Duration::from_millis(50),
        interval: Duration::from_secs(2),
        backoff_min: Duration::from_millis(100),
        backoff_max: Duration::from_millis(400),
    }
}

/// A workstation core with its store in `dir`.
pub async fn station(dir: &Path, port: u16, clock: Clock) -> Station {
    Station::open(StationConfig {
        data_dir: dir.to_owned(),
        server: server_url(port),
        server_ca: Some(test_authority().certificate.clone()),
        device_name: format!("test workstation {}", dir.display()),
        clock,
    })
    .await
    .unwrap()
}

/// Polls `check` until it gives `Some`, for at most `limit`.
pub async fn wait_for<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(started.elapsed() < limit, "timed out after {limit:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The `jinlin-station` binary running `run`: the workstation as a process, to be
/// fed visits on standard input and killed.
#[derive(Debug)]
pub struct StationProcess {
    child: Child,
    stdin: Option<std::process::ChildStdin>,
    lines: std::sync::mpsc::Receiver<String>,
}

/// `jinlin-station` with the store in `dir`, signing in as `login`.
pub fn station_command(dir: &Path, port: u16, login: &str) -> Command {
    let mut command = Command::new(binary("jinlin-station"));
    command
        .args(["--data", &dir.display().to_string(), "--server", &server_url(port), "--login", login])
        .arg("--ca-certificate")
        .arg(&test_authority().certificate)
        .arg("--log-dir")
        .arg(dir.join("logs"))
        .env("JINLIN_PASSWORD", DEMO_PASSWORD)
        .env("RUST_LOG", "warn");
    command
}

impl StationProcess {
    pub fn run(dir: &Path, port: u16, login: &str) -> Self {
        Self::spawn(dir, port, login, Stdio::piped())
    }

    /// `run` as a service manager starts it: with no standard input at all.
    pub fn run_without_input(dir: &Path, port: u16, login: &str) -> Self {
        Self::spawn(dir, port, login, Stdio::null())
    }

    fn spawn(dir: &Path, port: u16, login: &str, stdin: Stdio) -> Self {
        let mut child = station_command(dir, port, login)
            .arg("run")
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Self { child, stdin, lines }
    }

    pub fn send(&mut self, line: &str) {
        use std::io::Write as _;
        let stdin = self.stdin.as_mut().expect("jinlin-station was started with a standard input");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Ends its standard input, as a pipe's writer does when it is done.
    pub fn close_input(&mut self) {
        self.stdin = None;
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (`TERM`, `INT`) and waits up to `limit` for the exit; `None`
    /// when it is still running then.
    pub fn signal_and_wait(&mut self, signal: &str, limit: Duration) -> Option<std::process::ExitStatus> {
        let _ = Command::new("kill").args([&format!("-{signal}"), &self.child.id().to_string()]).status();
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// The first line (from now) that `wanted` accepts, within `limit`.
    pub fn expect_line(&self, limit: Duration, wanted: impl Fn(&str) -> bool) -> String {
        self.lines_until(limit, wanted).pop().expect("the wanted line ends the lines")
    }

    /// Every line from now up to and including the first that `wanted` accepts,
    /// within `limit`.
    pub fn lines_until(&self, limit: Duration, wanted: impl Fn(&str) -> bool) -> Vec<String> {
        let deadline = Instant::now() + limit;
        let mut lines = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let done = wanted(&line);
                    lines.push(line);
                    if done {
                        return lines;
                    }
                }
                Err(error) => panic!("no expected line from jinlin-station within {limit:?} ({error}); saw {lines:?}"),
            }
        }
    }

    /// The lines it has printed so far and nobody read yet.
    pub fn lines_now(&self) -> Vec<String> {
        self.lines.try_iter().collect()
    }

    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub fn stop(mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "jinlin-station stopped cleanly: {status}");
    }
}

impl Drop for StationProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A home visit that met the elder, all checks left unchecked, with `notes`, as the
/// window's form sends it.
pub fn home_visit(notes: &str) -> jinlin_desktop::forms::VisitForm {
    jinlin_desktop::forms::VisitForm {
        visited_at: None,
        record: jinlin_testkit::builders::home_visit(notes),
        follow_up: None,
        completes: Vec::new(),
    }
}

/// The usual start of a scenario: a demo city of one community, its two assistants,
/// and the server running on a [`quiet_port`], which it keeps across
/// restarts.
#[derive(Debug)]
pub struct Scenario {
    pub central: CentralDb,
    pub port: u16,
    /// The community's two assistants.
    pub login: String,
    pub other: String,
    pub community: CommunityId,
    /// The city's policy file, when it has its own: the server reads it at each
    /// start, so writing another and restarting changes the city's rules.
    pub policy: Option<PathBuf>,
    _policy_dir: Option<tempfile::TempDir>,
}

impl Scenario {
    /// The city and the server, started.
    pub async fn start() -> (Self, ServerProcess) {
        Self::start_with_policy(None).await
    }

    /// The same, the server judging by `policy` (TOML) when given.
    pub async fn start_with_policy(policy: Option<&str>) -> (Self, ServerProcess) {
        Self::start_at(0.002, policy).await
    }

    /// The same with `scale` of the demo city (0.002: one community; 0.005: several).
    pub async fn start_at(scale: f64, policy: Option<&str>) -> (Self, ServerProcess) {
        let central = CentralDb::demo(scale);
        let (login, other, community) = central.assistants().await;
        let policy_dir = policy.map(|_| tempfile::tempdir().unwrap());
        let policy_file = policy_dir.as_ref().zip(policy).map(|(dir, text)| {
            let path = dir.path().join("policy.toml");
            std::fs::write(&path, text).unwrap();
            path
        });
        let options = ServerOptions { policy: policy_file.as_deref(), ..ServerOptions::default() };
        let server = ServerProcess::start_with(&central, options);
        let port = server.port;
        (Self { central, port, login, other, community, policy: policy_file, _policy_dir: policy_dir }, server)
    }

    /// A workstation in `dir` where `login` signed in online and synced.
    pub async fn signed_in(&self, dir: &Path, login: &str, clock: Clock) -> Station {
        let station = station(dir, self.port, clock).await;
        station.sign_in(login, DEMO_PASSWORD).await.unwrap();
        station.sync_once().await.unwrap();
        station
    }

    /// The code of the street holding the scenario's community (its supervisor signs
    /// in as `s<code>`).
    pub async fn street_code(&self) -> String {
        use jinlin_server::db::entity::area;
        let db = self.central.connect().await;
        let community = area::Entity::find_by_id(self.community.to_string()).one(&db).await.unwrap().unwrap();
        let street = area::Entity::find_by_id(community.parent_id.unwrap()).one(&db).await.unwrap().unwrap();
        db.close().await.unwrap();
        street.code
    }

    /// The server again, on the port the workstations know.
    pub fn restart_server(&self) -> ServerProcess {
        let options =
            ServerOptions { policy: self.policy.as_deref(), port: Some(self.port), ..ServerOptions::default() };
        ServerProcess::start_with(&self.central, options)
    }
}
