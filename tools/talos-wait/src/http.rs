//! HTTPS GETs with the cluster's trust and credentials: one ureq agent per TLS setting, a
//! per-attempt timeout, a capped body, and failures described in a few words.

use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use ureq::Agent;
use ureq::http::Uri;
use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use crate::keys::Identity;

/// The largest response body read; larger answers are a failed attempt.
pub const MAX_BODY: u64 = 8 << 20;

/// How to trust the server and who to be.
#[derive(Debug, Clone, Default)]
pub struct Tls {
    /// Certificate authorities to trust; `None` means the bundled web roots.
    pub roots: Option<Vec<CertificateDer<'static>>>,
    /// A client certificate and key.
    pub identity: Option<Identity>,
    /// Skip server verification (only when a kubeconfig asks for it).
    pub insecure: bool,
    /// The name the server certificate must carry, when not the URL's host.
    pub server_name: Option<String>,
}

/// An HTTP client for one server and one TLS setting.
#[derive(Debug)]
pub struct Client {
    agent: Agent,
    base: String,
}

/// A response: its status and (capped) body.
#[derive(Debug)]
pub struct Reply {
    /// The HTTP status code.
    pub status: u16,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Client {
    /// A client for `base` (scheme, host and port), each request bounded by `timeout`.
    pub fn new(base: &str, tls: &Tls, timeout: Duration) -> Result<Client> {
        let config = Agent::config_builder()
            .tls_config(tls_config(tls)?)
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .user_agent(concat!("talos-wait/", env!("CARGO_PKG_VERSION")))
            .build();
        let Some(name) = &tls.server_name else {
            return Ok(Client {
                agent: config.new_agent(),
                base: base.trim_end_matches('/').to_string(),
            });
        };
        let uri: Uri = base
            .parse()
            .map_err(|_| anyhow::anyhow!("{base}: expected a URL"))?;
        let Some(authority) = uri.authority() else {
            bail!("{base}: expected a URL with a host")
        };
        let port = authority.port_u16().unwrap_or(443);
        let resolver = PinnedResolver {
            name: name.clone(),
            real: format!("https://{}:{port}/", authority.host()),
        };
        let agent = Agent::with_parts(config, DefaultConnector::new(), resolver);
        Ok(Client {
            agent,
            base: format!("https://{name}:{port}"),
        })
    }

    /// GETs `path` (with its query) with an optional `Authorization` header value.
    pub fn get(&self, path: &str, authorization: Option<&str>) -> Result<Reply, String> {
        let mut request = self
            .agent
            .get(format!("{}{path}", self.base))
            .header("Accept", "application/json");
        if let Some(value) = authorization {
            request = request.header("Authorization", value);
        }
        let mut response = request.call().map_err(|err| describe(&err))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(|err| describe(&err))?;
        Ok(Reply { status, body })
    }
}

fn tls_config(tls: &Tls) -> Result<TlsConfig> {
    let roots = match &tls.roots {
        Some(certs) => RootCerts::new_with_certs(
            &certs
                .iter()
                .map(|c| Certificate::from_der(c).to_owned())
                .collect::<Vec<_>>(),
        ),
        None => RootCerts::WebPki,
    };
    let client_cert = tls.identity.as_ref().map(client_cert).transpose()?;
    Ok(TlsConfig::builder()
        .root_certs(roots)
        .client_cert(client_cert)
        .disable_verification(tls.insecure)
        .build())
}

fn client_cert(identity: &Identity) -> Result<ClientCert> {
    let label = match identity.key.as_ref() {
        PrivateKeyDer::Pkcs1(_) => "RSA PRIVATE KEY",
        PrivateKeyDer::Sec1(_) => "EC PRIVATE KEY",
        PrivateKeyDer::Pkcs8(_) => "PRIVATE KEY",
        _ => bail!("unsupported private key encoding"),
    };
    let pem = pem(label, identity.key.secret_der());
    let key = PrivateKey::from_pem(pem.as_bytes())
        .map_err(|_| anyhow!("unsupported private key encoding"))?;
    let certs: Vec<Certificate<'static>> = identity
        .certs
        .iter()
        .map(|c| Certificate::from_der(c).to_owned())
        .collect();
    Ok(ClientCert::new_with_certs(&certs, key))
}

/// DER wrapped as PEM, the form the HTTP client takes keys in.
fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut text = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        text.push_str(&String::from_utf8_lossy(line));
        text.push('\n');
    }
    text.push_str(&format!("-----END {label}-----\n"));
    text
}

/// Dials the real host when a request names the certificate's server name.
#[derive(Debug)]
struct PinnedResolver {
    name: String,
    real: String,
}

impl Resolver for PinnedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        if uri.host() != Some(self.name.as_str()) {
            return DefaultResolver::default().resolve(uri, config, timeout);
        }
        let real: Uri = self.real.parse().map_err(|_| ureq::Error::HostNotFound)?;
        DefaultResolver::default().resolve(&real, config, timeout)
    }
}

/// A failure in a few words: "connection refused", "TLS: invalid peer certificate: UnknownIssuer".
pub fn describe(err: &ureq::Error) -> String {
    match err {
        ureq::Error::Io(io) => io_reason(io),
        ureq::Error::Timeout(_) => "timed out".to_string(),
        ureq::Error::HostNotFound => "host not found".to_string(),
        ureq::Error::BodyExceedsLimit(limit) => format!("response body larger than {limit} bytes"),
        ureq::Error::Rustls(tls) => format!("TLS: {tls}"),
        ureq::Error::Tls(tls) => format!("TLS: {tls}"),
        other => other.to_string(),
    }
}

/// An I/O failure in a few words.
pub fn io_reason(err: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match err.kind() {
        ErrorKind::ConnectionRefused => "connection refused".to_string(),
        ErrorKind::ConnectionReset => "connection reset".to_string(),
        ErrorKind::ConnectionAborted => "connection aborted".to_string(),
        ErrorKind::UnexpectedEof => "connection closed early".to_string(),
        ErrorKind::TimedOut | ErrorKind::WouldBlock => "timed out".to_string(),
        ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => "unreachable".to_string(),
        _ => match err
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            Some(tls) => format!("TLS: {tls}"),
            None => err.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    #[test]
    fn refused_is_described() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let client = Client::new(
            &format!("http://127.0.0.1:{port}"),
            &Tls::default(),
            Duration::from_secs(2),
        )
        .unwrap();
        assert_eq!(client.get("/", None).unwrap_err(), "connection refused");
    }

    #[test]
    fn bodies_are_capped_and_statuses_returned() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            for (status, length) in [(500u16, 3u64), (200, MAX_BODY + 10)] {
                let (mut stream, _) = listener.accept().unwrap();
                let mut buf = [0u8; 2048];
                let _ = stream.read(&mut buf).unwrap();
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-length: {length}\r\nconnection: close\r\n\r\n"
                );
                stream.write_all(head.as_bytes()).unwrap();
                let _ = std::io::copy(&mut std::io::repeat(b'x').take(length), &mut stream);
            }
        });
        let client = Client::new(
            &format!("http://127.0.0.1:{port}"),
            &Tls::default(),
            Duration::from_secs(5),
        )
        .unwrap();
        let reply = client.get("/readyz", None).unwrap();
        assert_eq!((reply.status, reply.body.len()), (500, 3));
        assert!(
            client
                .get("/big", None)
                .unwrap_err()
                .contains("larger than")
        );
        server.join().unwrap();
    }
}
