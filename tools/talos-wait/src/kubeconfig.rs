//! Kubeconfig loading as kubectl does it: the files of `$KUBECONFIG` merged (the first file to
//! set a name wins, relative paths are relative to their file), one context chosen, and its
//! cluster and user turned into what a connection needs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rustls_pki_types::CertificateDer;
use serde::Deserialize;

use crate::exec::ExecConfig;
use crate::keys::{self, Identity};
use crate::secret::Secret;
use crate::yaml;

/// One kubeconfig file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct File {
    #[serde(default)]
    clusters: Option<Vec<Named<Cluster>>>,
    #[serde(default)]
    users: Option<Vec<Named<User>>>,
    #[serde(default)]
    contexts: Option<Vec<Named<ContextEntry>>>,
    #[serde(default)]
    current_context: Option<String>,
}

/// A `{name, <kind>: {...}}` list entry.
#[derive(Debug, Deserialize)]
struct Named<T> {
    name: String,
    #[serde(alias = "cluster", alias = "user", alias = "context")]
    value: Option<T>,
}

/// A cluster entry: where the API server is and how to trust it.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Cluster {
    #[serde(default)]
    server: String,
    certificate_authority: Option<PathBuf>,
    certificate_authority_data: Option<String>,
    #[serde(default)]
    insecure_skip_tls_verify: bool,
    tls_server_name: Option<String>,
    proxy_url: Option<String>,
}

/// A user entry: the credentials.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct User {
    client_certificate: Option<PathBuf>,
    client_certificate_data: Option<String>,
    client_key: Option<PathBuf>,
    client_key_data: Option<String>,
    token: Option<String>,
    #[serde(rename = "tokenFile")]
    token_file: Option<PathBuf>,
    username: Option<String>,
    password: Option<String>,
    exec: Option<ExecConfig>,
}

/// A context entry: a cluster and a user.
#[derive(Debug, Default, Clone, Deserialize)]
struct ContextEntry {
    #[serde(default)]
    cluster: String,
    #[serde(default)]
    user: String,
}

/// The merged view of one or more kubeconfig files.
#[derive(Debug, Default)]
pub struct Kubeconfig {
    clusters: BTreeMap<String, Cluster>,
    users: BTreeMap<String, User>,
    contexts: BTreeMap<String, ContextEntry>,
    current_context: Option<String>,
}

/// How requests prove who they are, besides a client certificate.
#[derive(Debug, Clone)]
pub enum Credential {
    /// No header.
    None,
    /// `Authorization: Bearer <token>`.
    Token(Secret),
    /// A bearer token read from a file at each attempt (rotated service-account tokens).
    TokenFile(PathBuf),
    /// HTTP basic authentication.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: Secret,
    },
    /// A credential plugin run on demand.
    Exec(ExecConfig),
}

/// Everything needed to talk to the API server of the chosen context.
#[derive(Debug, Clone)]
pub struct Target {
    /// The context's name.
    pub context: String,
    /// The API server URL, without a trailing slash.
    pub server: String,
    /// The certificate authorities to trust; `None` means the system's web roots.
    pub roots: Option<Vec<CertificateDer<'static>>>,
    /// `insecure-skip-tls-verify` was set (honoured with a warning).
    pub insecure: bool,
    /// The name to verify the server certificate against, when not the URL's host.
    pub tls_server_name: Option<String>,
    /// The client certificate and key, when the user has one.
    pub identity: Option<Identity>,
    /// The header credential.
    pub credential: Credential,
}

/// The kubeconfig files to read: the explicit one, else `$KUBECONFIG`'s list, else
/// `~/.kube/config`; `-` reads standard input. Files of the list that do not exist are skipped, as kubectl does.
pub fn locate(
    explicit: Option<&Path>,
    env: Option<&str>,
    home: Option<&Path>,
) -> Result<Vec<PathBuf>> {
    if let Some(path) = explicit {
        return Ok(vec![path.to_path_buf()]);
    }
    if let Some(list) = env.filter(|v| !v.is_empty()) {
        let files: Vec<PathBuf> = list
            .split(':')
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .collect();
        let existing: Vec<PathBuf> = files.into_iter().filter(|p| p.exists()).collect();
        if existing.is_empty() {
            bail!("KUBECONFIG={list}: none of its files exists");
        }
        return Ok(existing);
    }
    let home = home.ok_or_else(|| anyhow!("no kubeconfig: give --kubeconfig or set KUBECONFIG"))?;
    Ok(vec![home.join(".kube/config")])
}

