//! `requirements.txt`: requirements pinned to one version (`==` or `===`) are checked. Every
//! other requirement names a package without naming one released version — a range or no
//! version at all, an editable (`-e`) or VCS checkout, a `name @ URL` direct reference, a URL,
//! a local path or archive — and is listed as unscanned, under its name when the line gives
//! one (`#egg=`, the name before `@`, an archive's file name), else under its URL or path.
//! `-r`/`-c` includes are followed relative to the including file (one that cannot be read is
//! an error); other option lines (`--index-url`, `--hash` continuations …) are skipped.

use std::path::Path;

use anyhow::{Result, bail};

use crate::package::{Inventory, Package, Unscanned};

/// How deep `-r` includes may nest before the file is considered cyclic.
const MAX_DEPTH: usize = 16;

/// File name endings of the distribution archives pip installs from a path or URL.
const ARCHIVES: &[&str] = &[
    ".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip",
];

/// Reads the requirements of a file, following includes when it has a path.
pub fn parse(source: &str, text: &str, path: Option<&Path>) -> Result<Inventory> {
    let mut inventory = Inventory::default();
    read(source, text, path, 0, &mut inventory)?;
    Ok(inventory)
}

fn read(
    source: &str,
    text: &str,
    path: Option<&Path>,
    depth: usize,
    out: &mut Inventory,
) -> Result<()> {
    if depth > MAX_DEPTH {
        bail!("{source}: -r includes nest deeper than {MAX_DEPTH} levels");
    }
    for (number, raw) in joined_lines(text) {
        let line = strip_comment(&raw).trim();
        if line.is_empty() {
            continue;
        }
        if let Some(include) = include_target(line) {
            follow(source, include, path, depth, out, number)?;
        } else if let Some(target) = editable_target(line) {
            out.unscanned.push(not_released(
                &name_of_location(target),
                source,
                "an editable requirement (a local or VCS checkout), not a released version",
            ));
        } else if !line.starts_with('-') {
            requirement(line, source, number, out)?;
        }
    }
    Ok(())
}

/// The logical lines (backslash continuations joined), each with the number of its first
/// physical line.
fn joined_lines(text: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut first = 1;
    for (index, line) in text.lines().enumerate() {
        if current.is_empty() {
            first = index + 1;
        }
        if let Some(head) = line.strip_suffix('\\') {
            current.push_str(head);
            current.push(' ');
        } else {
            current.push_str(line);
            lines.push((first, std::mem::take(&mut current)));
        }
    }
    if !current.is_empty() {
        lines.push((first, current));
    }
    lines
}

fn strip_comment(line: &str) -> &str {
    if line.starts_with('#') {
        return "";
    }
    match line.find(" #") {
        Some(at) => &line[..at],
        None => line,
    }
}

fn include_target(line: &str) -> Option<&str> {
    ["-r", "--requirement", "-c", "--constraint"]
        .iter()
        .find_map(|flag| line.strip_prefix(flag))
        .filter(|rest| rest.starts_with([' ', '=']))
        .map(|rest| rest.trim_start_matches([' ', '=']).trim())
}

/// The path or URL of an editable requirement (`-e <target>`, `--editable[=]<target>`).
fn editable_target(line: &str) -> Option<&str> {
    let rest = match line.strip_prefix("--editable") {
        Some(rest) if rest.starts_with([' ', '=']) => rest,
        Some(_) => return None,
        None => line.strip_prefix("-e")?,
    };
    rest.trim_start_matches([' ', '='])
        .split_whitespace()
        .next()
}

fn follow(
    source: &str,
    include: &str,
    path: Option<&Path>,
    depth: usize,
    out: &mut Inventory,
    line: usize,
) -> Result<()> {
    let Some(path) = path else {
        bail!("{source}:{line}:1: expected a file path to resolve the include {include:?} from");
    };
    let target = path.parent().unwrap_or(Path::new(".")).join(include);
    let text = std::fs::read_to_string(&target).map_err(|e| {
        anyhow::anyhow!(
            "{source}:{line}:1: cannot read include {}: {e}",
            target.display()
        )
    })?;
    read(
        &target.display().to_string(),
        &text,
        Some(&target),
        depth + 1,
        out,
    )
}

/// An unscanned PyPI requirement that names no released version.
fn not_released(name: &str, source: &str, reason: &str) -> Unscanned {
    Unscanned {
        ecosystem: Some("PyPI".into()),
        name: name.to_string(),
        version: String::new(),
        source: source.to_string(),
        reason: reason.to_string(),
    }
}

