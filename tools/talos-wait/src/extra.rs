//! The extra checks given with `--check`: `tcp://host:port` (a TCP connect),
//! `https://url[#status=NNN]` (a 2xx answer, or exactly NNN) and `etcd+https://host:port`
//! (etcd's `/health` says `"health": "true"`, with the `--check-cert` client certificate).

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use serde::Deserialize;

use crate::attempt::{Attempt, not_yet};
use crate::http::{self, Client};
use crate::probe::Probe;

/// A parsed `--check` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    /// Connect to `host:port`.
    Tcp {
        /// `host:port`.
        address: String,
    },
    /// GET a URL.
    Http {
        /// Scheme, host and port.
        base: String,
        /// Path and query.
        path: String,
        /// The status that passes; any 2xx when `None`.
        status: Option<u16>,
    },
    /// etcd's `/health`.
    Etcd {
        /// Scheme, host and port.
        base: String,
    },
}

/// Parses a `--check` value; the message says what was expected.
pub fn parse(text: &str) -> Result<Spec> {
    let (scheme, rest) = text.split_once("://").ok_or_else(|| {
        anyhow!("--check {text}: expected tcp://host:port, https://url or etcd+https://host:port")
    })?;
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    if authority.is_empty() {
        bail!("--check {text}: expected a host");
    }
    if authority.contains('@') {
        bail!("--check {text}: credentials in the URL are not accepted");
    }
    match scheme {
        "tcp" => {
            if !path.is_empty()
                || authority
                    .rsplit_once(':')
                    .is_none_or(|(_, p)| p.parse::<u16>().is_err())
            {
                bail!("--check {text}: expected tcp://host:port");
            }
            Ok(Spec::Tcp {
                address: authority.to_string(),
            })
        }
        "https" | "http" => {
            let (path, status) = match path.split_once('#') {
                Some((path, fragment)) => (path, Some(expected_status(text, fragment)?)),
                None => (path, None),
            };
            let path = if path.is_empty() { "/" } else { path };
            Ok(Spec::Http {
                base: format!("{scheme}://{authority}"),
                path: path.to_string(),
                status,
            })
        }
        "etcd+https" | "etcd+http" => {
            if !path.is_empty() && path != "/" {
                bail!("--check {text}: expected {scheme}://host:port without a path");
            }
            let scheme = scheme.trim_start_matches("etcd+");
            Ok(Spec::Etcd {
                base: format!("{scheme}://{authority}"),
            })
        }
        other => bail!(
            "--check {text}: unknown scheme {other:?}; expected tcp, https, http, etcd+https or etcd+http"
        ),
    }
}

fn expected_status(text: &str, fragment: &str) -> Result<u16> {
    fragment
        .strip_prefix("status=")
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|s| (100..=599).contains(s))
        .ok_or_else(|| anyhow!("--check {text}: expected #status=NNN with NNN from 100 to 599"))
}

/// A TCP connect check.
pub struct TcpProbe {
    address: String,
    timeout: Duration,
}

impl TcpProbe {
    /// The probe of `host:port`.
    pub fn new(address: String, timeout: Duration) -> Self {
        TcpProbe { address, timeout }
    }
}

impl Probe for TcpProbe {
    fn check(&self) -> &str {
        "tcp"
    }

    fn target(&self) -> &str {
        &self.address
    }

    fn attempt(&self) -> Attempt {
        let addrs: Vec<SocketAddr> = self
            .address
            .to_socket_addrs()
            .map_err(|e| not_yet(format!("cannot resolve: {}", http::io_reason(&e))))?
            .collect();
        let mut last = "no address".to_string();
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, self.timeout) {
                Ok(_) => return Ok(format!("connected to {addr}")),
                Err(err) => last = http::io_reason(&err),
            }
        }
        Err(not_yet(last))
    }
}

/// An HTTPS (or etcd health) check.
pub struct HttpProbe {
    check: &'static str,
    target: String,
    client: Client,
    path: String,
    status: Option<u16>,
}

