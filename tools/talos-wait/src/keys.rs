//! Certificates and private keys read from PEM (kubeconfig, talosconfig, exec plugins and flags),
//! checked as a pair before any connection so that a mismatch is a configuration error.

use std::fmt;
use std::sync::Arc;

use anyhow::{Result, anyhow, bail};
use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// The label Talos gives its Ed25519 keys; the DER inside is ordinary PKCS#8.
const ED25519_LABEL: &str = "ED25519 PRIVATE KEY";

/// The crypto provider every TLS connection of the tool uses.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Every certificate of a PEM bundle; `what` names the setting in errors.
pub fn certificates(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| anyhow!("{what}: expected PEM certificates"))?;
    if certs.is_empty() {
        bail!("{what}: expected a PEM certificate, found none");
    }
    Ok(certs)
}

/// The first private key of a PEM text: PKCS#1 RSA, SEC1 EC, PKCS#8 (RSA, ECDSA, Ed25519), or
/// Talos's `ED25519 PRIVATE KEY`.
pub fn private_key(pem: &[u8], what: &str) -> Result<PrivateKeyDer<'static>> {
    let text = String::from_utf8_lossy(pem).replace(ED25519_LABEL, "PRIVATE KEY");
    PrivateKeyDer::from_pem_slice(text.as_bytes())
        .map_err(|_| anyhow!("{what}: expected a PEM private key"))
}

/// A client certificate chain with its private key, known to belong together.
#[derive(Clone)]
pub struct Identity {
    /// The certificate chain, leaf first.
    pub certs: Vec<CertificateDer<'static>>,
    /// The private key of the leaf.
    pub key: Arc<PrivateKeyDer<'static>>,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Identity({} certificates, key redacted)",
            self.certs.len()
        )
    }
}

impl Identity {
    /// Reads a certificate and key from PEM and checks that the key matches the certificate.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8], what: &str) -> Result<Identity> {
        let certs = certificates(cert_pem, &format!("{what} certificate"))?;
        let key = private_key(key_pem, &format!("{what} key"))?;
        let identity = Identity {
            certs,
            key: Arc::new(key),
        };
        identity
            .certified(&provider())
            .map_err(|err| anyhow!("{what}: {err}"))?;
        Ok(identity)
    }

    /// The pair in the form rustls signs with; fails when the key is unsupported or does not
    /// match the certificate.
    pub fn certified(&self, provider: &CryptoProvider) -> Result<CertifiedKey> {
        CertifiedKey::from_der(self.certs.clone(), self.key.clone_key(), provider).map_err(|err| {
            match err {
                rustls::Error::InconsistentKeys(_) => {
                    anyhow!("the private key does not match the client certificate")
                }
                _ => anyhow!("unsupported client key or certificate"),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(alg: &'static rcgen::SignatureAlgorithm) -> (String, String) {
        let key = rcgen::KeyPair::generate_for(alg).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["client".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        (cert.pem(), key.serialize_pem())
    }

    #[test]
    fn accepts_ecdsa_and_ed25519_pairs() {
        for alg in [&rcgen::PKCS_ECDSA_P256_SHA256, &rcgen::PKCS_ED25519] {
            let (cert, key) = pair(alg);
            Identity::from_pem(cert.as_bytes(), key.as_bytes(), "client").unwrap();
        }
    }

    #[test]
    fn accepts_rsa_pairs_made_by_openssl() {
        let dir = tempfile::tempdir().unwrap();
        let (key, cert) = (dir.path().join("k.pem"), dir.path().join("c.pem"));
        let status = std::process::Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=rsa", "-days", "1",
                "-keyout",
            ])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .stderr(std::process::Stdio::null())
            .status();
        if !status.is_ok_and(|s| s.success()) {
            eprintln!("skipped: openssl is not available to make an RSA key");
            return;
        }
        let (cert, key) = (std::fs::read(cert).unwrap(), std::fs::read(key).unwrap());
        Identity::from_pem(&cert, &key, "rsa").unwrap();
    }

    #[test]
    fn reads_the_talos_ed25519_label() {
        let (cert, key) = pair(&rcgen::PKCS_ED25519);
        let talos = key.replace("PRIVATE KEY", ED25519_LABEL);
        Identity::from_pem(cert.as_bytes(), talos.as_bytes(), "talos").unwrap();
    }

    #[test]
    fn a_mismatched_pair_is_an_error() {
        let (cert, _) = pair(&rcgen::PKCS_ECDSA_P256_SHA256);
        let (_, other) = pair(&rcgen::PKCS_ECDSA_P256_SHA256);
        let err = Identity::from_pem(cert.as_bytes(), other.as_bytes(), "user").unwrap_err();
        assert_eq!(
            err.to_string(),
            "user: the private key does not match the client certificate"
        );
    }

    #[test]
    fn garbage_is_named_not_echoed() {
        let err = private_key(b"secret-material", "users[admin] client-key")
            .unwrap_err()
            .to_string();
        assert_eq!(err, "users[admin] client-key: expected a PEM private key");
        let err = certificates(b"", "ca").unwrap_err().to_string();
        assert!(err.starts_with("ca: expected"), "{err}");
    }

    #[test]
    fn debug_output_hides_the_key() {
        let (cert, key) = pair(&rcgen::PKCS_ED25519);
        let identity = Identity::from_pem(cert.as_bytes(), key.as_bytes(), "x").unwrap();
        assert_eq!(
            format!("{identity:?}"),
            "Identity(1 certificates, key redacted)"
        );
    }
}
