//! YAML output that cloud-init's YAML 1.1 reader (PyYAML) reads back as exactly the values
//! written: records are serialized with serde, then emitted by `yaml-rust2`, whose quoting
//! covers YAML 1.1 booleans (`yes`, `off` …), nulls, numbers and anything with a `:`; the
//! remaining YAML 1.1 implicit forms (`1_000`, `0b11`, dates) and strings with control
//! characters are written as JSON strings, which are valid YAML double-quoted scalars.

use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde_yaml_ng::Value;
use yaml_rust2::yaml::Hash;
use yaml_rust2::{Yaml, YamlEmitter};

/// Serializes `value` as a block-style YAML document (no `---` line), ending in a newline.
pub fn to_string<T: Serialize>(value: &T) -> Result<String> {
    let tree = serde_yaml_ng::to_value(value).context("cannot serialize to YAML")?;
    let node = convert(&tree)?;
    let mut out = String::new();
    YamlEmitter::new(&mut out)
        .dump(&node)
        .context("cannot emit YAML")?;
    let body = out.strip_prefix("---\n").unwrap_or(&out);
    Ok(format!("{body}\n"))
}

fn convert(value: &Value) -> Result<Yaml> {
    Ok(match value {
        Value::Null => Yaml::Null,
        Value::Bool(b) => Yaml::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Yaml::Integer(i),
            None => Yaml::Real(n.to_string()),
        },
        Value::String(s) => string(s)?,
        Value::Sequence(items) => Yaml::Array(items.iter().map(convert).collect::<Result<_>>()?),
        Value::Mapping(map) => {
            let mut hash = Hash::new();
            for (k, v) in map {
                hash.insert(convert(k)?, convert(v)?);
            }
            Yaml::Hash(hash)
        }
        Value::Tagged(tagged) => convert(&tagged.value)?,
    })
}

/// A string node; strings YAML 1.1 would resolve to another type, or that hold control
/// characters, become double-quoted scalars with JSON escapes.
fn string(s: &str) -> Result<Yaml> {
    if let Some(problem) = unreadable(s) {
        bail!("a value {problem}");
    }
    if implicit_yaml11(s) || s.contains(|c: char| c.is_ascii_control()) {
        let quoted = serde_json::to_string(s).context("cannot quote a string")?;
        return Ok(Yaml::Real(quoted));
    }
    Ok(Yaml::String(s.to_string()))
}

/// Says which character of `s` cloud-init's YAML reader would change or refuse, if any.
pub fn unreadable(s: &str) -> Option<String> {
    let c = s.chars().find(|&c| !readable(c))?;
    Some(format!(
        "holds the character U+{:04X}, which cloud-init's YAML reader changes or refuses",
        u32::from(c)
    ))
}

/// Characters PyYAML accepts in a stream and does not treat as a line break.
fn readable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{2027}' | '\u{202a}'..='\u{d7ff}' | '\u{e000}'..='\u{fefe}' | '\u{ff00}'..='\u{fffd}' | '\u{10000}'..)
        || (c.is_ascii_control() && c != '\u{7f}')
}

/// True for strings that may match a YAML 1.1 int, float or timestamp (sign, digits, `_`,
/// `.`, `:`, base prefixes, exponents, date separators): quoting them is always safe.
fn implicit_yaml11(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let starts_numeric = body.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    starts_numeric
        && !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_hexdigit() || "+-_.:xXoObBtTzZ ".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ambiguous_strings_are_quoted() {
        let text = to_string(&[
            "yes",
            "no",
            "on",
            "1:20",
            "0644",
            "1_000",
            "0b11",
            "2024-01-01",
            "~",
            "null",
            "1e3",
            ".inf",
        ])
        .unwrap();
        for line in text.lines() {
            let value = line.trim_start_matches("- ");
            assert!(value.starts_with('\'') || value.starts_with('"'), "{line}");
        }
    }

    #[test]
    fn plain_strings_stay_plain_and_newlines_are_escaped() {
        assert_eq!(
            to_string(&["hello", "a\nb"]).unwrap(),
            "- hello\n- \"a\\nb\"\n"
        );
    }

    #[test]
    fn refuses_characters_yaml_readers_mangle() {
        assert!(to_string(&["a\u{85}b"]).is_err());
        assert!(to_string(&["a\u{2028}b"]).is_err());
        assert!(to_string(&["\u{feff}"]).is_err());
        assert_eq!(to_string(&["\u{1b}é😀"]).unwrap(), "- \"\\u001bé😀\"\n");
    }
}
