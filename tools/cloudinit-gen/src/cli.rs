//! The command line of `cloudinit-gen`, declared once for parsing, `--help`, the manual page and the
//! shell completions.

use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand};
use shared::cli::OutputArgs;
use shared::manual::{Example, Manual};

/// Generate cloud-init NoCloud seeds that are valid by construction.
///
/// Reads one JSON spec per machine (JSON Lines or concatenated documents for many), validates
/// every field, and writes user-data (`#cloud-config` YAML from a serializer, `default` kept in
/// `users`, scripts as MIME parts that all carry merge headers), meta-data (`instance-id` derived
/// from the content, `local-hostname`) and network-config (version 1 by default, version 2 on
/// request, without the default-route forms cloud-init 22.4 mis-renders). By default each file is
/// a JSON Lines record; the options below write seed directories, ISO 9660 or vfat images with
/// the `cidata` label (byte-for-byte reproducible), OCI launch metadata, an OpenTofu `external`
/// result, or Proxmox `cicustom` snippets.
#[derive(Debug, Parser)]
#[command(
    name = "cloudinit-gen",
    version,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// Check existing seeds instead of generating one.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Spec files (JSON, JSON Lines); `-` or none reads standard input.
    pub inputs: Vec<PathBuf>,
    /// Write the seed files to DIR (DIR/<hostname>/ when there are several specs); files are
    /// replaced atomically and are mode 0600 when they hold password hashes. A seed file the new
    /// seed does not have (`network-config`, `vendor-data`) is removed; other files are left.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Write a NoCloud ISO 9660 image (Joliet and Rock Ridge, volume `cidata`); one spec only.
    /// The directory must exist.
    #[arg(long, value_name = "FILE")]
    pub iso: Option<PathBuf>,
    /// Write a NoCloud FAT image (label `cidata`); one spec only. The directory must exist.
    #[arg(long, value_name = "FILE")]
    pub vfat: Option<PathBuf>,
    /// Print OCI launch metadata (`user_data` gzipped and base64-encoded, `ssh_authorized_keys`:
    /// the spec's top-level keys, which cloud-init installs for the default user; none with
    /// `"default_user": false`) and check it against the 32,000-byte metadata limit.
    #[arg(long)]
    pub oci: bool,
    /// Print the flat string map the OpenTofu/Terraform `external` data source expects, for one
    /// spec: a file operand, or the query on standard input as `{"spec": "<JSON spec>"}`. With
    /// --oci, the map also holds `oci_user_data` and `oci_metadata_bytes`, and the run exits 1
    /// (failing the plan) when the metadata is over OCI's limit.
    #[arg(long, conflicts_with_all = ["out_dir", "iso", "vfat", "proxmox_snippets"])]
    pub tf_external: bool,
    /// Write Proxmox snippets <hostname>-user.yaml, -network.yaml and -meta.yaml to DIR (which
    /// must exist), for `qm set --cicustom`.
    #[arg(long, value_name = "DIR")]
    pub proxmox_snippets: Option<PathBuf>,
    /// The Proxmox storage that holds DIR, used in the printed `cicustom` value (a storage ID:
    /// a lower-case letter, then letters, digits, '-', '_' or '.', ending in a letter or digit).
    #[arg(long, value_name = "STORAGE", default_value = "local", value_parser = storage_id)]
    pub proxmox_storage: String,
    /// Output format and layout.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Parses a Proxmox storage ID as `pvesm` accepts it: `[a-z][a-z0-9_.-]*[a-z0-9]`.
