//! DESCRIPTION

pub mod cli;

use anyhow::{Result, bail};
use shared::Exit;

/// Runs `cloudinit-gen` with parsed arguments.
pub fn run(_cli: &cli::Cli) -> Result<Exit> {
    bail!("not implemented yet")
}
