//! A TCP proxy between workstations and servers that breaks connections the way a
//! community's network does: cut while the request is going up, cut while the answer
//! is coming down (so the server did the work and the workstation never heard),
//! slowed, or held back and delivered only after the workstation has retried.
//!
//! Faults are drawn per exchange, not per connection: a workstation keeps its
//! connection alive across requests, so each time it starts a new request (it sends
//! after the server has answered) the dice are rolled again. The proxy otherwise
//! forwards bytes and knows nothing of HTTP. Over HTTPS the cuts and delays work
//! as they are, but a held connection holds only the TLS handshake (the request
//! follows it); the faulted-sync runs therefore talk plain HTTP on the loopback, where
//! a held connection is a whole request that reaches the server after its retry.
//! Connections go to the upstream servers in turn (two replicas share the load). Every
//! fault comes from a seeded generator, so a failing run can be replayed with its seed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use jinlin_shared::synthetic::Rng;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// What happens to one exchange (a request and its answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Forwarded whole.
    None,
    /// The connection closes after this many more bytes of the request went up.
    CutRequest(u64),
    /// The request goes up whole; the connection closes after this many bytes of the
    /// answer came down (often none: the server did the work, the workstation never
    /// heard).
    CutResponse(u64),
    /// The request waits this long before going up.
    Delay(Duration),
    /// The request is read, the workstation's connection closed unanswered, and the
    /// request sent to the server only once the next connection (the retry) arrived.
    Hold,
}

/// How many exchanges met each fault, counted when the fault struck.
#[derive(Debug, Default)]
pub struct FaultCounts {
    pub connections: AtomicU64,
    pub exchanges: AtomicU64,
    pub cut_requests: AtomicU64,
    pub cut_responses: AtomicU64,
    pub delays: AtomicU64,
    pub holds: AtomicU64,
}

impl FaultCounts {
    /// Faults of every kind that struck.
    pub fn faults(&self) -> u64 {
        [&self.cut_requests, &self.cut_responses, &self.delays, &self.holds]
            .iter()
            .map(|n| n.load(Ordering::Relaxed))
            .sum()
    }
}

/// What every connection of the proxy shares.
#[derive(Debug)]
struct Shared {
    counts: FaultCounts,
    /// Percent of exchanges that meet a fault; 0 forwards everything whole.
    percent: AtomicU64,
    /// Woken by every new connection (a held request waits for the retry).
    arrived: Notify,
}

/// The proxy, serving until dropped.
#[derive(Debug)]
pub struct FaultProxy {
    pub port: u16,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    /// Listens on a port of its own on the loopback, forwarding to `upstreams` in turn;
    /// `percent` of exchanges meet a fault.
    pub async fn start(upstreams: Vec<SocketAddr>, percent: u64, seed: u64) -> Self {
        assert!(!upstreams.is_empty(), "a proxy needs a server");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            counts: FaultCounts::default(),
            percent: AtomicU64::new(percent),
            arrived: Notify::new(),
        });
        let task = tokio::spawn(accept(listener, upstreams, Arc::clone(&shared), seed));
        Self { port, shared, task }
    }

    /// What it has done so far.
    pub fn counts(&self) -> &FaultCounts {
        &self.shared.counts
    }

    /// From now on, `percent` of exchanges meet a fault (on open connections too).
    pub fn set_faults(&self, percent: u64) {
        self.shared.percent.store(percent, Ordering::Relaxed);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept(listener: TcpListener, upstreams: Vec<SocketAddr>, shared: Arc<Shared>, seed: u64) {
    for turn in 0u64.. {
        let Ok((client, _)) = listener.accept().await else { continue };
        shared.arrived.notify_waiters();
        shared.counts.connections.fetch_add(1, Ordering::Relaxed);
        let upstream = upstreams[usize::try_from(turn).unwrap_or(0) % upstreams.len()];
        let shared = Arc::clone(&shared);
        let rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(turn));
        tokio::spawn(async move {
            // A connection the server refuses or drops is what the test is about.
            let _ = forward(client, upstream, shared, rng).await;
        });
    }
}