/// etcd's `/health` answer.
#[derive(Deserialize)]
struct Health {
    #[serde(default)]
    health: String,
    #[serde(default)]
    reason: String,
}

impl HttpProbe {
    /// A probe GETting `base` + `path`: the `https` check (passing on `status`, or any 2xx), or
    /// the `etcd` check of `/health`.
    pub fn new(spec: &Spec, tls: &http::Tls, timeout: Duration) -> Result<HttpProbe> {
        let (check, base, path, status) = match spec {
            Spec::Http { base, path, status } => ("https", base, path.as_str(), *status),
            Spec::Etcd { base } => ("etcd", base, "/health", None),
            Spec::Tcp { address } => bail!("{address}: a TCP check has no URL"),
        };
        let client = Client::new(base, tls, timeout)?;
        Ok(HttpProbe {
            check,
            target: format!("{base}{path}"),
            client,
            path: path.to_string(),
            status,
        })
    }
}

impl Probe for HttpProbe {
    fn check(&self) -> &str {
        self.check
    }

    fn target(&self) -> &str {
        &self.target
    }

    fn attempt(&self) -> Attempt {
        let reply = self.client.get(&self.path, None).map_err(not_yet)?;
        if self.check == "etcd" {
            return etcd_health(reply.status, &reply.body);
        }
        let passed = match self.status {
            Some(want) => reply.status == want,
            None => (200..300).contains(&reply.status),
        };
        if passed {
            Ok(format!("HTTP {}", reply.status))
        } else {
            Err(not_yet(format!("HTTP {}", reply.status)))
        }
    }
}

/// Judges etcd's `/health` answer: 200 with `"health": "true"` passes.
pub fn etcd_health(status: u16, body: &[u8]) -> Attempt {
    let health = serde_json::from_slice::<Health>(body).map_err(|e| {
        not_yet(format!(
            "HTTP {status}: malformed /health answer at {}:{}",
            e.line(),
            e.column()
        ))
    })?;
    match (status, health.health.as_str()) {
        (200, "true") => Ok("etcd healthy".to_string()),
        (_, value) if health.reason.is_empty() => {
            Err(not_yet(format!("HTTP {status}: health {value:?}")))
        }
        (_, value) => Err(not_yet(format!(
            "HTTP {status}: health {value:?} ({})",
            health.reason
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse() {
        assert_eq!(
            parse("tcp://10.0.0.1:6443").unwrap(),
            Spec::Tcp {
                address: "10.0.0.1:6443".into()
            }
        );
        assert_eq!(
            parse("https://lb.example:6443/healthz#status=401").unwrap(),
            Spec::Http {
                base: "https://lb.example:6443".into(),
                path: "/healthz".into(),
                status: Some(401)
            }
        );
        assert_eq!(
            parse("https://h?x=1").unwrap(),
            Spec::Http {
                base: "https://h".into(),
                path: "?x=1".into(),
                status: None
            }
        );
        assert_eq!(
            parse("etcd+https://10.0.0.1:2379").unwrap(),
            Spec::Etcd {
                base: "https://10.0.0.1:2379".into()
            }
        );
    }

    #[test]
    fn malformed_specs_say_what_was_expected() {
        for bad in [
            "10.0.0.1:6443",
            "tcp://host",
            "tcp://h:1/x",
            "ftp://h",
            "https://",
            "https://u:p@h/",
            "https://h#status=abc",
            "https://h#status=99",
            "etcd+https://h:2379/v2",
        ] {
            let err = parse(bad).unwrap_err().to_string();
            assert!(err.starts_with(&format!("--check {bad}: ")), "{err}");
        }
    }

    #[test]
    fn etcd_health_answers() {
        assert!(etcd_health(200, br#"{"health":"true"}"#).is_ok());
        let Err(crate::attempt::Failure::NotYet(detail)) =
            etcd_health(503, br#"{"health":"false","reason":"RAFT NO LEADER"}"#)
        else {
            panic!("expected a failure")
        };
        assert_eq!(detail, "HTTP 503: health \"false\" (RAFT NO LEADER)");
        assert!(etcd_health(200, b"<html>").is_err());
    }
}