impl Kubeconfig {
    /// Reads and merges the files in order.
    pub fn load(files: &[PathBuf]) -> Result<Kubeconfig> {
        let mut merged = Kubeconfig::default();
        for path in files {
            let file: File = yaml::read(path)?;
            let dir = match path.parent() {
                Some(dir) if path.as_os_str() != "-" => dir,
                _ => Path::new("."),
            };
            merged.merge(file, dir);
        }
        Ok(merged)
    }

    /// Parses one kubeconfig held in memory; relative paths are taken from `dir`.
    pub fn parse(name: &str, text: &str, dir: &Path) -> Result<Kubeconfig> {
        let mut config = Kubeconfig::default();
        config.merge(yaml::parse(name, text)?, dir);
        Ok(config)
    }

    fn merge(&mut self, file: File, dir: &Path) {
        for entry in file.clusters.unwrap_or_default() {
            let mut cluster = entry.value.unwrap_or_default();
            cluster.certificate_authority = cluster.certificate_authority.map(|p| dir.join(p));
            self.clusters.entry(entry.name).or_insert(cluster);
        }
        for entry in file.users.unwrap_or_default() {
            let mut user = entry.value.unwrap_or_default();
            user.client_certificate = user.client_certificate.map(|p| dir.join(p));
            user.client_key = user.client_key.map(|p| dir.join(p));
            user.token_file = user.token_file.map(|p| dir.join(p));
            if let Some(exec) = &mut user.exec {
                exec.resolve_command(dir);
            }
            self.users.entry(entry.name).or_insert(user);
        }
        for entry in file.contexts.unwrap_or_default() {
            self.contexts
                .entry(entry.name)
                .or_insert(entry.value.unwrap_or_default());
        }
        if self.current_context.as_deref().unwrap_or("").is_empty() {
            self.current_context = file.current_context;
        }
    }

    /// The connection settings of the named context, or of the current one.
    pub fn target(&self, context: Option<&str>) -> Result<Target> {
        let name = context
            .or(self.current_context.as_deref())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| anyhow!("kubeconfig: no current-context; give --context"))?;
        let entry = self
            .contexts
            .get(name)
            .ok_or_else(|| anyhow!("kubeconfig: no context named {name:?}"))?;
        let cluster = self.clusters.get(&entry.cluster).ok_or_else(|| {
            anyhow!(
                "kubeconfig: context {name:?} names cluster {:?}, which is not defined",
                entry.cluster
            )
        })?;
        let user = match entry.user.as_str() {
            "" => User::default(),
            user => self.users.get(user).cloned().ok_or_else(|| {
                anyhow!("kubeconfig: context {name:?} names user {user:?}, which is not defined")
            })?,
        };
        let what = format!("kubeconfig users[{}]", entry.user);
        let server = cluster.server.trim_end_matches('/').to_string();
        if !(server.starts_with("https://") || server.starts_with("http://")) {
            bail!(
                "kubeconfig clusters[{}]: expected an https:// server URL, found {server:?}",
                entry.cluster
            );
        }
        if cluster.proxy_url.is_some() {
            bail!(
                "kubeconfig clusters[{}]: proxy-url is not supported",
                entry.cluster
            );
        }
        Ok(Target {
            context: name.to_string(),
            server,
            roots: cluster_roots(cluster, &entry.cluster)?,
            insecure: cluster.insecure_skip_tls_verify,
            tls_server_name: cluster.tls_server_name.clone().filter(|n| !n.is_empty()),
            identity: identity(&user, &what)?,
            credential: credential(user, &what)?,
        })
    }
}

