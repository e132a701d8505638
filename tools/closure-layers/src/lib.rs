//! `closure-layers`: split a Nix closure into container image layers exactly as nixpkgs'
//! `dockerTools` does (size cohorts, popularity contest, `layeringPipeline`), and compare the
//! layers of image versions and of several images.

pub mod auto;
pub mod cli;
pub mod compare;
pub mod fleet;
pub mod graph;
pub mod layering;
pub mod parse;
pub mod pipeline;
pub mod popularity;
pub mod report;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use shared::Exit;
use shared::input::Source;
use shared::output::RecordWriter;

use crate::cli::{AlgorithmArg, Cli, Command, LayeringArgs, OutputFormat};
use crate::compare::Image;
use crate::graph::Graph;
use crate::layering::{Budget, Layering, Strategy, lay_out};

/// Runs `closure-layers` with parsed arguments.
pub fn run(cli: &Cli) -> Result<Exit> {
    check_output(cli)?;
    let mut out = RecordWriter::stdout(cli.output.pretty, false);
    let format = cli.output.output;
    match &cli.command {
        None if cli.fleet => run_fleet(cli, &mut out)?,
        None => {
            let mut graph = read_graph(&Source::from_operands(&cli.inputs))?;
            if !cli.root.is_empty() {
                graph = graph.restrict_to(&cli.root)?;
            }
            warn_unknown_excludes(&cli.layering, std::slice::from_ref(&graph));
            let layering = layer(&graph, &cli.layering, &strategy(&cli.layering)?)?;
            report::write_layering(&mut out, format, &graph, &layering)?;
        }
        Some(Command::Diff { old, new }) => {
            let graphs = read_images([old, new], &cli.layering)?;
            let (old_graph, new_graph) = (&graphs[0], &graphs[1]);
            let mut records = Vec::new();
            for strategy in strategies(&cli.layering)? {
                let (lo, ln) = (
                    layer(old_graph, &cli.layering, &strategy)?,
                    layer(new_graph, &cli.layering, &strategy)?,
                );
                records.push(compare::diff(
                    &image(old, old_graph, &lo),
                    &image(new, new_graph, &ln),
                ));
            }
            report::write_diff(&mut out, format, &records)?;
        }
        Some(Command::Share { images }) => {
            let strategy = strategy(&cli.layering)?;
            let graphs = read_images(images, &cli.layering)?;
            let layerings = graphs
                .iter()
                .map(|g| layer(g, &cli.layering, &strategy))
                .collect::<Result<Vec<_>>>()?;
            let entries: Vec<Image> = images
                .iter()
                .zip(&graphs)
                .zip(&layerings)
                .map(|((p, g), l)| image(p, g, l))
                .collect();
            report::write_share(&mut out, format, &compare::share(&entries))?;
        }
    }
    out.finish().context("writing output")?;
    Ok(Exit::Success)
}

/// Rejects `--output nix` where there are no layers to list: `diff` and `share` print records.
fn check_output(cli: &Cli) -> Result<()> {
    let command = match &cli.command {
        Some(Command::Diff { .. }) => "diff",
        Some(Command::Share { .. }) => "share",
        None => return Ok(()),
    };
    if cli.output.output == OutputFormat::Nix {
        bail!(
            "--output nix lists the layers of a layering or of --fleet; {command} prints records: expected json, table, csv or markdown"
        );
    }
    Ok(())
}

/// Warns about each `--exclude` path that none of the graphs holds: it is ignored, as nixpkgs
/// ignores it, but is most likely a mistyped path.
fn warn_unknown_excludes(args: &LayeringArgs, graphs: &[Graph]) {
    let mut warned = HashSet::new();
    for path in &args.exclude {
        if graphs.iter().all(|g| g.id(path).is_none()) && warned.insert(path) {
            let which = if graphs.len() == 1 { "the" } else { "any" };
            shared::exit::warn(
                "closure-layers",
                &format!("--exclude {path}: not a path of {which} graph"),
            );
        }
    }
}

