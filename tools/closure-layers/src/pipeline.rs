//! nixpkgs' `layeringPipeline` language (`flatten-references-graph`): a JSON list of steps
//! `[name, args…]` applied left to right to the closure graph, ending in (nested) lists and
//! dictionaries of graphs that are flattened into layers.
//!
//! The graph starts as nixpkgs builds it: excluded paths removed (with the references to them),
//! vertices stably sorted by NAR size ascending from path order, self-references dropped. Vertex
//! order matters (`split_every`, the order of paths inside a layer) and is kept as igraph keeps
//! it: induced subgraphs and vertex deletion preserve it; merging appends.
//!
//! Steps: `popularity_contest`, `limit_layers n`, `split_every k`, `subcomponent_out [paths]`,
//! `subcomponent_in [paths]`, `split_paths [path | {"children_of": path(s)}]`, `over key step`,
//! `pipe [steps]`, `map step`, `flatten`, `remove_paths path(s)`, `reverse`.
//!
//! Where nixpkgs accepts more than the types above suggest, so does this: `limit_layers` merges
//! the lists `split_every` makes as well as graphs (other lists are lazy iterators there, which it
//! cannot merge), and `split_paths []` and `remove_paths []` return before looking at what they
//! were given. A pipeline nixpkgs fails on fails here with the step named.

use std::collections::HashMap;

use anyhow::{Context, Result, bail};
use serde_json::Value as Json;

use crate::graph::Graph;
use crate::popularity::popularity_order;

/// One step of a pipeline, with its arguments checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Every path its own single-vertex graph, in popularity-contest order.
    PopularityContest,
    /// Keeps the first `n - 1` items and merges the rest into one graph.
    LimitLayers(usize),
    /// Splits a graph into graphs of `k` vertices, in vertex order.
    SplitEvery(usize),
    /// `{main: the paths and their closures, rest}`.
    SubcomponentOut(Vec<String>),
    /// `{main: the paths and everything referring to them, rest}`.
    SubcomponentIn(Vec<String>),
    /// `{main, common, rest}` around the given paths (see [`split_paths`]).
    SplitPaths(Vec<SplitSpec>),
    /// Applies a step to one entry of a dictionary.
    Over(String, Box<Step>),
    /// Applies a nested pipeline.
    Pipe(Vec<Step>),
    /// Applies a step to every item of a list.
    Map(Box<Step>),
    /// Turns nested lists and dictionaries into one list of graphs.
    Flatten,
    /// Removes vertices by path.
    RemovePaths(Vec<String>),
    /// Reverses a list.
    Reverse,
}

/// What `split_paths` splits at: a path, or the children of paths.
#[derive(Debug, Clone, PartialEq)]
pub enum SplitSpec {
    /// This path.
    Path(String),
    /// The direct references of these paths.
    ChildrenOf(Vec<String>),
}

/// A graph of the pipeline: its vertices (graph node ids, in vertex order) and edges by local index.
#[derive(Debug, Clone, Default)]
struct Sub {
    nodes: Vec<u32>,
    refs: Vec<Vec<u32>>,
}

/// A value flowing through the pipeline.
#[derive(Debug, Clone)]
enum Value {
    Graph(Sub),
    List(Vec<Value>),
    /// The graphs of `split_every`: nixpkgs makes them a list where the other steps make
    /// iterators, and `limit_layers` can merge such a list as one item.
    Chunks(Vec<Sub>),
    Dict(Vec<(String, Value)>),
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Graph(_) => "a graph",
            Value::List(_) | Value::Chunks(_) => "a list",
            Value::Dict(_) => "a dictionary",
        }
    }
}

/// Parses a pipeline from its JSON text; errors name the step by position and name.
pub fn parse_pipeline(text: &str) -> Result<Vec<Step>> {
    let json: Json =
        serde_json::from_str(text).map_err(|e| shared::input::json_error("--pipeline", &e))?;
    parse_steps(&json, "--pipeline")
}

fn parse_steps(json: &Json, context: &str) -> Result<Vec<Step>> {
    let Json::Array(items) = json else {
        bail!("{context}: expected a list of steps such as [[\"popularity_contest\"]]")
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| parse_step(item, &format!("{context}: step {}", i + 1)))
        .collect()
}

