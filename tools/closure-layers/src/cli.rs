//! The command line of `closure-layers`, declared once for parsing, `--help`, the manual page and the
//! shell completions.

use std::path::PathBuf;

use clap::{CommandFactory, Parser};
use shared::cli::OutputArgs;
use shared::manual::{Example, Manual};

/// DESCRIPTION
#[derive(Debug, Parser)]
#[command(name = "closure-layers", version)]
pub struct Cli {
    /// Input files; `-` or none reads standard input.
    pub inputs: Vec<PathBuf>,
    /// Output format and layout.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Examples, exit codes and environment for `--help` and the manual page.
pub const MANUAL: Manual = Manual {
    examples: &[Example {
        description: "EXAMPLE",
        command: "closure-layers input.json",
    }],
    exit_status: &[
        (0, "success"),
        (1, "the answer is no"),
        (2, "the tool could not answer"),
    ],
    environment: &[],
};

/// The full command, with the examples in its long help.
pub fn command() -> clap::Command {
    MANUAL.decorate(Cli::command())
}
