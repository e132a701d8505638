//! The command line of `osv-check`, declared once for parsing, `--help`, the manual page and the
//! shell completions.

use std::path::PathBuf;

use clap::{CommandFactory, Parser, ValueEnum};
use shared::manual::{Example, Manual};

/// The default OSV API.
pub const DEFAULT_API_URL: &str = "https://api.osv.dev";

/// Check lockfiles, SBOMs, package records and Nix closures for known vulnerabilities (OSV).
///
/// Inputs are recognised by name (Cargo.lock, package-lock.json, npm-shrinkwrap.json,
/// requirements*.txt, uv.lock, poetry.lock, go.mod, flake.lock) or by content (CycloneDX and
/// SPDX JSON, `nix path-info --json` output, JSON package records
/// `{"ecosystem","name","version"}`, `{"purl"}` or `{"commit","repo"}`). Each vulnerable
/// package and record gives a "finding" record, then a "summary" lists what could not be
/// checked. Data comes from the OSV API, or from a local copy with --offline. Whatever cannot
/// be decided is reported, never counted as clean.
///
/// An input with nothing in it (an empty file, an empty pipe, an empty JSON list) is an error
/// (exit 2), so that a failed producer upstream never passes as a clean project. A
/// well-formed lockfile without dependencies (a Cargo.lock with only the root crate, a
/// package-lock.json with only the root project) is a clean result, with a warning.
///
/// A package without a version, or whose version its ecosystem's order rejects, is listed
/// under "unscanned", never matched and never sent to the API (a query without a version
/// returns every record for the package). The SemVer-like orders (npm, Rust crates, Go and
/// kin, NuGet, Pub) read a version leniently, but only one that starts with a digit after an
/// optional `v`. In requirements*.txt only `==`/`===` pins are checked; ranges, unpinned
/// names, editable (`-e`) and VCS requirements, `name @ URL`, URLs and local paths are
/// listed as unscanned under their name (`#egg=`, the name before `@`, an archive's file
/// name) or else their URL or path; `-r`/`-c` includes are read relative to the file (a
/// missing one is an error) and other option lines are skipped.
///
/// A record is rated by the severity entry that rates highest: the highest CVSS base score
/// computed from its vectors (v2, v3 and v4 alike), or a rating word (`Ubuntu`) when that
/// rates higher; the finding's `severity.type` and `severity.vector` name the entry used.
/// Withdrawn records are never findings, online or offline.
///
/// Git commits (the locked inputs of a flake.lock, `{"commit","repo"}` records) are sent to
/// the OSV API as commit queries. Offline they are listed under "unscanned": an offline copy
/// names affected commits only as ranges and tags, and deciding whether a commit falls in a
/// range needs the repository's history, which the copy does not hold.
#[derive(Debug, Parser)]
#[command(name = "osv-check", version)]
pub struct Cli {
    /// Input files; `-` or none reads standard input (JSON).
    pub inputs: Vec<PathBuf>,
    /// Match offline against OSV records under DIR (`<Ecosystem>/all.zip` or `*.json` files,
    /// any depth); the index of each archive is cached, keyed by its content. The version
    /// orders known offline: SemVer (npm, Rust crates, Go, Hex and kin), PyPI, Debian and
    /// Ubuntu, Alpine and kin, the RPM distributions, Maven, RubyGems, NuGet, Packagist, Pub,
    /// Hackage, CRAN and Bioconductor. A package of another ecosystem, one whose ecosystem
    /// the copy holds no records for, and every Git commit are listed as unscanned.
    #[arg(long, value_name = "DIR")]
    pub offline: Option<PathBuf>,
    /// The OSV API root [env: OSV_CHECK_API_URL] [default: https://api.osv.dev].
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// Time limit of one API request, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,
    /// How many times a failed API request (network error, 429, 5xx) is retried.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,
    /// The first retry delay in milliseconds; it doubles each attempt, plus random jitter.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub retry_delay: u64,
    /// Fail (exit 1) only for findings rated at least this; findings without a severity
    /// always fail. Default: any finding fails.
    ///
    /// A record with several severity entries counts at the highest of them.
    #[arg(long, value_enum, value_name = "RATING")]
    pub fail_on: Option<Threshold>,
    /// Ignore rules in osv-scanner.toml form ([[IgnoredVulns]], [[PackageOverrides]]).
    #[arg(long, value_name = "FILE")]
    pub ignore: Option<PathBuf>,
    /// Output format.
    ///
    /// The tables have a row per finding, then one per package that could not be checked
    /// (STATUS `unscanned`, the reason under NOTE).
    #[arg(long, short = 'o', value_enum, default_value_t = Format::Json)]
    pub output: Format,
    /// Indent JSON records (no longer one record per line).
    #[arg(long)]
    pub pretty: bool,
}

/// The `--fail-on` thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Threshold {
    /// CVSS 0.1 and up.
    Low,
    /// CVSS 4.0 and up.
    Medium,
    /// CVSS 7.0 and up.
    High,
    /// CVSS 9.0 and up.
    Critical,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// JSON Lines records (the default, whatever stdout is).
    Json,
    /// Aligned columns, for a terminal.
    Table,
    /// Comma-separated values with a header row.
    Csv,
    /// A Markdown table, for a pull-request comment.
    Markdown,
    /// SARIF 2.1.0, for code-scanning upload.
    Sarif,
}

/// Examples, exit codes and environment for `--help` and the manual page.
pub const MANUAL: Manual = Manual {
    examples: &[
        Example {
            description: "Check a Rust lockfile against the OSV API; fail only on high or critical findings.",
            command: "osv-check --fail-on high Cargo.lock",
        },
        Example {
            description: "Check offline against downloaded exports (PyPI/all.zip, npm/all.zip …) and list the ids.",
            command: "osv-check --offline ~/osv-db package-lock.json uv.lock | jq -r 'select(.type == \"finding\") | .id'",
        },
        Example {
            description: "Feed packages from another tool as JSON records.",
            command: "jq -c '.[] | {ecosystem: \"PyPI\", name, version}' deps.json | osv-check -",
        },
        Example {
            description: "See which store paths of a Nix closure could not be checked.",
            command: "nix path-info --json -r ./result | osv-check | jq 'select(.type == \"summary\") | .unscanned'",
        },
        Example {
            description: "Check the locked inputs of a flake by commit (needs the OSV API).",
            command: "osv-check flake.lock",
        },
        Example {
            description: "Write SARIF for code scanning, ignoring accepted risks.",
            command: "osv-check --ignore osv-scanner.toml -o sarif go.mod > osv.sarif",
        },
    ],
    exit_status: &[
        (
            0,
            "no finding at or above the --fail-on threshold (ignored findings do not count)",
        ),
        (
            1,
            "at least one finding at or above the threshold (or without a severity)",
        ),
        (
            2,
            "an input is empty or invalid, the ignore file or the offline database is invalid, or the API failed: no verdict",
        ),
        (130, "interrupted"),
    ],
    environment: &[
        (
            "OSV_CHECK_API_URL",
            "the OSV API root when --api-url is not given",
        ),
        (
            "OSV_CHECK_CACHE_DIR",
            "where --offline keeps archive indexes (default: $XDG_CACHE_HOME/osv-check, else ~/.cache/osv-check)",
        ),
    ],
};

/// The full command, with the examples in its long help.
pub fn command() -> clap::Command {
    MANUAL.decorate(Cli::command())
}
