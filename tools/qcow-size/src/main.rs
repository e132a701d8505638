//! The `qcow-size` binary: parse the command line, run the library, map the outcome to an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli: qcow_size::cli::Cli = shared::cli::parse(qcow_size::cli::command());
    shared::exit::run("qcow-size", || qcow_size::run(&cli))
}
