//! A Kubernetes API client for the checks: the kubeconfig's TLS settings and credential, exec
//! plugin credentials cached until they expire, and JSON answers decoded into the object types.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use anyhow::Result;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::attempt::{Failure, not_yet};
use crate::exec::ExecCredential;
use crate::http::{self, Client, Reply};
use crate::kubeconfig::{Credential, Target};
use crate::secret::Secret;

/// The API server of one kubeconfig context.
#[derive(Debug)]
pub struct Kube {
    target: Target,
    timeout: Duration,
    exec_timeout: Duration,
    client: Client,
    exec: Mutex<Option<ExecSession>>,
}

/// A client built from an exec plugin's credential, kept until it expires.
#[derive(Debug)]
struct ExecSession {
    client: Option<Client>,
    authorization: Option<Secret>,
    expires: Option<SystemTime>,
}

/// The `Status` object the API server answers errors with.
#[derive(Debug, Default, Deserialize)]
struct Status {
    #[serde(default)]
    message: String,
}

impl Kube {
    /// A client for the context; TLS settings are checked here so that they fail before waiting.
    pub fn new(target: Target, timeout: Duration, exec_timeout: Duration) -> Result<Kube> {
        let client = Client::new(&target.server, &tls(&target, None), timeout)?;
        Ok(Kube {
            target,
            timeout,
            exec_timeout,
            client,
            exec: Mutex::new(None),
        })
    }

    /// The API server URL, as events name it.
    pub fn server(&self) -> &str {
        &self.target.server
    }

    /// GETs a path; any answer (401 and 500 included) is returned for the caller to judge.
    pub fn get(&self, path: &str) -> Result<Reply, Failure> {
        let reply = match &self.target.credential {
            Credential::Exec(_) => self.get_with_exec(path)?,
            credential => {
                let authorization = header(credential)?;
                self.client
                    .get(path, authorization.as_ref().map(Secret::expose))
                    .map_err(not_yet)?
            }
        };
        Ok(reply)
    }

    /// GETs a path that must answer 200 with a JSON object of type `T`.
    pub fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, Failure> {
        let reply = self.get(path)?;
        if reply.status != 200 {
            return Err(not_yet(format!("GET {path}: {}", status_text(&reply))));
        }
        serde_json::from_slice(&reply.body).map_err(|err| {
            not_yet(format!(
                "GET {path}: malformed JSON at {}:{}: {}",
                err.line(),
                err.column(),
                classify(&err)
            ))
        })
    }

    fn get_with_exec(&self, path: &str) -> Result<Reply, Failure> {
        let mut guard = self
            .exec
            .lock()
            .map_err(|_| not_yet("credential cache poisoned"))?;
        let fresh = guard
            .as_ref()
            .is_some_and(|s| s.expires.is_none_or(|at| at > SystemTime::now()));
        if !fresh {
            *guard = Some(self.exec_session()?);
        }
        let Some(session) = guard.as_ref() else {
            return Err(not_yet("no exec credential"));
        };
        let client = session.client.as_ref().unwrap_or(&self.client);
        let reply = client
            .get(path, session.authorization.as_ref().map(Secret::expose))
            .map_err(not_yet)?;
        if reply.status == 401 {
            *guard = None;
        }
        Ok(reply)
    }

    fn exec_session(&self) -> Result<ExecSession, Failure> {
        let Credential::Exec(config) = &self.target.credential else {
            return Err(not_yet("no exec plugin"));
        };
        let credential: ExecCredential = config.run(self.exec_timeout)?;
        let client = match &credential.identity {
            Some(identity) => Some(
                Client::new(
                    &self.target.server,
                    &tls(&self.target, Some(identity.clone())),
                    self.timeout,
                )
                .map_err(Failure::Fatal)?,
            ),
            None => None,
        };
        let authorization = credential
            .token
            .map(|t| Secret::new(format!("Bearer {}", t.expose())));
        Ok(ExecSession {
            client,
            authorization,
            expires: credential.expires,
        })
    }
}

fn tls(target: &Target, exec_identity: Option<crate::keys::Identity>) -> http::Tls {
    http::Tls {
        roots: target.roots.clone(),
        identity: exec_identity.or_else(|| target.identity.clone()),
        insecure: target.insecure,
        server_name: target.tls_server_name.clone(),
    }
}

/// The `Authorization` header value of a static credential.
fn header(credential: &Credential) -> Result<Option<Secret>, Failure> {
    Ok(match credential {
        Credential::None | Credential::Exec(_) => None,
        Credential::Token(token) => Some(Secret::new(format!("Bearer {}", token.expose()))),
        Credential::TokenFile(path) => {
            let token = std::fs::read_to_string(path).map_err(|err| {
                not_yet(format!(
                    "token file {}: cannot read: {}",
                    path.display(),
                    http::io_reason(&err)
                ))
            })?;
            Some(Secret::new(format!("Bearer {}", token.trim())))
        }
        Credential::Basic { username, password } => {
            let pair = format!("{username}:{}", password.expose());
            Some(Secret::new(format!("Basic {}", STANDARD.encode(pair))))
        }
    })
}

/// "HTTP 401: Unauthorized", with the API server's message when it sent a `Status`.
pub fn status_text(reply: &Reply) -> String {
    let message = serde_json::from_slice::<Status>(&reply.body)
        .map(|s| s.message)
        .unwrap_or_default();
    let mut text = format!("HTTP {}", reply.status);
    if !message.is_empty() {
        text.push_str(": ");
        text.extend(message.chars().take(200));
    }
    text
}

/// The kind of a JSON error without the offending text.
fn classify(err: &serde_json::Error) -> &'static str {
    match err.classify() {
        serde_json::error::Category::Eof => "unexpected end",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "unexpected structure",
        serde_json::error::Category::Io => "read error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_text_uses_the_api_message() {
        let reply = Reply {
            status: 403,
            body: br#"{"kind":"Status","message":"nodes is forbidden"}"#.to_vec(),
        };
        assert_eq!(status_text(&reply), "HTTP 403: nodes is forbidden");
        assert_eq!(
            status_text(&Reply {
                status: 500,
                body: b"oops".to_vec()
            }),
            "HTTP 500"
        );
    }

    #[test]
    fn headers_for_static_credentials() {
        let basic = Credential::Basic {
            username: "a".into(),
            password: Secret::new("b"),
        };
        assert_eq!(header(&basic).unwrap().unwrap().expose(), "Basic YTpi");
        let token = Credential::Token(Secret::new("t"));
        assert_eq!(header(&token).unwrap().unwrap().expose(), "Bearer t");
        let missing = Credential::TokenFile("/nonexistent/token".into());
        assert!(matches!(header(&missing), Err(Failure::NotYet(d)) if d.contains("cannot read")));
        assert!(header(&Credential::None).unwrap().is_none());
    }
}