fn parse_step(json: &Json, context: &str) -> Result<Step> {
    let Some((Json::String(name), args)) = json.as_array().and_then(|a| a.split_first()) else {
        bail!("{context}: expected [\"name\", arguments...], found {json}");
    };
    let context = format!("{context} ({name})");
    let arity = |n: usize| -> Result<()> {
        if args.len() == n {
            Ok(())
        } else {
            bail!("{context}: expected {n} argument(s), found {}", args.len())
        }
    };
    let step = match name.as_str() {
        "popularity_contest" => arity(0).map(|()| Step::PopularityContest)?,
        "flatten" => arity(0).map(|()| Step::Flatten)?,
        "reverse" => arity(0).map(|()| Step::Reverse)?,
        "limit_layers" => {
            arity(1)?;
            Step::LimitLayers(positive(&args[0], &context)?)
        }
        "split_every" => {
            arity(1)?;
            Step::SplitEvery(positive(&args[0], &context)?)
        }
        "subcomponent_out" | "subcomponent_in" => {
            arity(1)?;
            let paths = string_list(&args[0], &context)?;
            if name == "subcomponent_out" {
                Step::SubcomponentOut(paths)
            } else {
                Step::SubcomponentIn(paths)
            }
        }
        "remove_paths" => {
            arity(1)?;
            match &args[0] {
                Json::String(path) => Step::RemovePaths(vec![path.clone()]),
                other => Step::RemovePaths(string_list(other, &context)?),
            }
        }
        "split_paths" => {
            arity(1)?;
            let Json::Array(specs) = &args[0] else {
                bail!("{context}: expected a list of paths or {{\"children_of\": …}}")
            };
            Step::SplitPaths(
                specs
                    .iter()
                    .map(|s| split_spec(s, &context))
                    .collect::<Result<_>>()?,
            )
        }
        "over" => {
            arity(2)?;
            let Json::String(key) = &args[0] else {
                bail!("{context}: expected a key such as \"rest\"")
            };
            Step::Over(key.clone(), Box::new(parse_step(&args[1], &context)?))
        }
        "map" => {
            arity(1)?;
            Step::Map(Box::new(parse_step(&args[0], &context)?))
        }
        "pipe" => {
            arity(1)?;
            Step::Pipe(parse_steps(&args[0], &context)?)
        }
        other => bail!(
            "{context}: unknown step {other:?}: expected one of popularity_contest, limit_layers, split_every, \
             subcomponent_in, subcomponent_out, split_paths, over, pipe, map, flatten, remove_paths, reverse"
        ),
    };
    Ok(step)
}

fn positive(json: &Json, context: &str) -> Result<usize> {
    json.as_u64()
        .filter(|&n| n > 0)
        .and_then(|n| usize::try_from(n).ok())
        .with_context(|| format!("{context}: expected a positive integer, found {json}"))
}

fn string_list(json: &Json, context: &str) -> Result<Vec<String>> {
    let list = json
        .as_array()
        .with_context(|| format!("{context}: expected a list of store paths, found {json}"))?;
    list.iter()
        .map(|p| {
            p.as_str()
                .map(str::to_string)
                .with_context(|| format!("{context}: expected a store path, found {p}"))
        })
        .collect()
}

fn split_spec(json: &Json, context: &str) -> Result<SplitSpec> {
    match json {
        Json::String(path) => Ok(SplitSpec::Path(path.clone())),
        Json::Object(map) => match map.get("children_of") {
            Some(Json::String(path)) => Ok(SplitSpec::ChildrenOf(vec![path.clone()])),
            Some(list) => Ok(SplitSpec::ChildrenOf(string_list(list, context)?)),
            None => bail!("{context}: expected {{\"children_of\": …}}, found {json}"),
        },
        other => bail!("{context}: expected a path or {{\"children_of\": …}}, found {other}"),
    }
}

