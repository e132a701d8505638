//! The `cloudinit-gen` binary: parse the command line, run the library, map the outcome to an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli: cloudinit_gen::cli::Cli = shared::cli::parse(cloudinit_gen::cli::command());
    shared::exit::run("cloudinit-gen", || cloudinit_gen::run(&cli))
}
