//! The sync server's HTTP API, as the workstation calls it: typed requests and
//! answers from the shared wire types, and errors that say whether the server was
//! unreachable, refused, or answered something unintelligible.
//!
//! HTTPS is rustls (the ring provider) with the platform's certificate roots, plus a
//! city's own certificate authority when the settings name one. Plain `http://` is
//! refused for any server that is not this computer: passwords, tokens, the data key
//! and ID numbers would cross the network in the clear.

use std::path::Path;
use std::time::Duration;

use jinlin_shared::alert::{AlertView, CloseAlert};
use jinlin_shared::ids::{CommunityId, ElderId, VisitId};
use jinlin_shared::label::Language;
use jinlin_shared::report::{MonthlyReport, ReportFormat};
use jinlin_shared::roster_file::{RosterApplied, RosterReading};
use jinlin_shared::time::Month;
use jinlin_shared::warning::WarningView;
use jinlin_shared::wire::{AssistantHandover, HandoverMove};
use jinlin_shared::wire::{
    BootstrapRequest, BootstrapResponse, CityPolicy, ErrorBody, IdentityAccepted, IdentitySubmission, LoginRequest,
    LoginResponse, PullRequest, PullResponse, PushRequest, PushResponse, ServerVersion,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// No answer: no network, the server down, or the connection cut mid-way.
    #[error("the server at {server} cannot be reached: {reason}")]
    Unreachable { server: String, reason: String },
    /// The server answered with its JSON error.
    #[error("the server refused: {0}")]
    Refused(ErrorBody),
    /// An answer that is not what the protocol promises.
    #[error("the server's answer was not understood (HTTP {status}): {reason}")]
    Protocol { status: u16, reason: String },
    #[error("{0:?} is not a server address (expected https://host:port)")]
    BadAddress(String),
    /// `http://` to a server that is not this computer.
    #[error(
        "{0} is plain HTTP to another computer: passwords and records would cross the network unencrypted; use https://"
    )]
    PlainHttp(String),
    /// The certificate authority file named in the settings could not be used.
    #[error("the certificate authority file {path} cannot be used: {reason}")]
    BadCertificateAuthority { path: String, reason: String },
    /// The server's certificate is not trusted (or not for this name).
    #[error("the server at {server} has a certificate this workstation does not trust: {reason}")]
    Untrusted { server: String, reason: String },
}

#[derive(Debug, Clone)]
pub struct ServerClient {
    http: reqwest::Client,
    server: String,
    api: String,
}