/// Runs a pipeline on the graph (with `excluded` paths removed first) and returns the layers.
pub fn run_pipeline(graph: &Graph, steps: &[Step], excluded: &[bool]) -> Result<Vec<Vec<u32>>> {
    let runner = Runner { graph };
    let start = Value::Graph(runner.initial(excluded));
    let result = runner.pipe(steps, start, "--pipeline")?;
    let mut graphs = Vec::new();
    match result {
        Value::Graph(_) => bail!(
            "--pipeline: the result is one graph, not a list of layers: end with a step such as [\"popularity_contest\"] or [\"split_every\", 1]"
        ),
        other => flatten_into(other, &mut graphs),
    }
    Ok(graphs
        .into_iter()
        .map(|g| g.nodes)
        .filter(|nodes| !nodes.is_empty())
        .collect())
}

fn flatten_into(value: Value, out: &mut Vec<Sub>) {
    match value {
        Value::Graph(g) => out.push(g),
        Value::List(items) => items.into_iter().for_each(|v| flatten_into(v, out)),
        Value::Chunks(graphs) => out.extend(graphs),
        Value::Dict(entries) => entries.into_iter().for_each(|(_, v)| flatten_into(v, out)),
    }
}

struct Runner<'g> {
    graph: &'g Graph,
}

