//! The `closure-layers` binary: parse the command line, run the library, map the outcome to an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli: closure_layers::cli::Cli = shared::cli::parse(closure_layers::cli::command());
    shared::exit::run("closure-layers", || closure_layers::run(&cli))
}
