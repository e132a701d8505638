//! The `talos-wait` binary: parse the command line, run the library, map the outcome to an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli: talos_wait::cli::Cli = shared::cli::parse(talos_wait::cli::command());
    shared::exit::run("talos-wait", || talos_wait::run(&cli))
}
