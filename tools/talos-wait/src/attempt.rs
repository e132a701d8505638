//! The outcome of one attempt of a check.

/// Why an attempt did not pass.
#[derive(Debug)]
pub enum Failure {
    /// Not ready yet (refused, reset, 401, not enough nodes …): retried until the deadline.
    NotYet(String),
    /// A configuration problem that no amount of waiting fixes: the run ends with exit 2.
    Fatal(anyhow::Error),
}

/// What one attempt found: the detail of a pass, or why it failed.
pub type Attempt = Result<String, Failure>;

/// A failed attempt with its reason.
pub fn not_yet(detail: impl Into<String>) -> Failure {
    Failure::NotYet(detail.into())
}