/// True when a requirement's first word is a URL or a path rather than a name: a leading
/// `.`, `/` or `~`, `file:`, a scheme before any `@` (so `name@https://…` stays a name), or,
/// without either, an archive's file name.
fn is_location(word: &str) -> bool {
    if word.starts_with(['.', '/', '~']) || word.starts_with("file:") {
        return true;
    }
    match (word.find("://"), word.find('@')) {
        (Some(scheme), Some(at)) => scheme < at,
        (Some(_), None) => true,
        (None, Some(_)) => false,
        (None, None) => ARCHIVES.iter().any(|ext| word.ends_with(ext)),
    }
}

/// The project name a URL or path gives: its `#egg=` fragment, else the name part of an
/// archive's `<name>-<version>` file name (`numpy-1.9.2-cp34-none-win32.whl`: `numpy`),
/// else the URL or path itself.
fn name_of_location(location: &str) -> String {
    let (address, fragment) = location.split_once('#').unwrap_or((location, ""));
    if let Some(egg) = fragment.split('&').find_map(|p| p.strip_prefix("egg=")) {
        let name = egg.split('[').next().unwrap_or("");
        if !name.is_empty() {
            return name.to_string();
        }
    }
    let address = address.split('?').next().unwrap_or("");
    let file = address.rsplit('/').next().unwrap_or("");
    match ARCHIVES.iter().find_map(|ext| file.strip_suffix(ext)) {
        Some(stem) => archive_name(stem).unwrap_or_else(|| location.to_string()),
        None => location.to_string(),
    }
}

/// The name of an archive's `<name>-<version>[-…]` file name stem, if it has both parts.
fn archive_name(stem: &str) -> Option<String> {
    let parts: Vec<&str> = stem.split('-').collect();
    let version_at = parts
        .iter()
        .position(|p| p.starts_with(|c: char| c.is_ascii_digit()))?;
    (version_at > 0).then(|| parts[..version_at].join("-"))
}

fn requirement(line: &str, source: &str, number: usize, out: &mut Inventory) -> Result<()> {
    let spec = without_options(line).trim();
    let first = spec.split_whitespace().next().unwrap_or("");
    if is_location(first) {
        out.unscanned.push(not_released(
            &name_of_location(first),
            source,
            "a URL or local path requirement, not a released version",
        ));
        return Ok(());
    }
    let spec = spec.split(';').next().unwrap_or("").trim_end();
    let name_end = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(spec.len());
    let name = &spec[..name_end];
    if name.is_empty() {
        bail!("{source}:{number}:1: expected a requirement (a package name)");
    }
    let rest = spec[name_end..].trim_start();
    let rest = match rest.strip_prefix('[') {
        Some(extras) => extras.split_once(']').map_or("", |(_, r)| r).trim_start(),
        None => rest,
    };
    if rest.starts_with('@') {
        out.unscanned.push(not_released(
            name,
            source,
            "a direct reference (name @ URL), not a released version",
        ));
        return Ok(());
    }
    let rest = unparenthesized(rest);
    if !rest.is_empty() && !rest.starts_with(['=', '<', '>', '!', '~']) {
        let column = line.find(rest).map_or(1, |at| at + 1);
        bail!(
            "{source}:{number}:{column}: expected a version specifier after {name:?}, found {rest:?}"
        );
    }
    match pinned_version(rest) {
        Some(version) => out
            .packages
            .push(Package::new("PyPI", name, version, source)),
        None if rest.is_empty() => out.unscanned.push(not_released(
            name,
            source,
            "no version given (not pinned to one version with == or ===)",
        )),
        None => out.unscanned.push(not_released(
            name,
            source,
            &format!("not pinned to one version with == or === ({rest})"),
        )),
    }
    Ok(())
}

/// A specifier without the parentheses of the old form `name (>=1.0)`.
fn unparenthesized(spec: &str) -> &str {
    spec.strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .map_or(spec, str::trim)
}