/// Data from either the inline `*-data` field (base64, which wins) or the file it names.
fn data_or_file(data: Option<&str>, file: Option<&Path>, what: &str) -> Result<Option<Vec<u8>>> {
    if let Some(data) = data.filter(|d| !d.is_empty()) {
        let bytes = STANDARD
            .decode(data.trim().as_bytes())
            .map_err(|_| anyhow!("{what}-data: expected base64"))?;
        return Ok(Some(bytes));
    }
    match file.filter(|f| !f.as_os_str().is_empty()) {
        Some(path) => {
            Ok(Some(std::fs::read(path).with_context(|| {
                format!("{what}: {}: cannot read", path.display())
            })?))
        }
        None => Ok(None),
    }
}

fn cluster_roots(cluster: &Cluster, name: &str) -> Result<Option<Vec<CertificateDer<'static>>>> {
    let what = format!("kubeconfig clusters[{name}] certificate-authority");
    let pem = data_or_file(
        cluster.certificate_authority_data.as_deref(),
        cluster.certificate_authority.as_deref(),
        &what,
    )?;
    pem.map(|pem| keys::certificates(&pem, &what)).transpose()
}

fn identity(user: &User, what: &str) -> Result<Option<Identity>> {
    let cert = data_or_file(
        user.client_certificate_data.as_deref(),
        user.client_certificate.as_deref(),
        &format!("{what} client-certificate"),
    )?;
    let key = data_or_file(
        user.client_key_data.as_deref(),
        user.client_key.as_deref(),
        &format!("{what} client-key"),
    )?;
    match (cert, key) {
        (Some(cert), Some(key)) => Ok(Some(Identity::from_pem(&cert, &key, what)?)),
        (None, None) => Ok(None),
        (Some(_), None) => bail!("{what}: a client certificate without a client key"),
        (None, Some(_)) => bail!("{what}: a client key without a client certificate"),
    }
}

