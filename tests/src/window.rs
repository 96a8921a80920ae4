//! The built desktop app in a real window: a virtual display (Xvfb), tauri-driver and
//! WebKitWebDriver, and a WebDriver session spoken over plain blocking HTTP. Used by
//! the real-window test and the window benchmark.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

use crate::binary;

pub const LIMIT: Duration = Duration::from_secs(30);
/// WebDriver's codes of the Tab and Enter keys.
pub const TAB: &str = "\u{E004}";
pub const ENTER: &str = "\u{E007}";
/// W3C WebDriver's key for an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A child process killed when dropped (tauri-driver gets SIGTERM: it must stop its
/// WebKitWebDriver, which SIGKILL would leave holding its port).
#[derive(Debug)]
pub struct Process(Child, bool);

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

pub fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < LIMIT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn listening(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// A virtual display of 1366×768, the size of the workstations' screens.
pub fn xvfb() -> (Process, String) {
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
#[derive(Debug)]
pub struct Window {
    pub http: reqwest::blocking::Client,
    pub base: String,
    /// Where screenshots go, numbered in the order taken.
    pub shots: PathBuf,
    pub taken: usize,
    /// When the session was asked for: the app's launch.
    pub launched_at: Instant,
    /// Keeps tauri-driver (and so the app) running while the window is in use.
    _driver: Process,
}

impl Window {
    pub fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().unwrap().json().unwrap();
        assert!(answer["value"].get("error").is_none(), "WebDriver {path}: {answer}");
        answer["value"].clone()
    }

    pub fn find(&self, css: &str) -> String {
        self.find_by("css selector", css)
    }

    /// The first element an XPath finds: for "the button in the line that says …".
    pub fn find_xpath(&self, xpath: &str) -> String {
        self.find_by("xpath", xpath)
    }

    pub fn find_by(&self, using: &str, value: &str) -> String {
        let mut found = None;
        wait_until(value, || {
            let answer: Value = self
                .http
                .post(format!("{}/elements", self.base))
                .json(&json!({ "using": using, "value": value }))
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

    pub fn click(&self, css: &str) {
        let element = self.find(css);
        self.click_element(&element);
    }

    /// Clicks an element as a person would: brought to the middle of the window first
    /// (clear of the sticky header and sync bar). A screen that has just appeared may
    /// still be scrolling to its focused heading, which WebKit reports as "element not
    /// interactable"; the click is tried again while that settles, never past the limit.
    pub fn click_element(&self, element: &str) {
        let reference = json!({ ELEMENT: element });
        let started = Instant::now();
        loop {
            let center = json!({ "script": "arguments[0].scrollIntoView({ block: 'center' });", "args": [reference] });
            self.call(reqwest::Method::POST, "/execute/sync", Some(center));
            let answer: Value = self
                .http
                .post(format!("{}/element/{element}/click", self.base))
                .json(&json!({}))
                .send()
                .unwrap()
                .json()
                .unwrap();
            match answer["value"].get("error").and_then(Value::as_str) {
                None => return,
                Some("element not interactable") if started.elapsed() < LIMIT => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Some(_) => panic!("WebDriver click: {answer}"),
            }
        }
    }

    pub fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.call(reqwest::Method::POST, &format!("/element/{element}/value"), Some(json!({ "text": text })));
    }

    /// Empties the field, then types `text` key by key.
    pub fn replace_text(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.call(reqwest::Method::POST, &format!("/element/{element}/clear"), Some(json!({})));
        self.call(reqwest::Method::POST, &format!("/element/{element}/value"), Some(json!({ "text": text })));
    }

    pub fn text(&self) -> String {
        let script = json!({ "script": "return document.body.innerText", "args": [] });
        self.call(reqwest::Method::POST, "/execute/sync", Some(script)).as_str().unwrap_or_default().to_owned()
    }

    /// The sync bar's words: the state, what waits, the last success.
    pub fn sync_bar(&self) -> String {
        let script = json!({ "script": "return document.querySelector('.sync-bar').innerText", "args": [] });
        self.call(reqwest::Method::POST, "/execute/sync", Some(script)).as_str().unwrap_or_default().to_owned()
    }

    pub fn wait_for_sync_bar(&self, wanted: &str) -> String {
        let mut last = String::new();
        wait_until(&format!("the sync bar to say {wanted:?}"), || {
            last = self.sync_bar();
            last.contains(wanted)
        });
        last
    }

    /// Waits for `wanted` on the page; a time-out shows what the page said instead.
    pub fn wait_for_text(&self, wanted: &str) {
        self.wait_for_any(&[wanted]);
    }

    /// Waits for any of `wanted` on the page, answering which; a time-out shows what
    /// the page said instead.
    pub fn wait_for_any<'w>(&self, wanted: &[&'w str]) -> &'w str {
        let started = Instant::now();
        loop {
            let text = self.text();
            if let Some(found) = wanted.iter().find(|w| text.contains(**w)) {
                return found;
            }
            assert!(started.elapsed() < LIMIT, "timed out waiting for the window to say {wanted:?}; it says:\n{text}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Saves a screenshot after two animation frames, so it shows the last change.
    pub fn screenshot(&mut self, name: &str) -> PathBuf {
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

    /// The first page of a PDF the app saved, as a picture beside the screenshots
    /// (poppler's `pdftoppm`): a printed sheet is looked at like a screen.
    pub fn picture_of_pdf(&mut self, pdf: &std::path::Path, name: &str) -> PathBuf {
        self.taken += 1;
        let stem = self.shots.join(format!("{:02}-{name}", self.taken));
        let made = Command::new("pdftoppm")
            .args(["-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"])
            .arg(pdf)
            .arg(&stem)
            .status()
            .expect("pdftoppm (poppler-utils, installed by scripts/setup.sh)");
        assert!(made.success(), "pdftoppm could not read {}", pdf.display());
        let path = stem.with_extension("png");
        println!("screenshot: {}", path.display());
        path
    }
}

pub fn screenshots_dir(scenario: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let target = exe.ancestors().nth(3).expect("target/<profile>/deps/<test>").to_owned();
    let dir = target.join("screenshots").join(scenario);
    // Only this run's screenshots of the scenario: a stale one would pass for a screen
    // that no longer is.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Window {
    /// Starts tauri-driver on `display` with `env` for the app, and opens a WebDriver
    /// session: the built `jinlin-desktop` starts in its window.
    pub fn launch(display: &str, env: &[(&str, &std::ffi::OsStr)], shots: PathBuf) -> Self {
        let (port, native) = (free_port(), free_port());
        let mut command = Command::new(tauri_driver());
        command
            .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .env("DISPLAY", display)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (name, value) in env {
            command.env(name, value);
        }
        let driver = Process(command.spawn().expect("tauri-driver (scripts/setup.sh installs it)"), true);
        // tauri-driver forwards to WebKitWebDriver: both must listen before a session.
        wait_until("tauri-driver and WebKitWebDriver", || listening(port) && listening(native));

        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::blocking::Client::builder().timeout(LIMIT).build().unwrap();
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "tauri:options": { "application": binary("jinlin-desktop").display().to_string(), "args": [] }
        } } });
        // On a loaded machine the first request can meet a driver still settling; a
        // session refused outright is retried a few times, an error answer is not.
        let mut session = Value::Null;
        let mut launched_at = Instant::now();
        wait_until("a WebDriver session", || {
            launched_at = Instant::now();
            match http.post(format!("http://127.0.0.1:{port}/session")).json(&capabilities).send() {
                Ok(answer) => {
                    session = answer.json().unwrap();
                    true
                }
                Err(_) => false,
            }
        });
        let id = session["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("a session: {session}")).to_owned();
        Self {
            http,
            base: format!("http://127.0.0.1:{port}/session/{id}"),
            shots,
            taken: 0,
            launched_at,
            _driver: driver,
        }
    }

    /// Presses keys on whatever has the focus, as a person at the keyboard would
    /// (WebDriver's codes: [`TAB`], [`ENTER`]).
    pub fn press(&self, keys: &str) {
        let active = self.call(reqwest::Method::GET, "/element/active", None);
        let element = active[ELEMENT].as_str().unwrap_or_else(|| panic!("a focused element: {active}")).to_owned();
        self.call(reqwest::Method::POST, &format!("/element/{element}/value"), Some(json!({ "text": keys })));
    }

    /// What has the focus: its tag, class, name attribute and text.
    pub fn focused(&self) -> String {
        let script = "const e = document.activeElement; return [e.tagName, e.className, e.getAttribute('name') ?? '', e.id, e.textContent.trim()].join(' | ');";
        self.run(script).as_str().unwrap_or_default().to_owned()
    }

    /// Presses Tab until the focus is on something `wanted` accepts (at most 40 times).
    pub fn tab_to(&self, what: &str, wanted: impl Fn(&str) -> bool) -> String {
        for _ in 0..40 {
            self.press(TAB);
            let focused = self.focused();
            if wanted(&focused) {
                return focused;
            }
        }
        panic!("Tab never reached {what}; the focus is on {}", self.focused());
    }

    /// Runs `script` in the page and gives what it returns.
    pub fn run(&self, script: &str) -> Value {
        self.call(reqwest::Method::POST, "/execute/sync", Some(json!({ "script": script, "args": [] })))
    }

    /// Ends the session (the app exits), then stops the drivers.
    pub fn close(self) {
        let _ = self.http.delete(&self.base).send();
    }
}

/// tauri-driver as `scripts/setup.sh` installs it.
pub fn tauri_driver() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .unwrap();
    let installed = home.join("bin/tauri-driver");
    if installed.exists() { installed } else { PathBuf::from("tauri-driver") }
}

/// A port nobody listens on now, for tauri-driver and WebKit's driver: programs that
/// take a port to listen on and do not say which one they got from port 0. (The
/// server, which does, always starts on port 0.)
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
