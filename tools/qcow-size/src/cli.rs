//! The command line of `qcow-size`, declared once for parsing, `--help`, the manual page and the
//! shell completions.

use std::path::PathBuf;

use clap::{CommandFactory, Parser};
use shared::cli::OutputArgs;
use shared::manual::{Example, Manual};

/// Every size of QCOW2 and raw disk images, exactly as qemu-img reports them, as JSON Lines.
///
/// One `"type": "image"` record per image: virtual size (what a boot volume costs), file and
/// actual size (what an upload costs), guest data allocated in the image, compressed, zero and
/// fragmented clusters, the image end offset, backing and data files, features, snapshots and
/// bitmaps. The header and tables are read by qcow-size's own parser; the L1/L2 walk is the
/// default and takes milliseconds. With no IMAGE operands, image paths are read from standard
/// input: JSON records with a `path` field, or one path per line.
#[derive(Debug, Parser)]
#[command(name = "qcow-size", version)]
pub struct Cli {
    /// Images to read; `-` or none reads image paths from standard input.
    #[arg(value_name = "IMAGE")]
    pub inputs: Vec<PathBuf>,
    /// Read only the header, extensions, snapshot table and bitmap directory (constant time);
    /// the allocation fields are null.
    #[arg(long)]
    pub no_scan: bool,
    /// Check metadata consistency like `qemu-img check` (references out of the file, overlaps,
    /// refcount mismatches, leaks) and add `check_verdict`, `corruptions` and `leaks`; exit 1
    /// when an image is not clean. Needs two bytes of memory per host cluster of the file.
    #[arg(long)]
    pub check: bool,
    /// Open the backing chain (names resolved against each image's directory) and print a
    /// record per layer with its `depth`; the top record adds `chain_allocated_bytes`, the guest
    /// data of the flattened chain. Loops and chains deeper than 256 are errors.
    #[arg(long)]
    pub backing_chain: bool,
    /// Add `required_bytes`, `fully_allocated_bytes` and `bitmaps_bytes`, equal to
    /// `qemu-img measure -O qcow2` (a flattened, uncompressed copy with 64 KiB clusters).
    #[arg(long, conflicts_with = "no_scan")]
    pub measure: bool,
    /// Output format and layout.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Examples, exit codes and environment for `--help` and the manual page.
pub const MANUAL: Manual = Manual {
    examples: &[
        Example {
            description: "Virtual and file size of every built image",
            command: "qcow-size artifacts/*.qcow2 | jq -r '[.path, .virtual_size_bytes, .file_size_bytes] | @tsv'",
        },
        Example {
            description: "Fail a CI job when an image has more than 10 GiB of guest data",
            command: "qcow-size disk.qcow2 | jq -e '.allocated_bytes < 10*1024*1024*1024'",
        },
        Example {
            description: "Check images in CI like qemu-img check; exit 1 on leaks or corruptions",
            command: "qcow-size --check images/*.qcow2 | jq -c '{path, check_verdict, corruptions, leaks}'",
        },
        Example {
            description: "Every layer of an overlay, and the space a flattened copy needs",
            command: "qcow-size --backing-chain --measure vm.qcow2 | jq -c '{depth, path, allocated_bytes, required_bytes}'",
        },
        Example {
            description: "Header-only answer for many images, paths one per line on standard input",
            command: "find images -name '*.qcow2' | qcow-size --no-scan --output table",
        },
    ],
    exit_status: &[
        (0, "every image was read (and, with --check, is clean)"),
        (1, "with --check: an image has leaks or corruptions"),
        (
            2,
            "an image could not be read: missing, truncated, corrupt metadata, unsupported features, or bad usage",
        ),
    ],
    environment: &[],
};

/// The full command, with the examples in its long help.
pub fn command() -> clap::Command {
    MANUAL.decorate(Cli::command())
}
