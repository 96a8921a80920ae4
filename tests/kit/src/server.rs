//! The real `jinlin-server` binary as a child process.
//!
//! It listens on port 0 unless told an address, and its first line of standard output
//! ("jinlin-server listening on <url>") says where; so no test picks a free port and
//! races another process for it between picking and binding. A restart asks for the
//! same address the first run was given by the system.

use std::io::{BufRead as _, BufReader, Read};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// The longest wait for anything a server process should do at once: start, exit.
pub const BOUND: Duration = Duration::from_secs(30);

/// How a test server starts, besides its binary.
#[derive(Debug, Clone, Copy)]
pub struct ServeOptions<'a> {
    pub database_url: &'a str,
    /// Where to listen; port 0 on the loopback when `None`.
    pub bind: Option<SocketAddr>,
    /// A visit policy file (TOML); DOMAIN.md's defaults when `None`.
    pub policy: Option<&'a Path>,
    /// HTTPS with this certificate and key (PEM files); plain HTTP when `None`.
    pub tls: Option<(&'a Path, &'a Path)>,
    /// Where its log goes, at `info` (a line per request). When `None`, warnings and
    /// errors are kept in memory and shown when the process fails the test.
    pub log: Option<&'a Path>,
    /// More of its environment (`JINLIN_MINIMUM_APP_VERSION`, say).
    pub env: &'a [(&'a str, &'a str)],
}

impl<'a> ServeOptions<'a> {
    pub fn new(database_url: &'a str) -> Self {
        Self { database_url, bind: None, policy: None, tls: None, log: None, env: &[] }
    }
}

/// A `jinlin-server serve` child process. Dropping it kills the process (SIGKILL), so
/// a failing test leaves no server behind.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    /// Where it listens, as `http(s)://127.0.0.1:PORT`.
    pub address: String,
    pub port: u16,
    /// What the process wrote to standard error, when it is not logging to a file.
    log: Arc<Mutex<String>>,
}

impl ServerProcess {
    pub fn start(binary: &Path, options: ServeOptions<'_>) -> Self {
        let mut command = Command::new(binary);
        command.arg("--database-url").arg(options.database_url);
        if let Some(policy) = options.policy {
            command.arg("--policy").arg(policy);
        }
        let bind = options.bind.map_or_else(|| "127.0.0.1:0".to_owned(), |a| a.to_string());
        command.args(["serve", "--bind", &bind, "--metrics-bind", "127.0.0.1:0"]);
        if let Some((certificate, key)) = options.tls {
            command.arg("--tls-cert").arg(certificate).arg("--tls-key").arg(key);
        }
        let (stderr, level) = match options.log {
            Some(path) => (Stdio::from(std::fs::File::create(path).unwrap()), "info"),
            None => (Stdio::piped(), "warn"),
        };
        command.envs(options.env.iter().copied());
        let mut child = command
            .env("RUST_LOG", level)
            .env("NO_COLOR", "1")
            .env_remove("DATABASE_URL")
            .env_remove("JINLIN_BIND")
            .env_remove("JINLIN_POLICY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|error| panic!("{} does not start: {error}", binary.display()));
        let log = Arc::new(Mutex::new(String::new()));
        if let Some(stderr) = child.stderr.take() {
            collect(stderr, log.clone());
        }
        let first = first_line(&mut child);
        let Some(address) = first.as_deref().and_then(|line| line.trim().strip_prefix("jinlin-server listening on "))
        else {
            let _ = child.kill();
            let status = child.wait();
            panic!("the server did not start ({first:?}, {status:?}):\n{}", log.lock().unwrap());
        };
        let port = address.rsplit(':').next().and_then(|p| p.parse().ok()).expect("the address ends in its port");
        Self { address: address.to_owned(), port, child, log }
    }

    /// The API's root, `…/api/v1`.
    pub fn base(&self) -> String {
        format!("{}/api/v1", self.address)
    }

    /// Where it listens, to restart a server on the same address.
    pub fn socket_address(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What it wrote to standard error so far (when not logging to a file).
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// SIGKILL, as a crash or the OOM killer would; returns once the process is gone.
    pub fn kill(mut self) -> ExitStatus {
        self.child.kill().unwrap();
        self.child.wait().unwrap()
    }

    /// SIGTERM, as a service manager stops it; returns once the process exited.
    pub fn terminate(mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success(), "kill -TERM {pid}");
        let deadline = Instant::now() + BOUND;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not stop within {BOUND:?} of SIGTERM:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Its resident memory now (`VmRSS`) or at its peak (`VmHWM`), in MiB, as the
    /// kernel counts it (0 where there is no `/proc`).
    pub fn memory_mib(&self, field: MemoryField) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let field = match field {
            MemoryField::Now => "VmRSS:",
            MemoryField::Peak => "VmHWM:",
        };
        status
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kib| kib.parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0)
    }
}

/// Which of a process's memory figures.
#[derive(Debug, Clone, Copy)]
pub enum MemoryField {
    Now,
    Peak,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first line of the child's standard output, within [`BOUND`]; the rest is read
/// on and dropped, so the server never writes into a closed pipe.
fn first_line(child: &mut Child) -> Option<String> {
    let stdout = child.stdout.take().expect("standard output is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let read = reader.read_line(&mut line).ok().filter(|n| *n > 0).map(|_| line);
        let _ = tx.send(read);
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    });
    rx.recv_timeout(BOUND).ok().flatten()
}

/// Reads a stream to its end on a thread of its own, keeping its lines in `into`.
fn collect(stream: impl Read + Send + 'static, into: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let mut text = into.lock().unwrap();
            text.push_str(&line);
            text.push('\n');
        }
    });
}
