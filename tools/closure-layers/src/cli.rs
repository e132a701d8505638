//! The command line of `closure-layers`, declared once for parsing, `--help`, the manual page and the
//! shell completions.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use shared::manual::{Example, Manual};
use shared::table::TableFormat;

/// Split a Nix closure into container image layers exactly as nixpkgs' dockerTools does, before
/// building anything; compare the layers of two versions of an image, or what several images share.
///
/// GRAPH is `nix path-info --json --recursive` output (any Nix version: list, object keyed by store
/// path, or the versioned `--json-format` wrapper) or an `exportReferencesGraph` file
/// (`{"graph": [...]}`). Several graphs, or several JSON values in one input, are merged into
/// one closure; a path they share must be described alike. Output is one `"layer"`
/// record per layer (`index`, `paths`, `path_count`, `nar_size_bytes`, `closure_size_bytes`) and a
/// `"summary"` record; `--output nix` prints the `store_layers` list of lists instead.
///
/// The layers equal nixpkgs' for the same graph and settings. One exception is unspecified in
/// nixpkgs itself: auto-layer orders layers of equal closure size by Python's set iteration
/// order, which changes with the hash seed. closure-layers orders them by their path lists
/// (each sorted as in the layer), compared path by path with the key that orders paths inside
/// a layer: the text after the path's first `-` (the name), then the text before it (the store
/// directory and hash). Its output is the same on every run.
#[derive(Debug, Parser)]
#[command(
    name = "closure-layers",
    version,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// Graph files; `-` or none reads standard input.
    #[arg(value_name = "GRAPH")]
    pub inputs: Vec<PathBuf>,
    /// Lay out only the closure of this store path (repeatable); default: every path of the input.
    #[arg(long, value_name = "PATH")]
    pub root: Vec<String>,
    /// Treat each GRAPH as a separate image and lay them out jointly: paths common to several
    /// images go into layers those images share, within each image's budget. The result never
    /// pulls more than laying out each image alone with --algorithm or --pipeline: an image
    /// keeps its own layering where that pulls fewer bytes, and every image does when the joint
    /// layering is worse. Records: `"fleet_layer"` (`image`, `index`, `paths`, `path_count`,
    /// `nar_size_bytes`, `images_with_layer`, `layering`: `joint` or the per-image algorithm)
    /// and a `"summary"` (`chosen`: `joint`, `per_image` or `mixed`; `images_laid_out_alone`,
    /// `fleet_pull_bytes` of the result, `joint_pull_bytes`, `per_image_pull_bytes`,
    /// `saved_bytes`, never negative, and `distinct_store_bytes`).
    #[arg(long, conflicts_with = "root")]
    pub fleet: bool,
    /// How layers are chosen and how the budget is counted.
    #[command(flatten)]
    pub layering: LayeringArgs,
    /// Output format and layout.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Compare or combine images instead of laying out one.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options that choose the layering, shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct LayeringArgs {
    /// The layering algorithm, `auto` unless given: `auto` is nixpkgs' default
    /// (auto-layer.py), `popularity` the popularity contest used until late 2024
    /// (closure-graph.py). `diff` compares both unless this is given. Not with --pipeline.
    #[arg(
        long,
        short = 'a',
        value_enum,
        global = true,
        conflicts_with = "pipeline"
    )]
    pub algorithm: Option<AlgorithmArg>,
    /// A `layeringPipeline` as JSON text or a JSON file, e.g. '[["popularity_contest"],["limit_layers",99]]',
    /// instead of --algorithm. Like nixpkgs, a pipeline ignores --max-layers and
    /// --from-image-layers: its own steps (`limit_layers`) bound the number of layers, and the
    /// summary's `max_layers`, `from_image_layers` and `available_layers` are null.
    #[arg(long, value_name = "JSON|FILE", global = true)]
    pub pipeline: Option<String>,
    /// `maxLayers` of the image: every layer counts, the customisation layer and the base image's too.
    #[arg(long, value_name = "N", default_value_t = 100, global = true)]
    pub max_layers: usize,
    /// The number of layers of `fromImage`, which use up the budget.
    #[arg(long, value_name = "K", default_value_t = 0, global = true)]
    pub from_image_layers: usize,
    /// A store path to leave out of the layers (repeatable), like the image config and
    /// customisation layer nixpkgs excludes. To reproduce a built image exactly, give the graph
    /// nixpkgs builds (the closure of the image's config JSON and customisation layer) and
    /// exclude those two paths: they count toward the budget while layers are chosen. A path
    /// that is not in the graph is ignored, as nixpkgs ignores it, with a warning.
    #[arg(long, value_name = "PATH", global = true)]
    pub exclude: Vec<String>,
}

/// The layering algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlgorithmArg {
    /// Size cohorts (nixpkgs `auto-layer.py`, the default since late 2024).
    Auto,
    /// Popularity contest with the `maxLayers` split (nixpkgs `closure-graph.py`).
    Popularity,
}

