//! The `osv-check` binary: parse the command line, run the library, map the outcome to an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli: osv_check::cli::Cli = shared::cli::parse(osv_check::cli::command());
    shared::exit::run("osv-check", || osv_check::run(&cli))
}