/// The requirement before its per-requirement options (`--hash=…`, `-C key=value`): the
/// first word after a space that starts with `-`.
fn without_options(spec: &str) -> &str {
    let bytes = spec.as_bytes();
    let start = (1..bytes.len())
        .find(|&i| bytes[i] == b'-' && bytes[i - 1].is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &spec[..start]
}

fn pinned_version(spec: &str) -> Option<&str> {
    let version = spec
        .strip_prefix("===")
        .or_else(|| spec.strip_prefix("=="))?
        .trim();
    let plain =
        !version.is_empty() && !version.contains([',', '*', '$', ' ', '<', '>', '!', '~', '=']);
    plain.then_some(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unscanned(inv: &Inventory) -> Vec<(String, String)> {
        inv.unscanned
            .iter()
            .map(|u| (u.name.clone(), u.reason.clone()))
            .collect()
    }

    #[test]
    fn reads_pins_and_lists_the_rest() {
        let text = "# c\nflask==2.0.1\nrequests [security] == 2.8.1 ; python_version < \"2.7\"\n\
            django>=3.0\nnumpy\nsix==1.16.0 --hash=sha256:abc \\\n  --hash=sha256:def\n\
            x==${VER}\nurllib3 @ https://example.org/u.zip\n--index-url https://example.org\n";
        let inv = parse("r.txt", text, None).unwrap();
        let pins: Vec<_> = inv
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            pins,
            [("flask", "2.0.1"), ("requests", "2.8.1"), ("six", "1.16.0")]
        );
        let names: Vec<String> = unscanned(&inv).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["django", "numpy", "x", "urllib3"]);
        assert!(inv.unscanned.iter().all(|u| u.version.is_empty()));
        let reasons: Vec<String> = unscanned(&inv).into_iter().map(|(_, r)| r).collect();
        assert_eq!(
            reasons[0],
            "not pinned to one version with == or === (>=3.0)"
        );
        assert!(reasons[1].starts_with("no version given"));
        assert!(reasons[3].starts_with("a direct reference"));
    }

    #[test]
    fn editable_vcs_url_and_path_requirements_are_unscanned_by_name() {
        let text = "-e git+https://example.org/a/b#egg=b\n\
            --editable=git+ssh://git@example.org/c.git@v1#egg=c[extra]&subdirectory=s\n\
            -e ./libs/local\n\
            git+https://example.org/d.git@main#egg=d\n\
            https://example.org/e/e_pkg-1.0-py3-none-any.whl\n\
            ./downloads/numpy-1.9.2-cp34-none-win32.whl\n\
            f @ git+https://example.org/f.git\n\
            g@https://example.org/g.zip ; python_version > \"3\"\n\
            https://example.org/archive/main.zip\n\
            git+https://example.org/h.git\n\
            file:///srv/pkgs/i-2.0.tar.gz\n\
            j (>=1.0)\n\
            k (==2.0)\n";
        let inv = parse("r.txt", text, None).unwrap();
        assert_eq!(
            unscanned(&inv)
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>(),
            [
                "b",
                "c",
                "./libs/local",
                "d",
                "e_pkg",
                "numpy",
                "f",
                "g",
                "https://example.org/archive/main.zip",
                "git+https://example.org/h.git",
                "i",
                "j",
            ]
        );
        let reasons: Vec<String> = unscanned(&inv).into_iter().map(|(_, r)| r).collect();
        assert!(
            reasons[0].starts_with("an editable requirement"),
            "{reasons:?}"
        );
        assert!(reasons[3].starts_with("a URL or local path"), "{reasons:?}");
        assert!(reasons[6].starts_with("a direct reference"), "{reasons:?}");
        assert!(
            inv.unscanned
                .iter()
                .all(|u| u.ecosystem.as_deref() == Some("PyPI"))
        );
        let pins: Vec<_> = inv
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(pins, [("k", "2.0")]);
    }

    #[test]
    fn option_lines_are_skipped() {
        let text = "--index-url https://example.org/simple\n-i https://example.org\n\
            --extra-index-url=https://example.org\n-f ./wheels\n--pre\n--require-hashes\n\
            --hash=sha256:0\n--editor-option\na==1.0\n";
        let inv = parse("r.txt", text, None).unwrap();
        assert_eq!(inv.packages.len(), 1);
        assert!(inv.unscanned.is_empty(), "{:?}", inv.unscanned);
    }

    #[test]
    fn per_requirement_options_are_not_versions() {
        let inv = parse("r.txt", "a==1.0 -C k=v\nb==2.0 --hash sha256:0\n", None).unwrap();
        let pins: Vec<_> = inv.packages.iter().map(|p| p.version.as_str()).collect();
        assert_eq!(pins, ["1.0", "2.0"]);
    }

    #[test]
    fn follows_includes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("base.txt"), "attrs==23.1.0\n").unwrap();
        let main = dir.path().join("requirements.txt");
        let inv = parse("requirements.txt", "-r base.txt\nidna==3.4\n", Some(&main)).unwrap();
        assert_eq!(inv.packages.len(), 2);
        let err = parse("r.txt", "-r missing.txt\n", Some(&main))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("r.txt:1:1: cannot read include"), "{err}");
    }

    #[test]
    fn malformed_lines_are_located() {
        let err = parse("r.txt", "ok==1\n==2.0\n", None)
            .unwrap_err()
            .to_string();
        assert_eq!(err, "r.txt:2:1: expected a requirement (a package name)");
        let err = parse("r.txt", "a==1 \\\n --hash=x\nb c==1\n", None)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "r.txt:3:3: expected a version specifier after \"b\", found \"c==1\""
        );
    }
}