impl Runner<'_> {
    /// The starting graph: excluded paths removed, vertices by NAR size (stable from path order).
    fn initial(&self, excluded: &[bool]) -> Sub {
        let g = self.graph;
        let mut nodes: Vec<u32> = (0..g.len() as u32)
            .filter(|&id| !excluded[id as usize])
            .collect();
        nodes.sort_by_key(|&id| g.nar_size(id));
        let mut local = vec![u32::MAX; g.len()];
        for (i, &id) in nodes.iter().enumerate() {
            local[id as usize] = i as u32;
        }
        let refs = nodes
            .iter()
            .map(|&id| {
                g.refs(id)
                    .iter()
                    .map(|&r| local[r as usize])
                    .filter(|&r| r != u32::MAX)
                    .collect()
            })
            .collect();
        Sub { nodes, refs }
    }

    fn pipe(&self, steps: &[Step], mut value: Value, context: &str) -> Result<Value> {
        for (i, step) in steps.iter().enumerate() {
            let context = format!("{context}: step {} ({})", i + 1, step_name(step));
            value = self.apply(step, value, &context)?;
        }
        Ok(value)
    }

    fn apply(&self, step: &Step, value: Value, context: &str) -> Result<Value> {
        match step {
            Step::Pipe(steps) => self.pipe(steps, value, context),
            Step::Over(key, inner) => self.over(key, inner, value, context),
            Step::Map(inner) => {
                let items = expect_list(value, context)?;
                let mapped = items
                    .into_iter()
                    .map(|v| self.apply(inner, v, context))
                    .collect::<Result<_>>()?;
                Ok(Value::List(mapped))
            }
            Step::Flatten => match value {
                Value::Graph(_) => bail!("{context}: expected a list or dictionary, found a graph"),
                other => {
                    let mut graphs = Vec::new();
                    flatten_into(other, &mut graphs);
                    Ok(Value::List(graphs.into_iter().map(Value::Graph).collect()))
                }
            },
            Step::Reverse => {
                let mut items = expect_list(value, context)?;
                items.reverse();
                Ok(Value::List(items))
            }
            Step::LimitLayers(n) => limit_layers(*n, expect_list(value, context)?, context),
            Step::PopularityContest => Ok(self.popularity_contest(&expect_graph(value, context)?)),
            Step::SplitEvery(k) => Ok(split_every(*k, &expect_graph(value, context)?)),
            Step::SubcomponentOut(paths) => {
                Ok(self.subcomponent(paths, expect_graph(value, context)?, false))
            }
            Step::SubcomponentIn(paths) => {
                Ok(self.subcomponent(paths, expect_graph(value, context)?, true))
            }
            // nixpkgs returns these two before it looks at what it was given.
            Step::SplitPaths(specs) if specs.is_empty() => {
                Ok(Value::Dict(vec![("rest".into(), value)]))
            }
            Step::RemovePaths(paths) if paths.is_empty() => Ok(value),
            Step::SplitPaths(specs) => Ok(self.split_paths(specs, expect_graph(value, context)?)),
            Step::RemovePaths(paths) => {
                let g = expect_graph(value, context)?;
                let remove = self.indices_of(&g, paths);
                let keep: Vec<u32> = (0..g.nodes.len() as u32)
                    .filter(|i| !remove.contains(i))
                    .collect();
                Ok(Value::Graph(induced(&g, &keep, &[])))
            }
        }
    }

    fn over(&self, key: &str, inner: &Step, value: Value, context: &str) -> Result<Value> {
        let Value::Dict(mut entries) = value else {
            bail!("{context}: expected a dictionary, found {}", value.kind())
        };
        let Some(slot) = entries.iter_mut().find(|(k, _)| k == key) else {
            let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
            bail!("{context}: no key {key:?} in the dictionary (it has {keys:?})");
        };
        let taken = std::mem::replace(&mut slot.1, Value::List(Vec::new()));
        slot.1 = self.apply(inner, taken, context)?;
        Ok(Value::Dict(entries))
    }

    /// Local indices of the named paths present in the graph, in the order given.
    fn indices_of(&self, g: &Sub, paths: &[String]) -> Vec<u32> {
        let local: HashMap<u32, u32> = g
            .nodes
            .iter()
            .enumerate()
            .rev()
            .map(|(i, &id)| (id, i as u32))
            .collect();
        paths
            .iter()
            .filter_map(|p| self.graph.id(p))
            .filter_map(|id| local.get(&id).copied())
            .collect()
    }

    fn popularity_contest(&self, g: &Sub) -> Value {
        let names: Vec<&str> = g.nodes.iter().map(|&id| self.graph.path(id)).collect();
        let order = popularity_order(&names, |i| &g.refs[i as usize]);
        Value::List(
            order
                .into_iter()
                .map(|i| {
                    Value::Graph(Sub {
                        nodes: vec![g.nodes[i as usize]],
                        refs: vec![Vec::new()],
                    })
                })
                .collect(),
        )
    }

    fn subcomponent(&self, paths: &[String], g: Sub, inward: bool) -> Value {
        let starts = self.indices_of(&g, paths);
        let edges = if inward {
            reverse_edges(&g.refs)
        } else {
            g.refs.clone()
        };
        let main = reachable(&edges, &starts, None);
        let main_set: Vec<u32> = (0..g.nodes.len() as u32)
            .filter(|&i| main[i as usize])
            .collect();
        let rest_set: Vec<u32> = (0..g.nodes.len() as u32)
            .filter(|&i| !main[i as usize])
            .collect();
        Value::Dict(vec![
            ("main".into(), Value::Graph(induced(&g, &main_set, &[]))),
            ("rest".into(), Value::Graph(induced(&g, &rest_set, &[]))),
        ])
    }

    /// `split_paths`: after cutting every edge into the split paths, `main` holds the split
    /// paths and what only they reach, `common` what both they and the rest of the graph reach,
    /// `rest` the remainder. Empty parts are left out; no match gives `{rest: graph}`, and a split
    /// path that is the graph's single root gives `{main: graph}`.
    fn split_paths(&self, specs: &[SplitSpec], g: Sub) -> Value {
        let split: Vec<u32> = specs
            .iter()
            .flat_map(|spec| match spec {
                SplitSpec::Path(p) => self.indices_of(&g, std::slice::from_ref(p)),
                SplitSpec::ChildrenOf(parents) => self
                    .indices_of(&g, parents)
                    .into_iter()
                    .flat_map(|i| g.refs[i as usize].clone())
                    .collect(),
            })
            .collect();
        if split.is_empty() {
            return Value::Dict(vec![("rest".into(), Value::Graph(g))]);
        }
        let n = g.nodes.len();
        let has_referrer = {
            let mut seen = vec![false; n];
            g.refs
                .iter()
                .flatten()
                .for_each(|&r| seen[r as usize] = true);
            seen
        };
        let roots: Vec<u32> = (0..n as u32)
            .filter(|&i| !has_referrer[i as usize])
            .collect();
        if roots.len() == 1 && split.contains(&roots[0]) {
            return Value::Dict(vec![("main".into(), Value::Graph(g))]);
        }
        let split_off = reachable(&g.refs, &split, None);
        let mut is_split = vec![false; n];
        split.iter().for_each(|&i| is_split[i as usize] = true);
        let unsplit_roots: Vec<u32> = roots
            .into_iter()
            .filter(|&r| !is_split[r as usize])
            .collect();
        let from_root = reachable(&g.refs, &unsplit_roots, Some(&is_split));
        let pick = |f: &dyn Fn(usize) -> bool| -> Vec<u32> {
            (0..n).filter(|&i| f(i)).map(|i| i as u32).collect()
        };
        let main = pick(&|i| split_off[i] && !from_root[i]);
        let common = pick(&|i| split_off[i] && from_root[i]);
        let rest = pick(&|i| from_root[i] && !split_off[i]);
        let parts = [("main", main), ("common", common), ("rest", rest)];
        Value::Dict(
            parts
                .into_iter()
                .filter(|(_, set)| !set.is_empty())
                .map(|(key, set)| (key.to_string(), Value::Graph(induced(&g, &set, &is_split))))
                .collect(),
        )
    }
}

