//! Serving connections: HTTPS with rustls, or plain HTTP where that is safe (loopback,
//! or behind a proxy that does TLS); at most so many connections at once; a time
//! limit on the TLS handshake and on reading each request's head (which also ends a
//! connection left idle between requests); and a graceful stop that lets requests in
//! flight finish.
//!
//! axum's own `serve` does none of the TLS and caps nothing, so the loop is written
//! out here over hyper: one task per connection (its `ConnectInfo` added so sign-ins
//! can be throttled per address), holding a permit of the connection cap.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt as _;

/// How the server holds its connections.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Connections open at once; one more is closed as soon as it is accepted.
    pub max_connections: usize,
    /// The longest a client may take to send a request's head, and so the longest a
    /// connection may sit idle between requests.
    pub header_read_timeout: Duration,
    /// The longest a TLS handshake may take.
    pub tls_handshake_timeout: Duration,
    /// How long a stop waits for requests in flight.
    pub drain_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            // Each open connection costs a task and its buffers (tens of KiB); a city's
            // five hundred workstations keep one or two each.
            max_connections: 2_048,
            header_read_timeout: Duration::from_secs(10),
            tls_handshake_timeout: Duration::from_secs(10),
            drain_timeout: Duration::from_secs(30),
        }
    }
}

/// The server's certificate and key, ready to serve TLS.
#[derive(Clone)]
pub struct Tls {
    acceptor: tokio_rustls::TlsAcceptor,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tls(***)")
    }
}

impl Tls {
    /// Reads a PEM certificate chain and its PEM private key.
    pub fn from_pem_files(certificate: &Path, key: &Path) -> anyhow::Result<Self> {
        use rustls::pki_types::pem::PemObject as _;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let chain = CertificateDer::pem_file_iter(certificate)
            .with_context(|| format!("cannot read the certificate {}", certificate.display()))?
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("{} is not a PEM certificate chain", certificate.display()))?;
        anyhow::ensure!(!chain.is_empty(), "{} holds no certificate", certificate.display());
        let key = PrivateKeyDer::from_pem_file(key)
            .with_context(|| format!("cannot read a PEM private key from {}", key.display()))?;
        Self::from_der(chain, key)
    }

    /// A certificate chain and key already parsed (what the tests make at run time).
    pub fn from_der(
        chain: Vec<rustls::pki_types::CertificateDer<'static>>,
        key: rustls::pki_types::PrivateKeyDer<'static>,
    ) -> anyhow::Result<Self> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("TLS versions")?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .context("the certificate and the key do not make a TLS identity")?;
        // HTTP/1.1 only: the time limits below are HTTP/1's.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self { acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)) })
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then waits (up to
/// [`ConnectionLimits::drain_timeout`]) for the requests in flight.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    tls: Option<Tls>,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // A refused or reset connection, or too many open files: go on
                // accepting the next (a tight loop is bounded by the sleep).
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "too many connections: one closed at once");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = router.clone().map_request(move |mut request: axum::extract::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        });
        let service = TowerToHyperService::new(service);
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout).keep_alive(true);
        match tls.clone() {
            Some(tls) => {
                let watcher = graceful.watcher();
                let handshake = limits.tls_handshake_timeout;
                tokio::spawn(async move {
                    let _slot = slot;
                    let stream = match tokio::time::timeout(handshake, tls.acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => stream,
                        // Plain HTTP to the HTTPS port, a scanner, or a client that stalls.
                        Ok(Err(_)) | Err(_) => return,
                    };
                    let connection = http.serve_connection(TokioIo::new(stream), service);
                    let _ = watcher.watch(connection).await;
                });
            }
            None => {
                let connection = http.serve_connection(TokioIo::new(stream), service);
                let watched = graceful.watch(connection);
                tokio::spawn(async move {
                    let _slot = slot;
                    let _ = watched.await;
                });
            }
        }
    }
    drop(listener);
    if tokio::time::timeout(limits.drain_timeout, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still in flight after the drain time; stopping anyway");
    }
    Ok(())
}

/// Whether plain HTTP may be served on `bind`: on loopback only, where nothing
/// crosses a network.
pub fn plain_http_is_safe(bind: SocketAddr) -> bool {
    bind.ip().is_loopback()
}
