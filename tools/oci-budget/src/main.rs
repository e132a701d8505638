//! The `oci-budget` binary: parse the command line, run the library, map the outcome to an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli: oci_budget::cli::Cli = shared::cli::parse(oci_budget::cli::command());
    shared::exit::run("oci-budget", || oci_budget::run(&cli))
}
