//! Loopback servers for the command-line tests: a certificate authority made in the test, a
//! scripted Kubernetes API server over HTTPS, a Talos API (apid) TLS listener, and a real etcd.

#![allow(clippy::unwrap_used)]

pub mod cluster;
pub mod pki;
pub mod server;

use std::path::Path;

use serde_json::Value;

/// Every JSON record the tool printed.
pub fn records(stdout: &[u8]) -> Vec<Value> {
    serde_json::Deserializer::from_slice(stdout)
        .into_iter::<Value>()
        .map(|v| v.unwrap())
        .collect()
}

/// The summary record (the last one).
pub fn summary(records: &[Value]) -> &Value {
    let last = records.last().expect("at least one record");
    assert_eq!(last["type"], "summary", "the last record is the summary");
    last
}

/// The last error of the first check the summary names as not passed.
pub fn first_error(records: &[Value]) -> String {
    summary(records)["not_passed"][0]["last_error"]
        .as_str()
        .expect("a last_error string")
        .to_string()
}

/// Writes a file and returns its path as a string.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}