/// `--fleet`: the joint layering of the input images, against each laid out alone.
fn run_fleet<W: std::io::Write>(cli: &Cli, out: &mut RecordWriter<W>) -> Result<()> {
    if cli.inputs.len() < 2 {
        bail!("--fleet: expected two or more GRAPH files, one per image");
    }
    let strategy = strategy(&cli.layering)?;
    let graphs = read_images(&cli.inputs, &cli.layering)?;
    let alone = graphs
        .iter()
        .map(|g| layer(g, &cli.layering, &strategy))
        .collect::<Result<Vec<_>>>()?;
    let available = Budget {
        max_layers: cli.layering.max_layers,
        from_image_layers: cli.layering.from_image_layers,
    }
    .available()?;
    let images: Vec<fleet::FleetImage> = cli
        .inputs
        .iter()
        .zip(&graphs)
        .map(|(p, graph)| fleet::FleetImage {
            name: Source::from_operand(p).name(),
            graph,
        })
        .collect();
    let result = fleet::plan(&images, available, &alone);
    report::write_fleet(out, cli.output.output, &result)
}

/// Reads each file as the graph of one image, and warns about `--exclude` paths none of them
/// holds.
fn read_images<'p>(
    paths: impl IntoIterator<Item = &'p PathBuf>,
    args: &LayeringArgs,
) -> Result<Vec<Graph>> {
    let graphs = paths
        .into_iter()
        .map(|p| read_graph(&[Source::from_operand(p)]))
        .collect::<Result<Vec<_>>>()?;
    warn_unknown_excludes(args, &graphs);
    Ok(graphs)
}

/// Reads and merges the graphs of the given sources.
pub fn read_graph(sources: &[Source]) -> Result<Graph> {
    let texts = sources
        .iter()
        .map(Source::read_bytes)
        .collect::<Result<Vec<_>>>()?;
    let parsed = sources
        .iter()
        .zip(&texts)
        .map(|(source, text)| parse::parse_nodes(&source.name(), text))
        .collect::<Result<Vec<_>>>()?;
    Graph::from_sources(&parsed)
}

/// The strategy the options select: the pipeline if given, else the algorithm.
fn strategy(args: &LayeringArgs) -> Result<Strategy> {
    match &args.pipeline {
        Some(text) => Ok(Strategy::Pipeline(pipeline::parse_pipeline(
            &pipeline_text(text)?,
        )?)),
        None => Ok(algorithm(args.algorithm.unwrap_or(AlgorithmArg::Auto))),
    }
}

/// The strategy of an `--algorithm` value.
fn algorithm(arg: AlgorithmArg) -> Strategy {
    match arg {
        AlgorithmArg::Auto => Strategy::Auto,
        AlgorithmArg::Popularity => Strategy::Popularity,
    }
}

/// The strategies `diff` compares: the algorithm given, else both algorithms and the pipeline
/// when one is given.
fn strategies(args: &LayeringArgs) -> Result<Vec<Strategy>> {
    if let Some(arg) = args.algorithm {
        return Ok(vec![algorithm(arg)]);
    }
    let mut all = vec![Strategy::Auto, Strategy::Popularity];
    if args.pipeline.is_some() {
        all.push(strategy(args)?);
    }
    Ok(all)
}

/// The pipeline's JSON: the argument itself when it looks like JSON, else the file it names.
fn pipeline_text(arg: &str) -> Result<String> {
    if arg.trim_start().starts_with('[') || arg.trim_start().starts_with('{') {
        return Ok(arg.to_string());
    }
    Source::File(PathBuf::from(arg))
        .read_string()
        .with_context(|| format!("--pipeline {arg}"))
}

fn layer(graph: &Graph, args: &LayeringArgs, strategy: &Strategy) -> Result<Layering> {
    let budget = Budget {
        max_layers: args.max_layers,
        from_image_layers: args.from_image_layers,
    };
    lay_out(graph, strategy, budget, &args.exclude)
}

fn image<'a>(path: &Path, graph: &'a Graph, layering: &'a Layering) -> Image<'a> {
    Image {
        name: Source::from_operand(path).name(),
        graph,
        layering,
    }
}
