//! What the wait loop runs: a named check against a target, attempted until it passes.

use crate::attempt::Attempt;

/// One check the wait loop retries.
pub trait Probe: Send + Sync {
    /// The check's name in events (`apiserver`, `nodes_ready`, `tcp` …).
    fn check(&self) -> &str;
    /// What it checks against (a URL, `host:port`), free of credentials.
    fn target(&self) -> &str;
    /// Makes one attempt, bounded by the attempt timeout.
    fn attempt(&self) -> Attempt;
}
