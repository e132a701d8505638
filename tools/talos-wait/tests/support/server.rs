//! TLS listeners on 127.0.0.1 run by the test process: an HTTPS server whose answers follow a
//! script over time, and an apid-like listener that speaks just enough HTTP/2.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};

use super::pki::Leaf;

/// What the server saw of a request.
pub struct Request {
    pub path: String,
    pub authorization: Option<String>,
    pub client_cert: bool,
}

/// An answer: status, content type, body.
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            body: body.to_string(),
        }
    }

    pub fn text(status: u16, body: &str) -> Reply {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.to_string(),
        }
    }
}

/// The answering function: time since the server started, and the request.
pub type Handler = Arc<dyn Fn(Duration, &Request) -> Reply + Send + Sync>;

/// How the server behaves before it answers.
#[derive(Clone, Copy, Default)]
pub struct Phases {
    /// Nothing listens until then (connection refused).
    pub listen_after: Duration,
    /// Connections are reset until then.
    pub reset_until: Duration,
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn roots(ca_pem: &str) -> Arc<RootCertStore> {
    let mut store = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        store.add(cert.unwrap()).unwrap();
    }
    Arc::new(store)
}

/// A server configuration; `client_ca` verifies client certificates (optional unless `require`).
pub fn config(
    leaf: &Leaf,
    client_ca: Option<&str>,
    require: bool,
    alpn: &[&[u8]],
) -> Arc<ServerConfig> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(leaf.cert.as_bytes())
        .map(|c| c.unwrap())
        .collect();
    let key = PrivateKeyDer::from_pem_slice(leaf.key.as_bytes()).unwrap();
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match client_ca {
        Some(ca) => {
            let verifier = WebPkiClientVerifier::builder_with_provider(roots(ca), provider());
            let verifier = if require {
                verifier
            } else {
                verifier.allow_unauthenticated()
            };
            builder.with_client_cert_verifier(verifier.build().unwrap())
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_single_cert(certs, key).unwrap();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

/// A free loopback port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts the HTTPS server; returns its port at once (it may listen only later).
pub fn https(config: Arc<ServerConfig>, phases: Phases, handler: Handler) -> u16 {
    let port = free_port();
    let start = Instant::now();
    std::thread::spawn(move || {
        std::thread::sleep(phases.listen_after);
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        for stream in listener.incoming().flatten() {
            let (config, handler) = (config.clone(), handler.clone());
            std::thread::spawn(move || {
                if start.elapsed() < phases.reset_until {
                    reset(stream);
                } else {
                    serve(stream, config, &handler, start);
                }
            });
        }
    });
    port
}

/// Closes with the client's first bytes unread, which makes the kernel send a reset.
fn reset(stream: TcpStream) {
    std::thread::sleep(Duration::from_millis(50));
    drop(stream);
}

fn serve(stream: TcpStream, config: Arc<ServerConfig>, handler: &Handler, start: Instant) {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut tls = StreamOwned::new(ServerConnection::new(config).unwrap(), stream);
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match tls.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head).to_string();
    let mut lines = text.lines();
    let path = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("/")
        .to_string();
    let authorization = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
        .map(|(_, value)| value.trim().to_string());
    let client_cert = tls.conn.peer_certificates().is_some_and(|c| !c.is_empty());
    let reply = handler(
        start.elapsed(),
        &Request {
            path,
            authorization,
            client_cert,
        },
    );
    let response = format!(
        "HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        reply.status,
        reply.content_type,
        reply.body.len(),
        reply.body
    );
    let _ = tls.write_all(response.as_bytes());
    tls.conn.send_close_notify();
    let _ = tls.flush();
}

/// Starts an apid-like listener: TLS (mutual when `client_ca` is given), ALPN h2, and an
/// HTTP/2 SETTINGS frame in answer to the client preface.
pub fn apid(leaf: &Leaf, client_ca: Option<&str>) -> u16 {
    let config = config(leaf, client_ca, true, &[b"h2"]);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = config.clone();
            std::thread::spawn(move || {
                stream
                    .set_read_timeout(Some(Duration::from_secs(5)))
                    .unwrap();
                let mut tls = StreamOwned::new(ServerConnection::new(config).unwrap(), stream);
                let mut preface = [0u8; 33];
                if tls.read_exact(&mut preface).is_ok() {
                    let _ = tls.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
                    let _ = tls.flush();
                }
            });
        }
    });
    port
}
