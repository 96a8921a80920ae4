//! Jinlin's sync server: accepts Automerge changes from workstations, checks and merges
//! them per elder document, and keeps the central database the reports read.
//!
//! Layers, top to bottom: `http` (routes, extractors, the one error type) → `sync`
//! (push, pull, bootstrap as plain async functions) → `db` (entities, migrations) and
//! the pure `jinlin_shared` crate for every rule about documents.

pub mod admin;
pub mod alerts;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod clock;
pub mod console;
pub mod db;
pub mod demo;
pub mod erasure;
pub mod generation;
pub mod handover;
pub mod http;
pub mod metrics;
pub mod report;
pub mod roster;
pub mod serve;
pub mod state;
pub mod sync;
pub mod throttle;
pub mod warnings;

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context as _;
use tokio::net::TcpListener;

pub use state::{AppState, Limits};

/// A server bound to its port, ready to run. Binding happens in [`Application::build`]
/// so callers (tests) can pass port 0 and read the port chosen.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    state: AppState,
    tls: Option<serve::Tls>,
    metrics: Option<TcpListener>,
    limits: serve::ConnectionLimits,
}

impl Application {
    /// The API on `bind`, over plain HTTP until [`Application::with_tls`].
    pub async fn build(bind: SocketAddr, state: AppState) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(bind).await.with_context(|| format!("cannot listen on {bind}"))?;
        Ok(Self { listener, state, tls: None, metrics: None, limits: serve::ConnectionLimits::default() })
    }

    /// Serves HTTPS with this certificate.
    pub fn with_tls(mut self, tls: serve::Tls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Serves `/metrics` on its own address (loopback by default), apart from the API.
    pub async fn with_metrics(mut self, bind: SocketAddr) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(bind).await.with_context(|| format!("cannot listen on {bind}"))?;
        self.metrics = Some(listener);
        Ok(self)
    }

    pub fn with_connection_limits(mut self, limits: serve::ConnectionLimits) -> Self {
        self.limits = limits;
        self
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// Whether the API is served over HTTPS.
    pub fn is_https(&self) -> bool {
        self.tls.is_some()
    }

    /// Serves until `shutdown` completes; requests in flight then finish (a push's
    /// transactions commit or roll back) before this returns.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        if let Some(metrics) = self.metrics {
            let router = http::metrics_router(self.state.clone());
            // The metrics listener stops with the process; it holds no transaction.
            tokio::spawn(async move { axum::serve(metrics, router).await });
        }
        let (stop_sweeping, stopped) = tokio::sync::watch::channel(false);
        let sweeper = tokio::spawn(warnings::keep_up(self.state.clone(), stopped));
        let router = http::router(self.state);
        let shutdown = async move {
            shutdown.await;
            let _ = stop_sweeping.send(true);
        };
        let served = serve::serve(self.listener, router, self.tls, self.limits, shutdown).await;
        // A sweep under way ends its transaction before the server says it stopped.
        let _ = sweeper.await;
        served.context("the server stopped")
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