fn step_name(step: &Step) -> &'static str {
    match step {
        Step::PopularityContest => "popularity_contest",
        Step::LimitLayers(_) => "limit_layers",
        Step::SplitEvery(_) => "split_every",
        Step::SubcomponentOut(_) => "subcomponent_out",
        Step::SubcomponentIn(_) => "subcomponent_in",
        Step::SplitPaths(_) => "split_paths",
        Step::Over(..) => "over",
        Step::Pipe(_) => "pipe",
        Step::Map(_) => "map",
        Step::Flatten => "flatten",
        Step::RemovePaths(_) => "remove_paths",
        Step::Reverse => "reverse",
    }
}

fn expect_list(value: Value, context: &str) -> Result<Vec<Value>> {
    match value {
        Value::List(items) => Ok(items),
        Value::Chunks(graphs) => Ok(graphs.into_iter().map(Value::Graph).collect()),
        other => bail!(
            "{context}: expected a list of layers, found {}",
            other.kind()
        ),
    }
}

fn expect_graph(value: Value, context: &str) -> Result<Sub> {
    match value {
        Value::Graph(g) => Ok(g),
        other => bail!("{context}: expected a graph, found {}", other.kind()),
    }
}

fn limit_layers(n: usize, items: Vec<Value>, context: &str) -> Result<Value> {
    let mut items = items.into_iter();
    let mut out: Vec<Value> = items.by_ref().take(n - 1).collect();
    let mut merged = Sub::default();
    for item in items {
        match item {
            Value::Graph(g) => append_graph(&mut merged, g),
            Value::Chunks(graphs) => graphs
                .into_iter()
                .for_each(|g| append_graph(&mut merged, g)),
            other => bail!(
                "{context}: expected graphs (or lists from split_every) to merge, found {}",
                other.kind()
            ),
        }
    }
    out.push(Value::Graph(merged));
    Ok(Value::List(out))
}

/// Appends a graph's vertices and edges after those of `merged` (a disjoint union).
fn append_graph(merged: &mut Sub, g: Sub) {
    let offset = merged.nodes.len() as u32;
    merged.nodes.extend(g.nodes);
    merged.refs.extend(
        g.refs
            .into_iter()
            .map(|r| r.into_iter().map(|x| x + offset).collect()),
    );
}

fn split_every(k: usize, g: &Sub) -> Value {
    let all: Vec<u32> = (0..g.nodes.len() as u32).collect();
    Value::Chunks(all.chunks(k).map(|chunk| induced(g, chunk, &[])).collect())
}

fn reverse_edges(refs: &[Vec<u32>]) -> Vec<Vec<u32>> {
    let mut users = vec![Vec::new(); refs.len()];
    for (i, targets) in refs.iter().enumerate() {
        for &t in targets {
            users[t as usize].push(i as u32);
        }
    }
    users
}