fn credential(user: User, what: &str) -> Result<Credential> {
    if let Some(token) = user.token.filter(|t| !t.is_empty()) {
        return Ok(Credential::Token(Secret::new(token)));
    }
    if let Some(path) = user.token_file.filter(|p| !p.as_os_str().is_empty()) {
        return Ok(Credential::TokenFile(path));
    }
    if let Some(username) = user.username.filter(|u| !u.is_empty()) {
        let password = Secret::new(user.password.unwrap_or_default());
        return Ok(Credential::Basic { username, password });
    }
    if let Some(exec) = user.exec {
        exec.validate()
            .map_err(|err| anyhow!("{what} exec: {err}"))?;
        return Ok(Credential::Exec(exec));
    }
    Ok(Credential::None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Kubeconfig {
        Kubeconfig::parse("k.yaml", text, Path::new("/cfg")).unwrap()
    }

    const BASIC: &str = "
apiVersion: v1
kind: Config
current-context: a
clusters:
- name: c
  cluster: {server: 'https://10.0.0.1:6443/', insecure-skip-tls-verify: true, tls-server-name: api.local}
users:
- name: u
  user: {token: abc}
- name: f
  user: {tokenFile: tok}
- name: b
  user: {username: admin, password: pw}
contexts:
- name: a
  context: {cluster: c, user: u}
- name: file
  context: {cluster: c, user: f}
- name: basic
  context: {cluster: c, user: b}
- name: anon
  context: {cluster: c, user: ''}
- name: broken
  context: {cluster: missing, user: u}
";

    #[test]
    fn current_context_and_token() {
        let target = config(BASIC).target(None).unwrap();
        assert_eq!(target.server, "https://10.0.0.1:6443");
        assert!(target.insecure);
        assert_eq!(target.tls_server_name.as_deref(), Some("api.local"));
        assert!(matches!(target.credential, Credential::Token(ref t) if t.expose() == "abc"));
    }

    #[test]
    fn token_file_is_relative_to_the_file() {
        let target = config(BASIC).target(Some("file")).unwrap();
        assert!(
            matches!(target.credential, Credential::TokenFile(ref p) if p == Path::new("/cfg/tok"))
        );
    }

    #[test]
    fn basic_and_anonymous_users() {
        let cfg = config(BASIC);
        assert!(
            matches!(cfg.target(Some("basic")).unwrap().credential, Credential::Basic { ref username, .. } if username == "admin")
        );
        assert!(matches!(
            cfg.target(Some("anon")).unwrap().credential,
            Credential::None
        ));
    }

    #[test]
    fn unknown_names_are_errors() {
        let cfg = config(BASIC);
        assert_eq!(
            cfg.target(Some("nope")).unwrap_err().to_string(),
            "kubeconfig: no context named \"nope\""
        );
        let err = cfg.target(Some("broken")).unwrap_err().to_string();
        assert!(err.contains("names cluster \"missing\""), "{err}");
        let empty = config("kind: Config\n");
        assert!(
            empty
                .target(None)
                .unwrap_err()
                .to_string()
                .contains("no current-context")
        );
    }

    #[test]
    fn first_file_to_set_a_name_wins() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("one");
        let second = dir.path().join("two");
        std::fs::write(
            &first,
            "clusters:\n- name: c\n  cluster: {server: 'https://first'}\n",
        )
        .unwrap();
        std::fs::write(
            &second,
            "current-context: x\nclusters:\n- name: c\n  cluster: {server: 'https://second'}\ncontexts:\n- name: x\n  context: {cluster: c}\n",
        )
        .unwrap();
        let cfg = Kubeconfig::load(&[first, second]).unwrap();
        assert_eq!(cfg.target(None).unwrap().server, "https://first");
    }

    #[test]
    fn locate_prefers_flag_then_env_then_home() {
        let dir = tempfile::tempdir().unwrap();
        let present = dir.path().join("present");
        std::fs::write(&present, "").unwrap();
        let env = format!("{}:/nonexistent/x", present.display());
        assert_eq!(
            locate(Some(Path::new("/a")), Some(&env), None).unwrap(),
            vec![PathBuf::from("/a")]
        );
        assert_eq!(locate(None, Some(&env), None).unwrap(), vec![present]);
        assert_eq!(
            locate(None, None, Some(Path::new("/h"))).unwrap(),
            vec![PathBuf::from("/h/.kube/config")]
        );
        assert!(locate(None, Some("/nonexistent/y"), None).is_err());
    }

    #[test]
    fn bad_base64_and_half_pairs_are_named() {
        let text = "current-context: a\nclusters:\n- name: c\n  cluster: {server: 'https://h', certificate-authority-data: '***'}\ncontexts:\n- name: a\n  context: {cluster: c}\n";
        let err = config(text).target(None).unwrap_err().to_string();
        assert_eq!(
            err,
            "kubeconfig clusters[c] certificate-authority-data: expected base64"
        );
        let text = "current-context: a\nclusters:\n- name: c\n  cluster: {server: 'https://h'}\nusers:\n- name: u\n  user: {client-key-data: 'c2VjcmV0'}\ncontexts:\n- name: a\n  context: {cluster: c, user: u}\n";
        let err = config(text).target(None).unwrap_err().to_string();
        assert_eq!(
            err,
            "kubeconfig users[u]: a client key without a client certificate"
        );
        assert!(!err.contains("secret"));
    }

    #[test]
    fn a_server_must_be_a_url() {
        let text = "current-context: a\nclusters:\n- name: c\n  cluster: {server: 'h:6443'}\ncontexts:\n- name: a\n  context: {cluster: c}\n";
        assert!(
            config(text)
                .target(None)
                .unwrap_err()
                .to_string()
                .contains("expected an https:// server URL")
        );
    }

    #[test]
    fn the_talos_in_cluster_fixture_parses() {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures/k8s/talos-kubeconfig-in-cluster-configmap.yaml");
        let Ok(text) = std::fs::read_to_string(&fixture) else {
            eprintln!("skipped: {} is not present", fixture.display());
            return;
        };
        let map: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
        let inner = map["data"]["kubeconfig"].as_str().unwrap();
        let cfg = Kubeconfig::parse("fixture", inner, Path::new("/")).unwrap();
        let err = cfg.target(None).unwrap_err().to_string();
        assert!(
            err.contains("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt: cannot read"),
            "{err}"
        );
    }
}
