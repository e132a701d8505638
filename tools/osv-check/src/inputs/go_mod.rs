//! `go.mod`: the `require` directives, with `replace` directives applied; a module replaced
//! by a local directory has no published version and is listed as unscanned.

use std::collections::HashMap;

use anyhow::{Result, bail};

use crate::package::{Inventory, Package, Unscanned};

struct Replace {
    version: Option<String>,
    target: String,
    target_version: Option<String>,
}

/// Reads the modules a `go.mod` requires.
pub fn parse(source: &str, text: &str) -> Result<Inventory> {
    let mut requires = Vec::new();
    let mut replaces: HashMap<String, Vec<Replace>> = HashMap::new();
    let mut block: Option<String> = None;
    for (index, raw) in text.lines().enumerate() {
        let line = raw.split("//").next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (verb, args) = match &block {
            Some(_) if line == ")" => {
                block = None;
                continue;
            }
            Some(verb) => (verb.clone(), line.to_string()),
            None => {
                let (verb, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
                if rest.trim() == "(" {
                    block = Some(verb.to_string());
                    continue;
                }
                (verb.to_string(), rest.trim().to_string())
            }
        };
        let words: Vec<String> = args
            .split_whitespace()
            .map(|w| w.trim_matches('"').to_string())
            .collect();
        let number = index + 1;
        match verb.as_str() {
            "require" => match words.as_slice() {
                [module, version, ..] => requires.push((module.clone(), version.clone())),
                _ => bail!("{source}:{number}:1: expected \"require <module> <version>\""),
            },
            "replace" => {
                let (module, replace) = parse_replace(&words)
                    .ok_or_else(|| anyhow::anyhow!("{source}:{number}:1: expected \"replace <module> [version] => <target> [version]\""))?;
                replaces.entry(module).or_default().push(replace);
            }
            _ => {}
        }
    }
    if block.is_some() {
        bail!("{source}: expected \")\" to close a block before the end of the file");
    }
    Ok(resolve(source, requires, &replaces))
}

fn parse_replace(words: &[String]) -> Option<(String, Replace)> {
    let arrow = words.iter().position(|w| w == "=>")?;
    let (left, right) = (&words[..arrow], &words[arrow + 1..]);
    let module = left.first()?.clone();
    let target = right.first()?.clone();
    Some((
        module,
        Replace {
            version: left.get(1).cloned(),
            target,
            target_version: right.get(1).cloned(),
        },
    ))
}

fn resolve(
    source: &str,
    requires: Vec<(String, String)>,
    replaces: &HashMap<String, Vec<Replace>>,
) -> Inventory {
    let mut inventory = Inventory::default();
    for (module, version) in requires {
        let replace = replaces.get(&module).and_then(|all| {
            all.iter()
                .find(|r| r.version.as_deref() == Some(&version))
                .or_else(|| all.iter().find(|r| r.version.is_none()))
        });
        let (name, version) = match replace {
            None => (module, version),
            Some(r) => match &r.target_version {
                Some(v) => (r.target.clone(), v.clone()),
                None => {
                    inventory.unscanned.push(Unscanned {
                        ecosystem: Some("Go".into()),
                        name: module,
                        version,
                        source: source.to_string(),
                        reason: format!("replaced by the local directory {}", r.target),
                    });
                    continue;
                }
            },
        };
        let version = version.strip_prefix('v').unwrap_or(&version).to_string();
        inventory
            .packages
            .push(Package::new("Go", &name, &version, source));
    }
    inventory
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requires_with_replacements() {
        let text = "module m\n\ngo 1.21\n\nrequire (\n\tgolang.org/x/net v0.1.0 // indirect\n\texample.org/a v1.0.0\n\texample.org/local v1.0.0\n)\n\nrequire example.org/b v2.0.0+incompatible\n\nreplace example.org/a => example.org/fork v1.1.0\nreplace example.org/local v1.0.0 => ../local\n";
        let inv = parse("go.mod", text).unwrap();
        let got: Vec<_> = inv
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("golang.org/x/net", "0.1.0"),
                ("example.org/fork", "1.1.0"),
                ("example.org/b", "2.0.0+incompatible")
            ]
        );
        assert_eq!(inv.unscanned.len(), 1);
    }

    #[test]
    fn malformed_directives_are_located() {
        let err = parse("go.mod", "module m\nrequire onlyname\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("go.mod:2:1: expected"), "{err}");
        let err = parse("go.mod", "require (\n a v1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected \")\""), "{err}");
    }
}
