//! Kubeconfig `exec` credential plugins (`client.authentication.k8s.io`): run the command with
//! `KUBERNETES_EXEC_INFO`, bounded by a timeout, and read the token or client certificate it
//! prints. Nothing of its output is ever echoed.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Result, anyhow, bail};
use serde::Deserialize;

use crate::attempt::{Failure, not_yet};
use crate::keys::Identity;
use crate::secret::Secret;

/// The API versions of the credential exchange this tool speaks.
const API_VERSIONS: [&str; 2] = [
    "client.authentication.k8s.io/v1",
    "client.authentication.k8s.io/v1beta1",
];

/// The largest plugin output read.
const MAX_OUTPUT: u64 = 1 << 20;

/// A kubeconfig user's `exec` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecConfig {
    /// The program to run.
    pub command: String,
    /// Its arguments.
    #[serde(default)]
    pub args: Option<Vec<String>>,
    /// Extra environment variables.
    #[serde(default)]
    pub env: Option<Vec<EnvVar>>,
    /// The exchange's API version.
    #[serde(default)]
    pub api_version: Option<String>,
    /// `Never`, `IfAvailable` or `Always` (a terminal is never available here).
    #[serde(default)]
    pub interactive_mode: Option<String>,
}

/// One `name`/`value` pair of `exec.env`.
#[derive(Debug, Clone, Deserialize)]
pub struct EnvVar {
    /// Variable name.
    pub name: String,
    /// Its value.
    #[serde(default)]
    pub value: String,
}

/// What a plugin handed over.
#[derive(Debug, Clone)]
pub struct ExecCredential {
    /// A bearer token.
    pub token: Option<Secret>,
    /// A client certificate and key.
    pub identity: Option<Identity>,
    /// When to run the plugin again; `None` means the credential is kept for the whole run.
    pub expires: Option<SystemTime>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Output {
    status: Option<Status>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    token: Option<String>,
    client_certificate_data: Option<String>,
    client_key_data: Option<String>,
    expiration_timestamp: Option<String>,
}

impl ExecConfig {
    /// A command given as a relative path with a directory part is relative to the kubeconfig.
    pub fn resolve_command(&mut self, dir: &Path) {
        let command = Path::new(&self.command);
        if command.is_relative() && command.components().count() > 1 {
            self.command = dir.join(command).display().to_string();
        }
    }

    /// Checks the settings that can be checked before running anything.
    pub fn validate(&self) -> Result<()> {
        if self.command.is_empty() {
            bail!("command is empty");
        }
        let version = self.api_version.as_deref().unwrap_or("");
        if !API_VERSIONS.contains(&version) {
            bail!(
                "apiVersion {version:?}: expected one of {}",
                API_VERSIONS.join(", ")
            );
        }
        if self.interactive_mode.as_deref() == Some("Always") {
            bail!("interactiveMode Always needs a terminal, which talos-wait never offers");
        }
        Ok(())
    }

    /// Runs the plugin and reads its credential.
    pub fn run(&self, timeout: Duration) -> Result<ExecCredential, Failure> {
        let mut child = self.spawn()?;
        let mut stdout = child
            .stdout
            .take()
            .ok_or_else(|| not_yet("exec plugin: no output pipe"))?;
        let reader = std::thread::spawn(move || {
            let mut out = Vec::new();
            let read = (&mut stdout).take(MAX_OUTPUT).read_to_end(&mut out);
            read.map(|_| out)
        });
        let status = wait_bounded(&mut child, timeout)
            .map_err(|err| not_yet(format!("exec plugin {}: {err}", self.command)))?;
        if !status.success() {
            return Err(not_yet(format!(
                "exec plugin {} failed ({status})",
                self.command
            )));
        }
        let out = reader
            .join()
            .map_err(|_| not_yet("exec plugin: output reader failed"))?
            .map_err(|err| {
                not_yet(format!(
                    "exec plugin {}: cannot read its output: {err}",
                    self.command
                ))
            })?;
        parse_credential(&out)
            .map_err(|err| Failure::Fatal(anyhow!("exec plugin {}: {err}", self.command)))
    }

    fn spawn(&self) -> Result<Child, Failure> {
        let info = serde_json::json!({
            "apiVersion": self.api_version,
            "kind": "ExecCredential",
            "spec": {"interactive": false},
        });
        let mut command = Command::new(&self.command);
        command
            .args(self.args.iter().flatten())
            .envs(self.env.iter().flatten().map(|e| (&e.name, &e.value)))
            .env("KUBERNETES_EXEC_INFO", info.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        command.spawn().map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => {
                Failure::Fatal(anyhow!("exec plugin {}: cannot run: {err}", self.command))
            }
            _ => not_yet(format!("exec plugin {}: cannot run: {err}", self.command)),
        })
    }
}