/// `--output` and `--pretty`.
#[derive(Debug, Clone, Copy, Args)]
pub struct OutputArgs {
    /// Output format: JSON Lines records, a table for people, or `nix` for the list of lists of
    /// store paths that `streamLayeredImage` reads as `store_layers` (a layering or --fleet
    /// only: `diff` and `share` have no layers to list). `share` prints three tables (the
    /// images, the pairs, the totals) and --fleet two (the layers, the totals), an empty line
    /// between two.
    #[arg(long, short = 'o', value_enum, default_value_t = OutputFormat::Json, global = true)]
    pub output: OutputFormat,
    /// Indent JSON.
    #[arg(long, global = true)]
    pub pretty: bool,
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// JSON Lines records.
    Json,
    /// Aligned columns.
    Table,
    /// Comma-separated values.
    Csv,
    /// A Markdown table.
    Markdown,
    /// The layers as a JSON list of lists of store paths.
    Nix,
}

impl OutputFormat {
    /// The table format, if this is one.
    pub fn table(self) -> Option<TableFormat> {
        match self {
            OutputFormat::Table => Some(TableFormat::Table),
            OutputFormat::Csv => Some(TableFormat::Csv),
            OutputFormat::Markdown => Some(TableFormat::Markdown),
            OutputFormat::Json | OutputFormat::Nix => None,
        }
    }
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compare two versions of one image: which layers stay byte-identical (same ordered path
    /// list) and how many bytes a push or pull transfers again, for each algorithm.
    ///
    /// One `"diff"` record per algorithm: auto and popularity, or only the one --algorithm
    /// names, and the pipeline when --pipeline is given. Fields:
    /// `old_layers`, `new_layers`, `kept_layers`, `kept_bytes`, `changed_layers`, `upload_bytes`
    /// (bytes of the changed layers), `store_delta_bytes` (bytes of new or changed store paths, the
    /// least any layering transfers), `common_prefix_layers` and `new_nar_size_bytes`.
    Diff {
        /// The graph of the old version.
        old: PathBuf,
        /// The graph of the new version.
        new: PathBuf,
    },
    /// For several images: store bytes and layers shared pairwise and in total, and the bytes a
    /// host pulls for each image when it already has the others.
    ///
    /// Records: `"share_pair"` (`a`, `b`, `shared_layers`, `shared_layer_bytes`,
    /// `shared_store_bytes`), `"share_image"` (`image`, `layers`, `nar_size_bytes`,
    /// `pull_bytes_given_others`, `unique_store_bytes`) and a `"summary"` (`total_layer_bytes`,
    /// `distinct_layer_bytes`, `distinct_store_bytes`, `layers_in_all`).
    Share {
        /// One graph per image.
        #[arg(required = true, num_args = 2..)]
        images: Vec<PathBuf>,
    },
}

/// Examples, exit codes and environment for `--help` and the manual page.
pub const MANUAL: Manual = Manual {
    examples: &[
        Example {
            description: "Show the layers nixpkgs would build for a closure, one JSON record per layer.",
            command: "nix path-info --json --recursive ./result | closure-layers",
        },
        Example {
            description: "Count the layers of the legacy popularity layering for an image on a 10-layer base.",
            command: "closure-layers --algorithm popularity --from-image-layers 10 graph.json | jq -s 'map(select(.type == \"layer\")) | length'",
        },
        Example {
            description: "Print the store_layers list for a custom layeringPipeline.",
            command: "closure-layers --pipeline '[[\"popularity_contest\"],[\"limit_layers\",50]]' --output nix graph.json",
        },
        Example {
            description: "Lay out three images jointly and show the pull bytes saved on a host that runs them all.",
            command: "closure-layers --fleet web.json worker.json cron.json | jq 'select(.type == \"summary\")'",
        },
        Example {
            description: "Find how many bytes a new build re-uploads with each algorithm.",
            command: "closure-layers diff old.json new.json | jq '{algorithm, upload_bytes}'",
        },
        Example {
            description: "See what three images share and what each costs to pull given the others.",
            command: "closure-layers share web.json worker.json cron.json --output table",
        },
        Example {
            description: "Fail a CI job when a new build would re-upload more than 100 MB with nixpkgs' default layering.",
            command: "closure-layers diff old.json new.json | jq -e 'select(.algorithm == \"auto\") | .upload_bytes <= 100000000'",
        },
    ],
    exit_status: &[
        (0, "the layers (or the comparison) were computed"),
        (
            1,
            "never: closure-layers reports layers and sizes and asks no yes-or-no question; set a threshold on a record with `jq -e`, as in the example above",
        ),
        (
            2,
            "the input or options are invalid: malformed JSON, invalid or unknown paths, a reference cycle, missing sizes, an exhausted layer budget, a bad pipeline step",
        ),
    ],
    environment: &[],
};

/// The full command, with the examples in its long help.
pub fn command() -> clap::Command {
    MANUAL.decorate(Cli::command())
}
