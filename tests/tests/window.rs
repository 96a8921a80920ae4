//! The built desktop app in a real window (Xvfb), driven through tauri-driver and
//! WebKitWebDriver against the real server: sign in, find an elder, record a visit
//! with the server down, see it waiting, start the server, see it arrive, switch to
//! English. Screenshots of each screen are saved under `target/screenshots/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use jinlin_tests::{Scenario, binary, free_port, server_url};
use serde_json::{Value, json};

const LIMIT: Duration = Duration::from_secs(30);
/// W3C WebDriver's key for an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A child process killed when dropped (tauri-driver gets SIGTERM: it must stop its
/// WebKitWebDriver, which SIGKILL would leave holding its port).
struct Process(Child, bool);

impl Drop for Process {
    fn drop(&mut self) {
        if self.1 {
            let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        } else {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < LIMIT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn listening(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// A virtual display of 1366×768, the size of the workstations' screens.
fn xvfb() -> (Process, String) {
    let number = 40 + free_port() % 500;
    let child = Command::new("Xvfb")
        .args([&format!(":{number}"), "-screen", "0", "1366x768x24", "-nolisten", "tcp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb (scripts/setup.sh installs it)");
    let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
    wait_until("Xvfb", || socket.exists());
    (Process(child, false), format!(":{number}"))
}

/// A WebDriver session over plain HTTP.
struct Window {
    http: reqwest::blocking::Client,
    base: String,
    shots: PathBuf,
    taken: usize,
}

impl Window {
    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().unwrap().json().unwrap();
        assert!(answer["value"].get("error").is_none(), "WebDriver {path}: {answer}");
        answer["value"].clone()
    }

    fn find(&self, css: &str) -> String {
        let mut found = None;
        wait_until(css, || {
            let answer: Value = self
                .http
                .post(format!("{}/elements", self.base))
                .json(&json!({ "using": "css selector", "value": css }))
                .send()
                .unwrap()
                .json()
                .unwrap();
            found = answer["value"]
                .as_array()
                .and_then(|a| a.first())
                .map(|e| e[ELEMENT].as_str().unwrap_or_else(|| panic!("an element reference: {answer}")).to_owned());
            found.is_some()
        });
        found.unwrap()
    }

    fn click(&self, css: &str) {
        let element = self.find(css);
        self.call(reqwest::Method::POST, &format!("/element/{element}/click"), Some(json!({})));
    }

    fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.call(reqwest::Method::POST, &format!("/element/{element}/value"), Some(json!({ "text": text })));
    }

    fn text(&self) -> String {
        let script = json!({ "script": "return document.body.innerText", "args": [] });
        self.call(reqwest::Method::POST, "/execute/sync", Some(script)).as_str().unwrap_or_default().to_owned()
    }

    /// The sync bar's words: the state, what waits, the last success.
    fn sync_bar(&self) -> String {
        let script = json!({ "script": "return document.querySelector('.sync-bar').innerText", "args": [] });
        self.call(reqwest::Method::POST, "/execute/sync", Some(script)).as_str().unwrap_or_default().to_owned()
    }

    fn wait_for_sync_bar(&self, wanted: &str) -> String {
        let mut last = String::new();
        wait_until(&format!("the sync bar to say {wanted:?}"), || {
            last = self.sync_bar();
            last.contains(wanted)
        });
        last
    }

    fn wait_for_text(&self, wanted: &str) {
        wait_until(&format!("the window to say {wanted:?}"), || self.text().contains(wanted));
    }

    /// Saves a screenshot after two animation frames, so it shows the last change.
    fn screenshot(&mut self, name: &str) -> PathBuf {
        let frames = json!({ "script": "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));", "args": [] });
        self.call(reqwest::Method::POST, "/execute/async", Some(frames));
        let png = self.call(reqwest::Method::GET, "/screenshot", None);
        let bytes = base64::engine::general_purpose::STANDARD.decode(png.as_str().unwrap()).unwrap();
        self.taken += 1;
        let path = self.shots.join(format!("{:02}-{name}.png", self.taken));
        std::fs::write(&path, bytes).unwrap();
        println!("screenshot: {}", path.display());
        path
    }
}

fn screenshots_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let target = exe.ancestors().nth(3).expect("target/<profile>/deps/<test>").to_owned();
    let dir = target.join("screenshots");
    // Only this run's screenshots: a stale one would pass for a screen that no longer is.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn an_assistant_records_a_visit_offline_in_the_window_and_sees_it_arrive() {
    // The harness is async; WebDriver calls here are plain blocking HTTP.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (scenario, server) = runtime.block_on(Scenario::start());
    let (_display, display) = xvfb();
    let data = tempfile::tempdir().unwrap();
    let (port, native) = (free_port(), free_port());
    let driver = Command::new(tauri_driver())
        .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
        .env("DISPLAY", &display)
        .env("JINLIN_SERVER", server_url(scenario.port))
        .env("JINLIN_STATION_DATA", data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tauri-driver (scripts/setup.sh installs it)");
    let _driver = Process(driver, true);
    // tauri-driver forwards to WebKitWebDriver: both must listen before a session.
    wait_until("tauri-driver and WebKitWebDriver", || listening(port) && listening(native));

    let http = reqwest::blocking::Client::builder().timeout(LIMIT).build().unwrap();
    let capabilities = json!({ "capabilities": { "alwaysMatch": {
        "tauri:options": { "application": binary("jinlin-desktop").display().to_string(), "args": [] }
    } } });
    // On a loaded machine the first request can meet a driver still settling; a
    // session refused outright is retried a few times, an error answer is not.
    let mut session = Value::Null;
    wait_until("a WebDriver session", || {
        match http.post(format!("http://127.0.0.1:{port}/session")).json(&capabilities).send() {
            Ok(answer) => {
                session = answer.json().unwrap();
                true
            }
            Err(_) => false,
        }
    });
    let id = session["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("a session: {session}")).to_owned();
    let mut window =
        Window { http, base: format!("http://127.0.0.1:{port}/session/{id}"), shots: screenshots_dir(), taken: 0 };

    window.wait_for_text("登录");
    window.screenshot("sign-in");
    window.type_into("input[name=login]", &scenario.login);
    window.type_into("input[name=password]", jinlin_tests::DEMO_PASSWORD);
    window.click("form.sign-in button[type=submit]");
    window.wait_for_sync_bar("已同步");
    window.wait_for_text("共 28 人");
    window.screenshot("roster");

    // The server goes away; the assistant finds an elder and records a visit anyway.
    server.stop();
    let first = window.find("li button.name");
    let name = window.call(reqwest::Method::GET, &format!("/element/{first}/text"), None);
    window.type_into("input[type=search]", name.as_str().unwrap());
    window.wait_for_text("共 1 人");
    window.click("li button.name");
    window.wait_for_text("基本信息");
    window.screenshot("elder");
    window.click(".elder > button.primary");
    window.wait_for_text("五项查看");
    window.type_into(".visit-form textarea", "窗口中离线记录");
    window.screenshot("visit-form");
    window.click(".visit-form button[type=submit]");
    window.wait_for_text("1 条修改待同步");
    let bar = window.wait_for_sync_bar("离线");
    assert!(bar.contains("1 条待同步"), "the visit is counted as waiting: {bar}");
    window.screenshot("saved-offline");

    // The server returns; the visit arrives with nobody doing anything.
    let server = scenario.restart_server();
    let bar = window.wait_for_sync_bar("已同步");
    assert!(!bar.contains("待同步"), "nothing waits once synced: {bar}");
    wait_until("the elder page to show the visit synced", || !window.text().contains("待同步"));
    window.screenshot("synced");
    let arrived = runtime.block_on(async {
        use sea_orm::{ConnectionTrait, Statement};
        let db = scenario.central.connect().await;
        let sql = "SELECT COUNT(*) AS n FROM visits WHERE row LIKE '%窗口中离线记录%'".to_owned();
        let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
        row.try_get::<i64>("", "n").unwrap()
    });
    assert_eq!(arrived, 1, "the visit reached the central database");

    // The same screens in English.
    window.click(".elder > button");
    let english = json!({ "script": "const s = document.querySelector('header select'); s.value = 'en'; s.dispatchEvent(new Event('change')); return s.value;", "args": [] });
    window.call(reqwest::Method::POST, "/execute/sync", Some(english));
    window.wait_for_text("Visit roster");
    window.wait_for_sync_bar("Up to date");
    window.screenshot("roster-english");
    let _ = window.http.delete(&window.base).send();
    server.stop();
}

fn tauri_driver() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .unwrap();
    let installed = home.join("bin/tauri-driver");
    if installed.exists() { installed } else { PathBuf::from("tauri-driver") }
}
