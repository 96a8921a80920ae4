//! The server's transport as a network sees it: HTTPS with a certificate made at test
//! time; plain HTTP refused off loopback; a client that will not finish its request
//! head, or that sits idle, is cut off; connections past the cap are closed at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Backend, PASSWORD, TestServer};
use jinlin_server::Limits;
use jinlin_server::serve::{ConnectionLimits, Tls};
use jinlin_shared::wire::{DeviceRegistration, LoginRequest, LoginResponse, PROTOCOL_VERSION};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// A certificate authority and a certificate it signed for `localhost`: PEM of the
/// authority, and the server's TLS identity.
fn authority() -> (String, Tls) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.distinguished_name.push(DnType::CommonName, "Jinlin test authority");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["localhost".to_owned()]).unwrap().signed_by(&key, &issuer).unwrap();
    let der_key = rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap();
    (ca.pem(), Tls::from_der(vec![server.der().clone()], der_key).unwrap())
}

fn login(name: &str) -> LoginRequest {
    LoginRequest {
        protocol: PROTOCOL_VERSION,
        login: name.into(),
        password: PASSWORD.into(),
        device: DeviceRegistration { id: None, name: "工作站".into() },
    }
}

async fn the_api_is_served_over_https_to_a_client_that_trusts_the_citys_authority(backend: Backend) {
    let (ca, tls) = authority();
    let server = TestServer::start_serving(backend, Limits::default(), Some(tls), ConnectionLimits::default()).await;
    let https = server.base.replace("127.0.0.1", "localhost");
    assert!(https.starts_with("https://"));
    let trusting = common::http_builder()
        .tls_certs_merge(reqwest::Certificate::from_pem_bundle(ca.as_bytes()).unwrap())
        .build()
        .unwrap();
    let signed_in: LoginResponse =
        trusting.post(format!("{https}/auth/login")).json(&login("heping")).send().await.unwrap().json().await.unwrap();
    assert_eq!(signed_in.user.login, "heping");
    // A client that does not trust the authority gets no answer at all.
    let stranger = common::http().post(format!("{https}/auth/login")).json(&login("heping")).send().await;
    assert!(stranger.is_err());
    // Plain HTTP to the HTTPS port is not served.
    let plain = server.base.replace("https://", "http://");
    assert!(common::http().get(format!("{plain}/health")).send().await.is_err());
    server.stop().await;
}
on_both_databases!(
    the_api_is_served_over_https_to_a_client_that_trusts_the_citys_authority,
    super::the_api_is_served_over_https_to_a_client_that_trusts_the_citys_authority
);

async fn a_client_that_stalls_or_idles_is_cut_off_and_connections_past_the_cap_are_closed(backend: Backend) {
    let connections = ConnectionLimits {
        max_connections: 2,
        header_read_timeout: Duration::from_millis(300),
        ..ConnectionLimits::default()
    };
    let server = TestServer::start_serving(backend, Limits::default(), None, connections).await;
    let address = server.base.trim_start_matches("http://").trim_end_matches("/api/v1").to_owned();
    // Half a request head, then nothing: the server closes the connection.
    let mut stalled = tokio::net::TcpStream::connect(&address).await.unwrap();
    stalled.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut buffer = [0u8; 256];
    let closed = tokio::time::timeout(Duration::from_secs(5), stalled.read(&mut buffer)).await;
    assert!(matches!(closed, Ok(Ok(_))), "the stalled connection ended within the bound: {closed:?}");
    // Idle after a request: cut off too.
    let mut idle = tokio::net::TcpStream::connect(&address).await.unwrap();
    idle.write_all(b"GET /api/v1/version HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let n = idle.read(&mut buffer).await.unwrap();
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buffer[..n]);
        }
    })
    .await;
    assert!(read.is_ok(), "the idle connection ended within the bound");
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
    // Two connections held open: a third is closed without an answer.
    let held: Vec<_> = vec![
        tokio::net::TcpStream::connect(&address).await.unwrap(),
        tokio::net::TcpStream::connect(&address).await.unwrap(),
    ];
    let mut third = tokio::net::TcpStream::connect(&address).await.unwrap();
    third.write_all(b"GET /api/v1/version HTTP/1.1\r\nHost: x\r\n\r\n").await.ok();
    let refused = tokio::time::timeout(Duration::from_secs(5), third.read(&mut buffer)).await;
    assert!(matches!(refused, Ok(Ok(0)) | Ok(Err(_))), "{refused:?}");
    drop(held);
    server.stop().await;
}
on_both_databases!(
    a_client_that_stalls_or_idles_is_cut_off_and_connections_past_the_cap_are_closed,
    super::a_client_that_stalls_or_idles_is_cut_off_and_connections_past_the_cap_are_closed
);

#[test]
fn the_server_refuses_plain_http_on_an_address_other_computers_reach() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_jinlin-server"))
        .args(["--database-url", "sqlite::memory:", "serve", "--bind", "0.0.0.0:0", "--metrics-bind", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("--tls-cert") && said.contains("not a loopback address"), "{said}");
}

async fn a_body_refused_before_it_is_read_ends_its_connection_and_says_so(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = common::Client::sign_in(&server, "heping").await;
    // Past the limit: refused once the limit is read, the rest left on the connection.
    let too_big = vec![b' '; jinlin_shared::wire::MAX_REQUEST_BODY_BYTES + 4096];
    let refused = client.post_raw("/sync/push", too_big).await;
    assert_eq!(refused.status(), 413);
    let connection = refused.headers().get("connection").and_then(|v| v.to_str().ok()).map(str::to_ascii_lowercase);
    assert_eq!(connection.as_deref(), Some("close"), "the refusal says the connection ends");
    // The same pooled client's next request goes out on a new connection and is answered.
    for _ in 0..3 {
        let next = client.http.get(format!("{}/me", server.base)).bearer_auth(&client.login.token).send().await;
        assert_eq!(next.expect("the next request is answered").status(), 200);
    }
    // No session and a body: refused before a byte of the body is read, and closed too.
    let address = server.base.trim_start_matches("http://").trim_end_matches("/api/v1").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"POST /api/v1/sync/push HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{\"protocol\":")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while let Ok(n) = stream.read(&mut buffer).await
            && n > 0
        {
            answer.extend_from_slice(&buffer[..n]);
        }
    })
    .await;
    assert!(ended.is_ok(), "the server ended the connection after refusing the body");
    let answer = String::from_utf8_lossy(&answer).to_ascii_lowercase();
    assert!(answer.starts_with("http/1.1 401") && answer.contains("\r\nconnection: close\r\n"), "{answer}");
    // A request with no body keeps its connection.
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream.write_all(b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let n = stream.read(&mut buffer).await.unwrap();
    let answer = String::from_utf8_lossy(&buffer[..n]).to_ascii_lowercase();
    assert!(answer.starts_with("http/1.1 401") && !answer.contains("connection: close"), "{answer}");
    server.stop().await;
}
on_both_databases!(
    a_body_refused_before_it_is_read_ends_its_connection_and_says_so,
    super::a_body_refused_before_it_is_read_ends_its_connection_and_says_so
);
