//! Reading the YAML configuration files (kubeconfig, talosconfig) with errors that name the
//! file, line and column.

use std::path::Path;

use anyhow::{Result, anyhow};
use serde::de::DeserializeOwned;
use shared::input::Source;

/// Reads and parses one YAML file (`-` is standard input); an empty file is the type's default.
pub fn read<T: DeserializeOwned + Default>(path: &Path) -> Result<T> {
    let source = Source::from_operand(path);
    let text = source.read_string()?;
    parse(&source.name(), &text)
}

/// Parses YAML text; `name` is the source named in errors.
pub fn parse<T: DeserializeOwned + Default>(name: &str, text: &str) -> Result<T> {
    if text.trim().is_empty() {
        return Ok(T::default());
    }
    serde_yaml_ng::from_str(text).map_err(|err| {
        let cause = without_positions(&err.to_string());
        match err.location() {
            Some(at) => anyhow!("{name}:{}:{}: {cause}", at.line(), at.column()),
            None => anyhow!("{name}: {cause}"),
        }
    })
}

/// The message without its " at line N column M" parts (the position is given up front).
fn without_positions(message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(at) = rest.find(" at line ") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + " at line ".len()..];
        let skip = tail
            .split_once(" column ")
            .filter(|(line, _)| line.chars().all(|c| c.is_ascii_digit()))
            .map(|(line, after)| {
                line.len()
                    + " column ".len()
                    + after.chars().take_while(char::is_ascii_digit).count()
            });
        match skip {
            Some(skip) => rest = &tail[skip..],
            None => {
                out.push_str(" at line ");
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Default, Debug)]
    struct Doc {
        #[allow(dead_code)]
        name: String,
    }

    #[test]
    fn errors_carry_line_and_column() {
        let err = parse::<Doc>("cfg.yaml", "name: [1, 2\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("cfg.yaml:"), "{err}");
        let err = parse::<Doc>("cfg.yaml", "other: 1\n")
            .unwrap_err()
            .to_string();
        assert_eq!(err, "cfg.yaml:1:1: missing field `name`");
    }

    #[test]
    fn positions_are_removed_from_messages() {
        let text = "did not find expected ',' at line 6 column 1, while parsing a flow mapping at line 5 column 12";
        assert_eq!(
            without_positions(text),
            "did not find expected ',', while parsing a flow mapping"
        );
        assert_eq!(without_positions("a at line x"), "a at line x");
    }

    #[test]
    fn empty_text_is_the_default() {
        assert_eq!(parse::<Doc>("e.yaml", " \n").unwrap().name, "");
    }
}