/// Waits for the child at most `timeout`, killing it when it takes longer.
fn wait_bounded(child: &mut Child, timeout: Duration) -> Result<std::process::ExitStatus> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if start.elapsed() >= timeout {
            child.kill()?;
            child.wait()?;
            bail!("timed out after {}", humantime::format_duration(timeout));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Reads an `ExecCredential` object; errors give a position, never the text.
pub fn parse_credential(out: &[u8]) -> Result<ExecCredential> {
    let output: Output = serde_json::from_slice(out).map_err(|err| {
        anyhow!(
            "output:{}:{}: expected an ExecCredential JSON object",
            err.line(),
            err.column()
        )
    })?;
    let status = output
        .status
        .ok_or_else(|| anyhow!("output: expected a status object"))?;
    let expires = status
        .expiration_timestamp
        .map(|ts| {
            humantime::parse_rfc3339_weak(&ts)
                .map_err(|_| anyhow!("output: expirationTimestamp: expected an RFC 3339 time"))
        })
        .transpose()?;
    let identity = match (status.client_certificate_data, status.client_key_data) {
        (Some(cert), Some(key)) => Some(Identity::from_pem(
            cert.as_bytes(),
            key.as_bytes(),
            "output client certificate",
        )?),
        (None, None) => None,
        _ => bail!("output: clientCertificateData and clientKeyData come together"),
    };
    let token = status.token.filter(|t| !t.is_empty()).map(Secret::new);
    if token.is_none() && identity.is_none() {
        bail!("output: expected a token or a client certificate");
    }
    Ok(ExecCredential {
        token,
        identity,
        expires,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plugin(script: &str) -> (tempfile::TempDir, ExecConfig) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plugin.sh");
        std::fs::write(&path, script).unwrap();
        let config = ExecConfig {
            command: "sh".into(),
            args: Some(vec![path.display().to_string()]),
            env: Some(vec![EnvVar {
                name: "GREETING".into(),
                value: "tok".into(),
            }]),
            api_version: Some(API_VERSIONS[0].into()),
            interactive_mode: Some("Never".into()),
        };
        (dir, config)
    }

    #[test]
    fn a_token_is_read_with_env_and_exec_info() {
        let (_dir, config) = plugin(
            "case \"$KUBERNETES_EXEC_INFO\" in *ExecCredential*) ;; *) exit 3;; esac\n\
             printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%s-1\",\"expirationTimestamp\":\"2030-01-01T00:00:00Z\"}}' \"$GREETING\"\n",
        );
        let cred = config.run(Duration::from_secs(10)).unwrap();
        assert_eq!(cred.token.unwrap().expose(), "tok-1");
        assert!(cred.expires.is_some());
    }

    #[test]
    fn a_failing_or_slow_plugin_is_a_failed_attempt() {
        let (_dir, config) = plugin("exit 4\n");
        assert!(
            matches!(config.run(Duration::from_secs(10)), Err(Failure::NotYet(d)) if d.contains("failed"))
        );
        let (_dir, config) = plugin("sleep 5\n");
        let Err(Failure::NotYet(detail)) = config.run(Duration::from_millis(200)) else {
            panic!("expected a timeout")
        };
        assert!(detail.contains("timed out"), "{detail}");
    }

    #[test]
    fn a_missing_program_is_fatal() {
        let (_dir, mut config) = plugin("");
        config.command = "/nonexistent/plugin".into();
        assert!(matches!(
            config.run(Duration::from_secs(1)),
            Err(Failure::Fatal(_))
        ));
    }

    #[test]
    fn malformed_output_is_located_not_echoed() {
        let err = parse_credential(b"{\"status\": {\"token\": 12345}}")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("output:1:"), "{err}");
        assert!(!err.contains("12345"), "{err}");
        assert!(parse_credential(b"{\"status\": {}}").is_err());
        assert!(parse_credential(b"{}").is_err());
        let err =
            parse_credential(b"{\"status\":{\"token\":\"t\",\"expirationTimestamp\":\"soon\"}}")
                .unwrap_err();
        assert!(err.to_string().contains("RFC 3339"));
    }

    #[test]
    fn validation_rejects_unknown_versions_and_interactive_plugins() {
        let (_dir, mut config) = plugin("");
        config.validate().unwrap();
        config.api_version = Some("client.authentication.k8s.io/v1alpha1".into());
        assert!(config.validate().is_err());
        config.api_version = Some(API_VERSIONS[1].into());
        config.interactive_mode = Some("Always".into());
        assert!(config.validate().is_err());
    }

    #[test]
    fn relative_commands_with_a_directory_follow_the_file() {
        let (_dir, mut config) = plugin("");
        config.command = "bin/get-token".into();
        config.resolve_command(Path::new("/etc/kube"));
        assert_eq!(config.command, "/etc/kube/bin/get-token");
        config.command = "aws".into();
        config.resolve_command(Path::new("/etc/kube"));
        assert_eq!(config.command, "aws");
    }
}
