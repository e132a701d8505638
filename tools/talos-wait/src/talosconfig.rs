//! Talos client configuration (`talosconfig`): the chosen context's endpoints, nodes, and the
//! base64-encoded PEM CA, certificate and key used for the apid mutual-TLS check.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rustls_pki_types::CertificateDer;
use serde::Deserialize;

use crate::keys::{self, Identity};
use crate::yaml;

#[derive(Debug, Default, Deserialize)]
struct File {
    #[serde(default)]
    context: Option<String>,
    #[serde(default)]
    contexts: Option<BTreeMap<String, Option<Context>>>,
}

#[derive(Debug, Default, Clone, Deserialize)]
struct Context {
    #[serde(default)]
    endpoints: Option<Vec<String>>,
    #[serde(default)]
    nodes: Option<Vec<String>>,
    #[serde(default)]
    ca: Option<String>,
    #[serde(default)]
    crt: Option<String>,
    #[serde(default)]
    key: Option<String>,
}

/// The Talos API settings of one context.
#[derive(Debug, Clone)]
pub struct TalosContext {
    /// The context's name.
    pub name: String,
    /// Where the Talos API is dialled.
    pub endpoints: Vec<String>,
    /// The nodes the context targets.
    pub nodes: Vec<String>,
    /// The Talos OS certificate authority.
    pub roots: Vec<CertificateDer<'static>>,
    /// The client certificate and key (Ed25519 in a talosctl-generated file).
    pub identity: Identity,
}

/// The talosconfig to read: the flag, else `$TALOSCONFIG`, else `~/.talos/config` when it
/// exists; `None` when there is none.
pub fn locate(explicit: Option<&Path>, env: Option<&str>, home: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_path_buf());
    }
    if let Some(path) = env.filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(path));
    }
    home.map(|h| h.join(".talos/config")).filter(|p| p.exists())
}

/// Reads a talosconfig file and resolves a context (the named one, else the file's own).
pub fn load(path: &Path, context: Option<&str>) -> Result<TalosContext> {
    let file: File = yaml::read(path)?;
    resolve(&path.display().to_string(), file, context)
}

/// Parses talosconfig text held in memory; `name` is the source named in errors.
pub fn parse(name: &str, text: &str, context: Option<&str>) -> Result<TalosContext> {
    resolve(name, yaml::parse(name, text)?, context)
}

fn resolve(source: &str, file: File, context: Option<&str>) -> Result<TalosContext> {
    let name = context
        .or(file.context.as_deref())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| anyhow!("{source}: no context set; give --talos-context"))?;
    let entry = file
        .contexts
        .unwrap_or_default()
        .remove(name)
        .flatten()
        .ok_or_else(|| anyhow!("{source}: no context named {name:?}"))?;
    let what = format!("{source}: contexts[{name}]");
    let endpoints = entry.endpoints.unwrap_or_default();
    if endpoints.is_empty() {
        bail!("{what}: expected at least one endpoint");
    }
    let ca = decode(entry.ca.as_deref(), &format!("{what}.ca"))?;
    let crt = decode(entry.crt.as_deref(), &format!("{what}.crt"))?;
    let key = decode(entry.key.as_deref(), &format!("{what}.key"))?;
    Ok(TalosContext {
        name: name.to_string(),
        endpoints,
        nodes: entry.nodes.unwrap_or_default(),
        roots: keys::certificates(&ca, &format!("{what}.ca"))?,
        identity: Identity::from_pem(&crt, &key, &what)?,
    })
}

fn decode(value: Option<&str>, what: &str) -> Result<Vec<u8>> {
    let value = value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| anyhow!("{what}: missing"))?;
    STANDARD
        .decode(value.trim().as_bytes())
        .map_err(|_| anyhow!("{what}: expected base64 of PEM"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Option<String> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures/k8s/talos-talosconfig-ed25519.yaml");
        let text = std::fs::read_to_string(&path).ok();
        if text.is_none() {
            eprintln!("skipped: {} is not present", path.display());
        }
        text
    }

    #[test]
    fn the_talosctl_generated_file_loads() {
        let Some(text) = fixture() else { return };
        let ctx = parse("talosconfig", &text, None).unwrap();
        assert_eq!(ctx.name, "no-roles");
        assert_eq!(ctx.endpoints, ["172.20.1.2", "172.20.1.3", "172.20.1.4"]);
        assert_eq!(ctx.nodes, ["172.20.1.2"]);
        assert_eq!(ctx.roots.len(), 1);
    }

    fn generated() -> String {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["admin".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let b64 = |s: &str| STANDARD.encode(s);
        let key_pem = key
            .serialize_pem()
            .replace("PRIVATE KEY", "ED25519 PRIVATE KEY");
        format!(
            "context: c\ncontexts:\n  c:\n    endpoints: [10.0.0.2]\n    ca: {}\n    crt: {}\n    key: {}\n",
            b64(&cert.pem()),
            b64(&cert.pem()),
            b64(&key_pem)
        )
    }

    #[test]
    fn generated_context_resolves() {
        let ctx = parse("t", &generated(), None).unwrap();
        assert_eq!(ctx.endpoints, ["10.0.0.2"]);
        assert!(ctx.nodes.is_empty());
    }

    #[test]
    fn missing_and_malformed_parts_are_named() {
        let text = generated();
        assert_eq!(
            parse("t", &text, Some("x")).unwrap_err().to_string(),
            "t: no context named \"x\""
        );
        let err = parse("t", "contexts: {}\n", None).unwrap_err().to_string();
        assert!(err.contains("no context set"), "{err}");
        let broken = text.replace("key: ", "key: x*");
        assert_eq!(
            parse("t", &broken, None).unwrap_err().to_string(),
            "t: contexts[c].key: expected base64 of PEM"
        );
        let no_endpoints = text.replace("endpoints: [10.0.0.2]", "endpoints: []");
        assert!(
            parse("t", &no_endpoints, None)
                .unwrap_err()
                .to_string()
                .contains("at least one endpoint")
        );
        let err = parse("t", "context: [", None).unwrap_err().to_string();
        assert!(err.starts_with("t:1:"), "{err}");
    }

    #[test]
    fn locate_prefers_flag_then_env_then_home() {
        assert_eq!(
            locate(Some(Path::new("/f")), Some("/e"), None),
            Some(PathBuf::from("/f"))
        );
        assert_eq!(locate(None, Some("/e"), None), Some(PathBuf::from("/e")));
        assert_eq!(locate(None, None, Some(Path::new("/nonexistent"))), None);
    }
}