fn storage_id(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let inner_ok = bytes
        .iter()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(b));
    let ends_ok = bytes.first().is_some_and(u8::is_ascii_lowercase)
        && bytes
            .last()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if inner_ok && ends_ok && bytes.len() > 1 {
        Ok(text.to_string())
    } else {
        Err("not a Proxmox storage ID such as local or nfs-snippets".into())
    }
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check existing seeds: directories, ISO 9660 or FAT images, or OCI metadata JSON. Every
    /// MIME part is checked as what cloud-init takes it for; cloud-config keys against
    /// cloud-init's schema; scripts with `-n` of the shell they name and `runcmd`/`bootcmd`
    /// with `sh -n` (syntax only, nothing runs); unquoted values that cloud-init's YAML 1.1
    /// reader takes for booleans or numbers (`yes`, `on`, `1.10`) where it wants a string; tabs
    /// that reader refuses; network-config values (addresses, prefixes, gateways, MACs, keys,
    /// types, booleans); `users` and merge rules as the parts merge.
    /// Prints one `finding` record per problem and a `summary`; exits 1 when there are
    /// findings.
    Lint {
        /// Seed directories, images or OCI metadata files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

/// Examples, exit codes and environment for `--help` and the manual page.
pub const MANUAL: Manual = Manual {
    examples: &[
        Example {
            description: "Show the generated user-data of a spec.",
            command: "cloudinit-gen cp-0.json | jq -r 'select(.name == \"user-data\") | .content'",
        },
        Example {
            description: "Build a reproducible NoCloud ISO and attach it to a QEMU guest.",
            command: "SOURCE_DATE_EPOCH=1700000000 cloudinit-gen --iso seed.iso cp-0.json && qemu-system-x86_64 -cdrom seed.iso ...",
        },
        Example {
            description: "Proxmox: write snippets and point the VM at them.",
            command: "cloudinit-gen --proxmox-snippets /var/lib/vz/snippets vm.json | jq -r 'select(.type == \"proxmox_cicustom\") | .cicustom' | xargs qm set 101 --cicustom",
        },
        Example {
            description: "Seed directories for a whole cluster from JSON Lines.",
            command: "jq -c '.nodes[]' cluster.json | cloudinit-gen --out-dir seeds/",
        },
        Example {
            description: "OCI: launch metadata for the oci CLI, failing when over 32,000 bytes.",
            command: "cloudinit-gen --oci node.json | jq '{user_data, ssh_authorized_keys}' > metadata.json",
        },
        Example {
            description: "OpenTofu on OCI: data \"external\" \"seed\" { program = [\"cloudinit-gen\", \"--tf-external\", \"--oci\"], query = { spec = jsonencode(var.node) } } gives metadata = { user_data = data.external.seed.result.oci_user_data, ssh_authorized_keys = data.external.seed.result.ssh_authorized_keys }, and fails the plan over 32,000 bytes; the same call by hand:",
            command: "jq -n --arg spec \"$(cat node.json)\" '{spec: $spec}' | cloudinit-gen --tf-external --oci | jq -r .oci_metadata_bytes",
        },
        Example {
            description: "Check a seed made elsewhere (directory, ISO, vfat or OCI metadata JSON).",
            command: "cloudinit-gen lint seed.iso seed-dir/ metadata.json | jq -r 'select(.type == \"finding\") | .message'",
        },
        Example {
            description: "The same findings as a table for people.",
            command: "cloudinit-gen lint --output table seed.iso",
        },
        Example {
            description: "Talos on NoCloud: the machine config becomes user-data verbatim.",
            command: "jq -n --rawfile c controlplane.yaml '{hostname: \"cp-0\", talos_machine_config: $c}' | cloudinit-gen --iso cp-0.iso",
        },
        Example {
            description: "Talos on Proxmox: the machine config as the user= snippet (Proxmox's own user-data never configures Talos).",
            command: "jq -n --rawfile c controlplane.yaml '{hostname: \"cp-0\", talos_machine_config: $c}' | cloudinit-gen --proxmox-snippets /var/lib/vz/snippets | jq -r 'select(.type == \"proxmox_cicustom\") | .cicustom' | xargs qm set 201 --cicustom",
        },
    ],
    exit_status: &[
        (0, "the seed was generated (and written where asked)"),
        (
            1,
            "the answer is no: OCI metadata over 32,000 bytes (--oci, also with --tf-external), or lint found problems",
        ),
        (
            2,
            "the tool could not answer: invalid spec (the message names the field), unreadable input, write failure",
        ),
    ],
    environment: &[(
        "SOURCE_DATE_EPOCH",
        "Seconds since 1970 used for every timestamp in ISO and vfat images; 0 (1980 for FAT) when unset.",
    )],
};

/// The full command, with the examples in its long help.
pub fn command() -> clap::Command {
    MANUAL.decorate(Cli::command())
}
