//! The Talos API check at the TLS level: a mutual-TLS handshake with the talosconfig's CA and
//! client certificate, then an HTTP/2 connection preface that apid (gRPC) must answer with a
//! SETTINGS frame. A node still in maintenance mode presents a self-signed certificate named
//! `maintenance-service.talos.dev`; it is reported as such, and only `--insecure` accepts it.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, anyhow};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use crate::attempt::{Attempt, Failure, not_yet};
use crate::http::io_reason;
use crate::keys::{self, Identity};

/// The common name of the certificate a node in maintenance mode presents.
pub const MAINTENANCE_NAME: &str = "maintenance-service.talos.dev";

/// The Talos API port.
pub const APID_PORT: u16 = 50000;

/// The HTTP/2 client connection preface followed by an empty SETTINGS frame.
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";

/// The HTTP/2 SETTINGS frame type.
const SETTINGS: u8 = 4;

/// What a pass requires.
#[derive(Debug, Clone)]
pub enum Mode {
    /// A configured node: mutual TLS with the cluster's Talos CA.
    Configured {
        /// The Talos OS certificate authority.
        roots: Vec<CertificateDer<'static>>,
        /// The talosconfig's client certificate and key.
        identity: Identity,
    },
    /// A node in maintenance mode (`--insecure`): its maintenance certificate is expected.
    Maintenance,
}

/// The apid check of one node.
pub struct ApidProbe {
    target: String,
    name: ServerName<'static>,
    mode: Mode,
    verified: Option<Arc<ClientConfig>>,
    peek: Arc<ClientConfig>,
    timeout: Duration,
}

impl ApidProbe {
    /// The probe of `address` (`host`, `ip` or `host:port`; `port` when none is given).
    pub fn new(address: &str, port: u16, mode: Mode, timeout: Duration) -> Result<ApidProbe> {
        let (host, port) = split_address(address, port)?;
        let name = ServerName::try_from(host.clone())
            .map_err(|_| anyhow!("{address}: expected a host name or IP address"))?;
        let provider = keys::provider();
        let verified = match &mode {
            Mode::Configured { roots, identity } => {
                Some(Arc::new(verified_config(&provider, roots, identity)?))
            }
            Mode::Maintenance => None,
        };
        let target = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        Ok(ApidProbe {
            target,
            name,
            mode,
            verified,
            peek: Arc::new(peek_config(provider)?),
            timeout,
        })
    }

    /// Connects and completes a TLS handshake with `config`.
    fn handshake(
        &self,
        config: Arc<ClientConfig>,
    ) -> Result<(ClientConnection, TcpStream), String> {
        let mut tcp = connect(&self.target, self.timeout)?;
        let mut conn =
            ClientConnection::new(config, self.name.clone()).map_err(|e| format!("TLS: {e}"))?;
        while conn.is_handshaking() {
            conn.complete_io(&mut tcp).map_err(|e| io_reason(&e))?;
        }
        Ok((conn, tcp))
    }

    /// The common name of the certificate the node presents, read without verifying it.
    fn presented_name(&self) -> Result<String, String> {
        let (conn, _) = self.handshake(self.peek.clone())?;
        let leaf = conn
            .peer_certificates()
            .and_then(|c| c.first())
            .ok_or("no server certificate")?;
        Ok(common_name(leaf).unwrap_or_else(|| "no common name".to_string()))
    }

    fn configured(&self, config: Arc<ClientConfig>) -> Attempt {
        let (conn, tcp) = match self.handshake(config) {
            Ok(pair) => pair,
            Err(reason) if reason.starts_with("TLS: invalid peer certificate") => {
                return Err(not_yet(self.foreign(reason)));
            }
            Err(reason) => return Err(not_yet(reason)),
        };
        let mut stream = rustls::StreamOwned::new(conn, tcp);
        let mut frame = [0u8; 9];
        let answered = stream
            .write_all(PREFACE)
            .and_then(|()| stream.flush())
            .and_then(|()| stream.read_exact(&mut frame));
        match answered {
            Ok(()) if frame[3] == SETTINGS => {
                Ok("mutual TLS with the Talos CA; HTTP/2 answered".to_string())
            }
            Ok(()) => Err(not_yet("TLS up, but the server did not speak HTTP/2")),
            Err(err) => Err(not_yet(io_reason(&err))),
        }
    }

    /// Explains a certificate that does not chain to the talosconfig's CA.
    fn foreign(&self, reason: String) -> String {
        match self.presented_name() {
            Ok(name) if name == MAINTENANCE_NAME => {
                format!(
                    "maintenance mode: the node presents {MAINTENANCE_NAME} (no machine configuration applied yet)"
                )
            }
            Ok(name) => format!("{reason} (certificate {name:?} is not from the talosconfig CA)"),
            Err(_) => reason,
        }
    }