impl ServerClient {
    /// A client of the server at `server` (e.g. `https://jinlin.example.gov.cn`, or
    /// `http://127.0.0.1:8080` on this computer), trusting the platform's roots and
    /// the certificate authority in the PEM file `extra_ca`, if any.
    pub fn new(server: &str, extra_ca: Option<&Path>) -> Result<Self, ClientError> {
        let server = server.trim().trim_end_matches('/').to_owned();
        let url = reqwest::Url::parse(&server).map_err(|_| ClientError::BadAddress(server.clone()))?;
        let Some(host) = url.host_str() else { return Err(ClientError::BadAddress(server)) };
        // The server's address alone: a path, a query or a fragment is a typo or a
        // page's address copied from a browser, and would send every request astray.
        if url.path() != "/" && !url.path().is_empty() || url.query().is_some() || url.fragment().is_some() {
            return Err(ClientError::BadAddress(server));
        }
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let loopback =
            host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => return Err(ClientError::PlainHttp(server)),
            _ => return Err(ClientError::BadAddress(server)),
        }
        install_crypto_provider();
        let mut builder =
            reqwest::Client::builder().connect_timeout(Duration::from_secs(3)).timeout(Duration::from_secs(60));
        if let Some(path) = extra_ca {
            let bad =
                |reason: String| ClientError::BadCertificateAuthority { path: path.display().to_string(), reason };
            let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
            let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| bad(e.to_string()))?;
            if certificates.is_empty() {
                return Err(bad("it holds no PEM certificate".into()));
            }
            builder = builder.tls_certs_merge(certificates);
        }
        let http = builder.build().map_err(|e| ClientError::BadAddress(format!("{server}: {e}")))?;
        Ok(Self { http, api: format!("{server}/api/v1"), server })
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    pub async fn health(&self) -> Result<(), ClientError> {
        let response = self.http.get(format!("{}/health", self.api)).send().await.map_err(|e| self.unreachable(e))?;
        self.answer::<serde_json::Value>(response).await.map(drop)
    }

    pub async fn login(&self, request: &LoginRequest) -> Result<LoginResponse, ClientError> {
        self.post("/auth/login", None, request).await
    }

    /// What the server speaks and what the city says of its apps; asks no token.
    pub async fn version(&self) -> Result<ServerVersion, ClientError> {
        let response = self.http.get(format!("{}/version", self.api)).send().await.map_err(|e| self.unreachable(e))?;
        self.answer(response).await
    }

    pub async fn logout(&self, token: &str) -> Result<(), ClientError> {
        self.post::<serde_json::Value>("/auth/logout", Some(token), &serde_json::json!({})).await.map(drop)
    }

    pub async fn push(&self, token: &str, request: &PushRequest) -> Result<PushResponse, ClientError> {
        self.post("/sync/push", Some(token), request).await
    }

    pub async fn pull(&self, token: &str, request: &PullRequest) -> Result<PullResponse, ClientError> {
        self.post("/sync/pull", Some(token), request).await
    }

    /// The policy the server judges by.
    pub async fn policy(&self, token: &str) -> Result<CityPolicy, ClientError> {
        let response = self.get("/policy", token, &[]).await?;
        self.answer(response).await
    }

    pub async fn bootstrap(&self, token: &str, request: &BootstrapRequest) -> Result<BootstrapResponse, ClientError> {
        self.post("/sync/bootstrap", Some(token), request).await
    }

    pub async fn set_identity(
        &self,
        token: &str,
        elder: ElderId,
        submission: &IdentitySubmission,
    ) -> Result<IdentityAccepted, ClientError> {
        let response = self
            .http
            .put(format!("{}/elders/{elder}/identity", self.api))
            .bearer_auth(token)
            .json(submission)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        self.answer(response).await
    }

    /// The monthly report of `area` (by code; the caller's whole scope when none), as
    /// JSON to show on screen. The server audits it as a view, apart from exports.
    pub async fn monthly_report(
        &self,
        token: &str,
        month: Month,
        area: Option<&str>,
    ) -> Result<MonthlyReport, ClientError> {
        let mut query = report_query(month, area, ReportFormat::Json, Language::ZhCn);
        query.push(("purpose", "view".to_owned()));
        let response = self.get("/reports/monthly", token, &query).await?;
        self.answer(response).await
    }

    /// The monthly report as a file in `format` (CSV: the summary section),
    /// named as the server names it.
    pub async fn report_file(
        &self,
        token: &str,
        month: Month,
        area: Option<&str>,
        format: ReportFormat,
        language: Language,
    ) -> Result<ReportFile, ClientError> {
        let response = self.get("/reports/monthly", token, &report_query(month, area, format, language)).await?;
        let name = response
            .headers()
            .get(reqwest::header::CONTENT_DISPOSITION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split("filename=\"").nth(1))
            .and_then(|rest| rest.split('"').next())
            .filter(|name| !name.is_empty() && !name.contains(['/', '\\']) && !name.starts_with('.'))
            .map(str::to_owned);
        let bytes = self.body(response).await?;
        let name = name.unwrap_or_else(|| format!("jinlin-{month}-{}.{}", area.unwrap_or("city"), format.as_str()));
        Ok(ReportFile { name, bytes })
    }

    /// The alerts of the caller's area: open ones only, or all; open first.
    pub async fn alerts(&self, token: &str, all: bool) -> Result<Vec<AlertView>, ClientError> {
        let status = if all { "all" } else { "open" };
        let response = self.get("/alerts", token, &[("status", status.to_owned())]).await?;
        self.answer(response).await
    }

    /// The early warnings of the caller's area: open ones only, or all; open first.
    pub async fn warnings(&self, token: &str, all: bool) -> Result<Vec<WarningView>, ClientError> {
        let status = if all { "all" } else { "open" };
        let response = self.get("/warnings", token, &[("status", status.to_owned())]).await?;
        self.answer(response).await
    }

    /// Closes an alert with a supervisor's note.
    pub async fn close_alert(&self, token: &str, visit: VisitId, note: &str) -> Result<AlertView, ClientError> {
        self.post(&format!("/alerts/{visit}/close"), Some(token), &CloseAlert { note: note.to_owned() }).await
    }

    /// The assistants of the caller's area, with where their changes wait.
    pub async fn handover(&self, token: &str) -> Result<Vec<AssistantHandover>, ClientError> {
        let response = self.get("/handover", token, &[]).await?;
        self.answer(response).await
    }

    /// Moves an assistant to another community of the caller's area.
    pub async fn move_assistant(&self, token: &str, login: &str, community: CommunityId) -> Result<(), ClientError> {
        let path = format!("/handover/{}/move", urlencoding(login));
        self.post_empty(&path, token, &HandoverMove { community }).await
    }

    /// Takes an assistant of the caller's area off.
    pub async fn take_off_assistant(&self, token: &str, login: &str) -> Result<(), ClientError> {
        let path = format!("/handover/{}/take-off", urlencoding(login));
        self.post_empty(&path, token, &serde_json::json!({})).await
    }

    /// A `POST` answered with no body.
    async fn post_empty(&self, path: &str, token: &str, body: &impl Serialize) -> Result<(), ClientError> {
        let response = self
            .http
            .post(format!("{}{path}", self.api))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        self.body(response).await.map(|_| ())
    }

    /// What importing the roster file `bytes` would do; writes nothing.
    pub async fn check_roster(&self, token: &str, bytes: Vec<u8>) -> Result<RosterReading, ClientError> {
        let response = self.post_bytes("/roster/check", token, &[], bytes).await?;
        self.answer(response).await
    }

    /// Applies the check of `bytes` whose digest is `digest`.
    pub async fn apply_roster(&self, token: &str, bytes: Vec<u8>, digest: &str) -> Result<RosterApplied, ClientError> {
        let response = self.post_bytes("/roster/apply", token, &[("digest", digest.to_owned())], bytes).await?;
        self.answer(response).await
    }

    async fn post_bytes(
        &self,
        path: &str,
        token: &str,
        query: &[(&str, String)],
        bytes: Vec<u8>,
    ) -> Result<reqwest::Response, ClientError> {
        let mut url = reqwest::Url::parse(&format!("{}{path}", self.api))
            .map_err(|e| ClientError::BadAddress(format!("{}: {e}", self.server)))?;
        for (key, value) in query {
            url.query_pairs_mut().append_pair(key, value);
        }
        let request =
            self.http.post(url).bearer_auth(token).header(reqwest::header::CONTENT_TYPE, "application/octet-stream");
        request.body(bytes).send().await.map_err(|e| self.unreachable(e))
    }

    async fn get(&self, path: &str, token: &str, query: &[(&str, String)]) -> Result<reqwest::Response, ClientError> {
        let mut url = reqwest::Url::parse(&format!("{}{path}", self.api))
            .map_err(|e| ClientError::BadAddress(format!("{}: {e}", self.server)))?;
        for (key, value) in query {
            url.query_pairs_mut().append_pair(key, value);
        }
        self.http.get(url).bearer_auth(token).send().await.map_err(|e| self.unreachable(e))
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &impl Serialize,
    ) -> Result<T, ClientError> {
        let mut request = self.http.post(format!("{}{path}", self.api)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| self.unreachable(e))?;
        self.answer(response).await
    }

    async fn answer<T: DeserializeOwned>(&self, response: reqwest::Response) -> Result<T, ClientError> {
        let status = response.status().as_u16();
        let bytes = self.body(response).await?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Protocol { status, reason: e.to_string() })
    }

    /// A successful answer's body, or the server's refusal.
    async fn body(&self, response: reqwest::Response) -> Result<Vec<u8>, ClientError> {
        let status = response.status().as_u16();
        // A body cut off mid-way is a lost connection, not a malformed answer.
        let bytes = response.bytes().await.map_err(|e| self.unreachable(e))?;
        if (200..300).contains(&status) {
            return Ok(bytes.to_vec());
        }
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => Err(ClientError::Refused(body)),
            // A proxy's page or a server that is starting: try again later.
            Err(_) if status >= 500 => Err(ClientError::Unreachable {
                server: self.server.clone(),
                reason: format!("HTTP {status} without an answer from Jinlin"),
            }),
            Err(e) => Err(ClientError::Protocol { status, reason: e.to_string() }),
        }
    }

    /// A request that got no answer: the server unreachable, or (said apart, since
    /// waiting will not help) a certificate the workstation does not trust.
    fn unreachable(&self, error: reqwest::Error) -> ClientError {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
        while let Some(cause) = source {
            if let Some(tls) = rustls_error(cause)
                && matches!(tls, rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented)
            {
                return ClientError::Untrusted { server: self.server.clone(), reason: tls.to_string() };
            }
            source = cause.source();
        }
        ClientError::Unreachable { server: self.server.clone(), reason: error.to_string() }
    }
}

/// The rustls error behind `cause`: rustls's errors travel inside io::Errors (nested),
/// whose `source` skips the error they hold.
fn rustls_error<'a>(cause: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut current = cause;
    for _ in 0..8 {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        current = current.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
    None
}

/// Makes ring rustls's crypto for the whole process, once (reqwest is built without a
/// provider of its own).
fn install_crypto_provider() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        // Another part of the process may have installed one already: that one serves.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A report file from the server.
#[derive(Debug, Clone)]
pub struct ReportFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

fn report_query(
    month: Month,
    area: Option<&str>,
    format: ReportFormat,
    language: Language,
) -> Vec<(&'static str, String)> {
    let mut query = vec![("month", month.to_string()), ("format", format.as_str().to_owned())];
    if let Some(area) = area {
        query.push(("area", area.to_owned()));
    }
    if language == Language::En {
        query.push(("lang", "en".to_owned()));
    }
    query
}

/// A login as one segment of a path: logins are ASCII letters, digits and `._-`
/// (the server's rule), anything else is escaped.
fn urlencoding(login: &str) -> String {
    login
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'_' | b'-' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}
