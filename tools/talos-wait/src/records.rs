//! The JSON Lines records: an `event` per state change or failed attempt, and the closing
//! `summary` that names every check that had not passed with its last error.

use std::time::{Duration, SystemTime};

use serde::Serialize;

/// Where a check stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not passed yet, or not attempted yet.
    Pending,
    /// Passed.
    Passed,
    /// The last attempt failed.
    Failed,
}

/// The state of one check as the wait loop knows it.
#[derive(Debug, Clone)]
pub struct CheckState {
    /// The check's name.
    pub check: String,
    /// Its target.
    pub target: String,
    /// Where it stands.
    pub status: Status,
    /// Attempts made.
    pub attempts: u32,
    /// The detail of the last attempt (the last error while not passed).
    pub detail: String,
}

/// One `"type": "event"` record.
#[derive(Debug, Serialize)]
pub struct Event<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    ts: String,
    check: &'a str,
    target: &'a str,
    status: Status,
    attempt: u32,
    elapsed_ms: u64,
    detail: &'a str,
}

impl<'a> Event<'a> {
    /// The event for a check's current state.
    pub fn new(state: &'a CheckState, elapsed: Duration) -> Self {
        Event {
            kind: "event",
            ts: now(),
            check: &state.check,
            target: &state.target,
            status: state.status,
            attempt: state.attempts,
            elapsed_ms: millis(elapsed),
            detail: &state.detail,
        }
    }
}

/// How the wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every check passed.
    Ready,
    /// The deadline came first.
    NotReady,
    /// Interrupted by SIGINT.
    Interrupted,
}

/// A check that had not passed when the wait ended.
#[derive(Debug, Serialize)]
pub struct NotPassed<'a> {
    check: &'a str,
    target: &'a str,
    status: Status,
    attempts: u32,
    last_error: &'a str,
}

/// The closing `"type": "summary"` record.
#[derive(Debug, Serialize)]
pub struct Summary<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    ts: String,
    status: Outcome,
    until: &'a str,
    elapsed_ms: u64,
    checks_total: usize,
    checks_passed: usize,
    not_passed: Vec<NotPassed<'a>>,
}

impl<'a> Summary<'a> {
    /// The summary of the checks' final states.
    pub fn new(
        outcome: Outcome,
        until: &'a str,
        checks: &'a [CheckState],
        elapsed: Duration,
    ) -> Self {
        let not_passed = checks
            .iter()
            .filter(|c| c.status != Status::Passed)
            .map(|c| NotPassed {
                check: &c.check,
                target: &c.target,
                status: c.status,
                attempts: c.attempts,
                last_error: &c.detail,
            })
            .collect();
        Summary {
            kind: "summary",
            ts: now(),
            status: outcome,
            until,
            elapsed_ms: millis(elapsed),
            checks_total: checks.len(),
            checks_passed: checks.iter().filter(|c| c.status == Status::Passed).count(),
            not_passed,
        }
    }
}

/// The current time in RFC 3339 UTC with milliseconds.
fn now() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(check: &str, status: Status) -> CheckState {
        CheckState {
            check: check.into(),
            target: "https://h:6443".into(),
            status,
            attempts: 2,
            detail: "connection refused".into(),
        }
    }

    #[test]
    fn events_have_the_documented_fields() {
        let s = state("apiserver", Status::Failed);
        let value = serde_json::to_value(Event::new(&s, Duration::from_millis(1500))).unwrap();
        assert_eq!(value["type"], "event");
        assert_eq!(value["status"], "failed");
        assert_eq!(value["elapsed_ms"], 1500);
        assert_eq!(value["attempt"], 2);
        assert!(value["ts"].as_str().unwrap().ends_with('Z'));
    }

    #[test]
    fn the_summary_lists_what_did_not_pass() {
        let checks = [
            state("apiserver", Status::Passed),
            state("nodes", Status::Failed),
            state("kubelet", Status::Pending),
        ];
        let value = serde_json::to_value(Summary::new(
            Outcome::NotReady,
            "ready",
            &checks,
            Duration::ZERO,
        ))
        .unwrap();
        assert_eq!(value["status"], "not_ready");
        assert_eq!(value["checks_passed"], 1);
        assert_eq!(value["not_passed"].as_array().unwrap().len(), 2);
        assert_eq!(value["not_passed"][0]["last_error"], "connection refused");
    }
}