    fn maintenance(&self) -> Attempt {
        match self.presented_name() {
            Ok(name) if name == MAINTENANCE_NAME => {
                Ok(format!("maintenance mode ({MAINTENANCE_NAME})"))
            }
            Ok(name) => Err(not_yet(format!(
                "not in maintenance mode: the node presents {name:?}"
            ))),
            Err(reason)
                if reason.contains("CertificateRequired") || reason.contains("BadCertificate") =>
            {
                Err(not_yet(
                    "not in maintenance mode: the node requires a client certificate (configured)",
                ))
            }
            Err(reason) => Err(not_yet(reason)),
        }
    }
}

impl crate::probe::Probe for ApidProbe {
    fn check(&self) -> &str {
        "apid"
    }

    fn target(&self) -> &str {
        &self.target
    }

    fn attempt(&self) -> Attempt {
        match (&self.mode, &self.verified) {
            (Mode::Configured { .. }, Some(config)) => self.configured(config.clone()),
            (Mode::Configured { .. }, None) => {
                Err(Failure::Fatal(anyhow!("apid: no TLS configuration")))
            }
            (Mode::Maintenance, _) => self.maintenance(),
        }
    }
}

/// Splits `host`, `ip`, `host:port`, `[v6]:port` into host and port.
fn split_address(address: &str, default_port: u16) -> Result<(String, u16)> {
    if let Ok(ip) = address.parse::<IpAddr>() {
        return Ok((ip.to_string(), default_port));
    }
    if let Ok(socket) = address.parse::<SocketAddr>() {
        return Ok((socket.ip().to_string(), socket.port()));
    }
    match address.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() => {
            let port = port
                .parse()
                .map_err(|_| anyhow!("{address}: expected host:port"))?;
            Ok((host.to_string(), port))
        }
        Some(_) => Err(anyhow!("{address}: expected host:port")),
        None if !address.is_empty() => Ok((address.to_string(), default_port)),
        None => Err(anyhow!("empty Talos endpoint")),
    }
}

fn connect(target: &str, timeout: Duration) -> Result<TcpStream, String> {
    let addrs: Vec<SocketAddr> = target
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve: {}", io_reason(&e)))?
        .collect();
    let mut last = "no address".to_string();
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(tcp) => {
                tcp.set_read_timeout(Some(timeout))
                    .map_err(|e| io_reason(&e))?;
                tcp.set_write_timeout(Some(timeout))
                    .map_err(|e| io_reason(&e))?;
                return Ok(tcp);
            }
            Err(err) => last = io_reason(&err),
        }
    }
    Err(last)
}

fn verified_config(
    provider: &Arc<CryptoProvider>,
    roots: &[CertificateDer<'static>],
    identity: &Identity,
) -> Result<ClientConfig> {
    let mut store = RootCertStore::empty();
    for root in roots {
        store
            .add(root.clone())
            .map_err(|e| anyhow!("talosconfig ca: {e}"))?;
    }
    let mut config = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(store)
        .with_client_auth_cert(identity.certs.clone(), identity.key.clone_key())
        .map_err(|_| {
            anyhow!("talosconfig: the private key does not match the client certificate")
        })?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

fn peek_config(provider: Arc<CryptoProvider>) -> Result<ClientConfig> {
    let mut config = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Peek(provider)))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

/// Accepts any server certificate, so that its name can be read. Used only to tell maintenance
/// mode from a foreign CA, and for `--insecure`; signatures are still checked.
#[derive(Debug)]
struct Peek(Arc<CryptoProvider>);

impl ServerCertVerifier for Peek {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The subject common name of a DER certificate.
fn common_name(der: &CertificateDer<'_>) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let name = cert
        .subject()
        .iter_common_name()
        .next()?
        .as_str()
        .ok()?
        .to_string();
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_with_default_ports() {
        assert_eq!(
            split_address("10.0.0.2", APID_PORT).unwrap(),
            ("10.0.0.2".into(), APID_PORT)
        );
        assert_eq!(
            split_address("10.0.0.2:5", APID_PORT).unwrap(),
            ("10.0.0.2".into(), 5)
        );
        assert_eq!(
            split_address("[::1]:7", APID_PORT).unwrap(),
            ("::1".into(), 7)
        );
        assert_eq!(
            split_address("cp.example", APID_PORT).unwrap(),
            ("cp.example".into(), APID_PORT)
        );
        assert!(split_address("cp:x", APID_PORT).is_err());
        assert!(split_address("", APID_PORT).is_err());
    }

    #[test]
    fn common_names_are_read() {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        let mut params = rcgen::CertificateParams::new(vec![MAINTENANCE_NAME.into()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, MAINTENANCE_NAME);
        let cert = params.self_signed(&key).unwrap();
        assert_eq!(common_name(cert.der()).as_deref(), Some(MAINTENANCE_NAME));
        assert_eq!(common_name(&CertificateDer::from(vec![1, 2, 3])), None);
    }
}
