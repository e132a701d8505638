//! Exit codes shared by every tool, and the `main` wrapper that maps a run's outcome to one.

use std::io;
use std::process::ExitCode;

/// How a run ended. The numbers are the workspace's exit-code contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: nothing to report (clean, within budget, ready).
    Success = 0,
    /// 1: the tool ran and the answer is "no" (findings, over budget, not ready, corrupt).
    No = 1,
    /// 2: the tool could not answer (bad usage, invalid input, network failure).
    Error = 2,
    /// 130: interrupted by SIGINT.
    Interrupted = 130,
}

impl Exit {
    /// `Success` when `ok`, `No` otherwise: the usual verdict of a check.
    pub fn verdict(ok: bool) -> Self {
        if ok { Exit::Success } else { Exit::No }
    }

    /// The more severe of two outcomes, for combining the verdicts of several inputs.
    pub fn worst(self, other: Exit) -> Exit {
        if (other as u8) > (self as u8) {
            other
        } else {
            self
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// Runs a tool's body and turns its result into the process exit code.
///
/// An error is printed once as `<tool>: error: <context>: <cause>` and exits 2, except a
/// closed stdout (`tool | head`), which ends the run quietly with 0.
pub fn run(tool: &str, body: impl FnOnce() -> anyhow::Result<Exit>) -> ExitCode {
    match body() {
        Ok(exit) => exit.into(),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{tool}: error: {}", one_line(&format!("{err:#}")));
            Exit::Error.into()
        }
    }
}

/// Prints a warning line on stderr in the shared format.
pub fn warn(tool: &str, message: &str) {
    eprintln!("{tool}: warning: {}", one_line(message));
}

/// True when any cause in the chain is a broken pipe: the reader went away.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Folds a message onto one line so that an error is always a single line on stderr.
fn one_line(message: &str) -> String {
    message
        .split(['\n', '\r'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_prefers_the_higher_code() {
        assert_eq!(Exit::Success.worst(Exit::No), Exit::No);
        assert_eq!(Exit::Error.worst(Exit::No), Exit::Error);
        assert_eq!(Exit::Success.worst(Exit::Success), Exit::Success);
    }

    #[test]
    fn broken_pipe_is_found_through_context() {
        let err =
            anyhow::Error::from(io::Error::from(io::ErrorKind::BrokenPipe)).context("writing");
        assert!(is_broken_pipe(&err));
        assert!(!is_broken_pipe(&anyhow::anyhow!("other")));
    }

    #[test]
    fn messages_are_folded_to_one_line() {
        assert_eq!(one_line("a\n  b\r\nc"), "a b c");
    }
}
