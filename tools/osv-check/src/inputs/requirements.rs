//! `requirements.txt`: requirements pinned to one version (`==` or `===`) are checked;
//! others (ranges, URLs, unpinned names) cannot name one version and are listed as unscanned.
//! `-r`/`-c` includes are followed relative to the including file.

use std::path::Path;

use anyhow::{Result, bail};

use crate::package::{Inventory, Package, Unscanned};

/// How deep `-r` includes may nest before the file is considered cyclic.
const MAX_DEPTH: usize = 16;

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
    for (index, raw) in joined_lines(text).iter().enumerate() {
        let line = strip_comment(raw).trim();
        if line.is_empty() {
            continue;
        }
        if let Some(include) = include_target(line) {
            follow(source, include, path, depth, out, index + 1)?;
            continue;
        }
        if line.starts_with('-') {
            continue;
        }
        requirement(line, source, index + 1, out)?;
    }
    Ok(())
}

fn joined_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        if let Some(head) = line.strip_suffix('\\') {
            current.push_str(head);
            current.push(' ');
        } else {
            current.push_str(line);
            lines.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        lines.push(current);
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

fn requirement(line: &str, source: &str, number: usize, out: &mut Inventory) -> Result<()> {
    let spec = line.split(';').next().unwrap_or("");
    let spec = without_options(spec).trim();
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
    match pinned_version(rest) {
        Some(version) => out
            .packages
            .push(Package::new("PyPI", name, version, source)),
        None => out.unscanned.push(Unscanned {
            ecosystem: Some("PyPI".into()),
            name: name.to_string(),
            version: rest.to_string(),
            source: source.to_string(),
            reason: "not pinned to one version with == or ===".into(),
        }),
    }
    Ok(())
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
        assert_eq!(inv.unscanned.len(), 4);
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
    }
}