impl Shared {
    /// The fault of the exchange that starts now.
    fn roll(&self, rng: &mut Rng) -> Fault {
        self.counts.exchanges.fetch_add(1, Ordering::Relaxed);
        if !rng.chance(self.percent.load(Ordering::Relaxed)) {
            return Fault::None;
        }
        // Requests and answers here are a few hundred bytes to a few kilobytes; cuts
        // land anywhere from the first byte to well into a body.
        match rng.below(4) {
            0 => Fault::CutRequest(rng.below(1_500)),
            1 => Fault::CutResponse(rng.below(1_500)),
            2 => Fault::Delay(Duration::from_millis(50 + rng.below(400))),
            _ => Fault::Hold,
        }
    }
}

/// Forwards one connection, exchange by exchange, until either side closes or a
/// fault ends it.
async fn forward(
    mut client: TcpStream,
    upstream: SocketAddr,
    shared: Arc<Shared>,
    mut rng: Rng,
) -> std::io::Result<()> {
    let mut server = TcpStream::connect(upstream).await?;
    let (mut up, mut down) = (vec![0u8; 16 * 1024], vec![0u8; 16 * 1024]);
    // A new exchange starts when the workstation sends after the server answered.
    let mut awaiting_request = true;
    let (mut up_left, mut down_left) = (u64::MAX, u64::MAX);
    loop {
        tokio::select! {
            read = client.read(&mut up) => {
                let n = read?;
                if n == 0 {
                    return Ok(());
                }
                if awaiting_request {
                    awaiting_request = false;
                    (up_left, down_left) = (u64::MAX, u64::MAX);
                    match shared.roll(&mut rng) {
                        Fault::None => {}
                        Fault::CutRequest(k) => up_left = k,
                        Fault::CutResponse(k) => down_left = k,
                        Fault::Delay(pause) => {
                            shared.counts.delays.fetch_add(1, Ordering::Relaxed);
                            tokio::time::sleep(pause).await;
                        }
                        Fault::Hold => {
                            shared.counts.holds.fetch_add(1, Ordering::Relaxed);
                            return hold(client, up[..n].to_vec(), upstream, shared).await;
                        }
                    }
                }
                let take = n.min(usize::try_from(up_left).unwrap_or(usize::MAX));
                server.write_all(&up[..take]).await?;
                if take < n || (up_left != u64::MAX && up_left == take as u64) {
                    shared.counts.cut_requests.fetch_add(1, Ordering::Relaxed);
                    return Ok(());
                }
                up_left = up_left.saturating_sub(take as u64);
            }
            read = server.read(&mut down) => {
                let n = read?;
                if n == 0 {
                    return Ok(());
                }
                awaiting_request = true;
                let take = n.min(usize::try_from(down_left).unwrap_or(usize::MAX));
                client.write_all(&down[..take]).await?;
                if take < n || (down_left != u64::MAX && down_left == take as u64) {
                    shared.counts.cut_responses.fetch_add(1, Ordering::Relaxed);
                    return Ok(());
                }
                down_left = down_left.saturating_sub(take as u64);
            }
        }
    }
}

/// Reads the rest of the request until the workstation pauses for an answer, closes
/// its connection unanswered, and once the next connection has arrived (its retry) or
/// a second has passed, sends the held request to the server on a connection of its
/// own, the answer going nowhere.
async fn hold(
    mut client: TcpStream,
    mut held: Vec<u8>,
    upstream: SocketAddr,
    shared: Arc<Shared>,
) -> std::io::Result<()> {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        match tokio::time::timeout(Duration::from_millis(100), client.read(&mut buffer)).await {
            Ok(Ok(0)) | Err(_) => break,
            Ok(Ok(n)) => held.extend_from_slice(&buffer[..n]),
            Ok(Err(error)) => return Err(error),
        }
    }
    let retried = shared.arrived.notified();
    drop(client);
    let _ = tokio::time::timeout(Duration::from_secs(1), retried).await;
    let mut server = TcpStream::connect(upstream).await?;
    server.write_all(&held).await?;
    server.shutdown().await?;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), server.read_to_end(&mut answer)).await;
    Ok(())
}
