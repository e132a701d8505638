//! Which images to read: file operands, or paths on standard input (JSON records with a
//! `path` field, or one path per line).

use std::path::PathBuf;

use anyhow::Result;
use serde::Deserialize;
use shared::input::json_stream;

/// A record that names an image, as other tools of the workspace write them.
#[derive(Debug, Deserialize)]
struct PathRecord {
    path: PathBuf,
}

/// The image paths: operands as given, with `-` (or no operand at all) replaced by the
/// paths read from `stdin`.
pub fn image_paths(
    operands: &[PathBuf],
    stdin: impl FnOnce() -> Result<String>,
) -> Result<Vec<PathBuf>> {
    let wants_stdin = operands.is_empty() || operands.iter().any(|p| p.as_os_str() == "-");
    let from_stdin = if wants_stdin {
        parse_paths("<stdin>", &stdin()?)?
    } else {
        Vec::new()
    };
    if operands.is_empty() {
        return Ok(from_stdin);
    }
    let mut paths = Vec::new();
    let mut stdin_paths = Some(from_stdin);
    for operand in operands {
        if operand.as_os_str() == "-" {
            paths.extend(stdin_paths.take().unwrap_or_default());
        } else {
            paths.push(operand.clone());
        }
    }
    Ok(paths)
}

/// Paths from text: a JSON stream of records with `path` when it starts with `{`, otherwise
/// one path per non-empty line.
pub fn parse_paths(source: &str, text: &str) -> Result<Vec<PathBuf>> {
    if text.trim_start().starts_with('{') {
        return json_stream::<PathRecord>(source, text.as_bytes())
            .map(|r| r.map(|r| r.path))
            .collect();
    }
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(PathBuf::from)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lines_and_records() {
        let lines = parse_paths("-", "a.qcow2\n\n  b.raw \n").unwrap();
        assert_eq!(
            lines,
            vec![PathBuf::from("a.qcow2"), PathBuf::from("b.raw")]
        );
        let records = parse_paths(
            "-",
            "{\"type\":\"image\",\"path\":\"a\"}\n{\"path\":\"b\",\"x\":1}",
        )
        .unwrap();
        assert_eq!(records, vec![PathBuf::from("a"), PathBuf::from("b")]);
    }

    #[test]
    fn a_record_without_path_is_located() {
        let err = parse_paths("<stdin>", "{\"path\":\"a\"}\n{\"file\":\"b\"}").unwrap_err();
        assert_eq!(err.to_string(), "<stdin>:2:12: missing field `path`");
    }

    #[test]
    fn dash_splices_stdin_among_operands() {
        let ops = [PathBuf::from("x"), PathBuf::from("-"), PathBuf::from("y")];
        let paths = image_paths(&ops, || Ok("a\nb\n".to_string())).unwrap();
        assert_eq!(paths, ["x", "a", "b", "y"].map(PathBuf::from));
        let none = image_paths(&[PathBuf::from("x")], || unreachable!()).unwrap();
        assert_eq!(none, vec![PathBuf::from("x")]);
    }
}