/// The vertices reachable from `starts` (included), not following edges into `blocked` vertices.
fn reachable(edges: &[Vec<u32>], starts: &[u32], blocked: Option<&[bool]>) -> Vec<bool> {
    let mut seen = vec![false; edges.len()];
    let mut stack: Vec<u32> = Vec::new();
    for &s in starts {
        if !seen[s as usize] {
            seen[s as usize] = true;
            stack.push(s);
        }
    }
    while let Some(v) = stack.pop() {
        for &t in &edges[v as usize] {
            let cut = blocked.is_some_and(|b| b[t as usize]);
            if !cut && !seen[t as usize] {
                seen[t as usize] = true;
                stack.push(t);
            }
        }
    }
    seen
}

/// The subgraph on `keep` (ascending local indices), dropping edges into `cut` vertices.
fn induced(g: &Sub, keep: &[u32], cut: &[bool]) -> Sub {
    let mut local = vec![u32::MAX; g.nodes.len()];
    for (i, &v) in keep.iter().enumerate() {
        local[v as usize] = i as u32;
    }
    let nodes = keep.iter().map(|&v| g.nodes[v as usize]).collect();
    let refs = keep
        .iter()
        .map(|&v| {
            g.refs[v as usize]
                .iter()
                .filter(|&&t| !cut.get(t as usize).copied().unwrap_or(false))
                .map(|&t| local[t as usize])
                .filter(|&t| t != u32::MAX)
                .collect()
        })
        .collect();
    Sub { nodes, refs }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::{graph, store};

    fn short(g: &Graph, layers: &[Vec<u32>]) -> Vec<Vec<String>> {
        layers
            .iter()
            .map(|l| {
                l.iter()
                    .map(|&id| g.path(id)[11..].split('-').next().unwrap_or("").to_string())
                    .collect()
            })
            .collect()
    }

    fn run(g: &Graph, pipeline: &str) -> Result<Vec<Vec<String>>> {
        let steps = parse_pipeline(pipeline)?;
        Ok(short(g, &run_pipeline(g, &steps, &vec![false; g.len()])?))
    }

    /// app → lib, tool; tool → lib; lib → libc; docs alone. Sizes set the vertex order.
    fn sample() -> Graph {
        graph(&[
            ("app", 50, &["lib", "tool"]),
            ("docs", 5, &[]),
            ("lib", 30, &["libc"]),
            ("libc", 100, &[]),
            ("tool", 20, &["lib"]),
        ])
    }

    #[test]
    fn default_pipeline_is_popularity_then_limit() {
        let g = sample();
        let layers = run(&g, r#"[["popularity_contest"], ["limit_layers", 3]]"#).unwrap();
        // Popularity: libc 6, lib 4, tool 2, app 1, docs 1 (ties by name).
        assert_eq!(layers.len(), 3);
        assert_eq!(layers[0], vec!["libc"]);
        assert_eq!(layers[1], vec!["lib"]);
        assert_eq!(layers[2], vec!["tool", "app", "docs"]);
    }

    #[test]
    fn split_every_follows_nar_size_order() {
        let g = sample();
        let layers = run(&g, r#"[["split_every", 2]]"#).unwrap();
        assert_eq!(
            layers,
            [vec!["docs", "tool"], vec!["lib", "app"], vec!["libc"]]
        );
    }

    #[test]
    fn subcomponents_split_main_from_rest() {
        let g = sample();
        let out = run(
            &g,
            &format!(r#"[["subcomponent_out", ["{}"]]]"#, store("tool")),
        )
        .unwrap();
        assert_eq!(out, [vec!["tool", "lib", "libc"], vec!["docs", "app"]]);
        let inward = run(
            &g,
            &format!(r#"[["subcomponent_in", ["{}"]]]"#, store("lib")),
        )
        .unwrap();
        assert_eq!(inward, [vec!["tool", "lib", "app"], vec!["docs", "libc"]]);
    }

    #[test]
    fn split_paths_separates_main_common_and_rest() {
        let g = sample();
        // Splitting at tool: tool only reached through app; lib and libc also reached from app.
        let out = run(&g, &format!(r#"[["split_paths", ["{}"]]]"#, store("tool"))).unwrap();
        assert_eq!(
            out,
            [vec!["tool"], vec!["lib", "libc"], vec!["docs", "app"]]
        );
        let none = run(&g, r#"[["split_paths", ["/nix/store/x-none"]]]"#).unwrap();
        assert_eq!(none.len(), 1);
        let children = run(
            &g,
            &format!(
                r#"[["split_paths", [{{"children_of": "{}"}}]]]"#,
                store("app")
            ),
        )
        .unwrap();
        assert_eq!(children, [vec!["tool", "lib", "libc"], vec!["docs", "app"]]);
    }

    #[test]
    fn over_pipe_map_reverse_and_remove_compose() {
        let g = sample();
        let p = format!(
            r#"[["remove_paths", "{docs}"], ["subcomponent_out", ["{tool}"]],
                ["over", "rest", ["pipe", [["popularity_contest"], ["reverse"]]]], ["flatten"],
                ["map", ["split_every", 1]]]"#,
            docs = store("docs"),
            tool = store("tool")
        );
        let layers = run(&g, &p).unwrap();
        assert_eq!(
            layers,
            [vec!["tool"], vec!["lib"], vec!["libc"], vec!["app"]]
        );
    }

    #[test]
    fn limit_layers_merges_lists_made_by_split_every_only() {
        let g = sample();
        let layers = run(
            &g,
            r#"[["split_every", 2], ["map", ["split_every", 1]], ["limit_layers", 2]]"#,
        )
        .unwrap();
        assert_eq!(
            layers,
            [vec!["docs"], vec!["tool"], vec!["lib", "app", "libc"]]
        );
        let err = run(
            &g,
            r#"[["popularity_contest"], ["map", ["popularity_contest"]], ["limit_layers", 1]]"#,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "--pipeline: step 3 (limit_layers): expected graphs (or lists from split_every) to merge, found a list"
        );
    }

    #[test]
    fn empty_split_and_remove_lists_pass_any_value_through() {
        let g = sample();
        let singles = [
            vec!["libc"],
            vec!["lib"],
            vec!["tool"],
            vec!["app"],
            vec!["docs"],
        ];
        let split = run(
            &g,
            r#"[["popularity_contest"], ["split_paths", []], ["flatten"]]"#,
        )
        .unwrap();
        assert_eq!(split, singles);
        let removed = run(&g, r#"[["popularity_contest"], ["remove_paths", []]]"#).unwrap();
        assert_eq!(removed, singles);
    }

    #[test]
    fn excluded_paths_are_gone_before_the_pipeline() {
        let g = sample();
        let steps = parse_pipeline(r#"[["split_every", 10]]"#).unwrap();
        let mut excluded = vec![false; g.len()];
        excluded[g.id(&store("docs")).unwrap() as usize] = true;
        let layers = run_pipeline(&g, &steps, &excluded).unwrap();
        assert_eq!(short(&g, &layers), [vec!["tool", "lib", "app", "libc"]]);
    }

    #[test]
    fn bad_pipelines_name_the_step() {
        let g = sample();
        let cases = [
            (
                "{}",
                "--pipeline: expected a list of steps such as [[\"popularity_contest\"]]",
            ),
            (
                "[[\"sort\"]]",
                "--pipeline: step 1 (sort): unknown step \"sort\"",
            ),
            (
                "[[\"popularity_contest\"], [\"limit_layers\", 0]]",
                "--pipeline: step 2 (limit_layers): expected a positive integer, found 0",
            ),
            (
                "[[\"limit_layers\", 2]]",
                "--pipeline: step 1 (limit_layers): expected a list of layers, found a graph",
            ),
            (
                "[[\"split_every\"]]",
                "--pipeline: step 1 (split_every): expected 1 argument(s), found 0",
            ),
            (
                "[[\"subcomponent_out\", [\"/nix/store/a-a\"]], [\"over\", \"x\", [\"flatten\"]]]",
                "--pipeline: step 2 (over): no key \"x\"",
            ),
            (
                "[]",
                "--pipeline: the result is one graph, not a list of layers",
            ),
            (
                "[[\"popularity_contest\"",
                "--pipeline:1:22: unexpected end of input",
            ),
            (
                "[[1]]",
                "--pipeline: step 1: expected [\"name\", arguments...], found [1]",
            ),
        ];
        for (pipeline, message) in cases {
            let err = run(&g, pipeline).unwrap_err().to_string();
            assert!(err.starts_with(message), "{pipeline}: {err}");
        }
    }
}
