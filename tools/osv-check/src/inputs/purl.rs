//! Package URLs (`pkg:type/namespace/name@version?qualifiers#subpath`) mapped to OSV
//! ecosystems and names.

use crate::package::RUST_CRATES;

/// A purl split into the parts matching needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    /// The purl type (`cargo`, `npm`, `pypi`, …), lower-case.
    pub kind: String,
    /// The namespace, percent-decoded; empty when absent.
    pub namespace: String,
    /// The name, percent-decoded.
    pub name: String,
    /// The version, percent-decoded; empty when absent.
    pub version: String,
}

/// Parses a purl; the error says what was expected.
pub fn parse(text: &str) -> Result<Purl, String> {
    let rest = text
        .strip_prefix("pkg:")
        .ok_or_else(|| format!("expected a package URL starting with \"pkg:\", found {text:?}"))?;
    let rest = rest.trim_start_matches('/');
    let rest = rest.split('#').next().unwrap_or("");
    let rest = rest.split('?').next().unwrap_or("");
    let (path, version) = match rest.rsplit_once('@') {
        Some((path, version)) if !path.is_empty() => (path, decode(version)?),
        _ => (rest, String::new()),
    };
    let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segments.len() < 2 {
        return Err(format!("expected pkg:<type>/<name> in {text:?}"));
    }
    let kind = segments.remove(0).to_ascii_lowercase();
    let name = decode(segments.pop().unwrap_or_default())?;
    let namespace = segments
        .iter()
        .map(|s| decode(s))
        .collect::<Result<Vec<_>, _>>()?
        .join("/");
    Ok(Purl {
        kind,
        namespace,
        name,
        version,
    })
}

fn decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad percent-encoding in {text:?}"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("percent-encoding in {text:?} is not UTF-8"))
}

impl Purl {
    /// The OSV ecosystem and package name, or why there is none.
    pub fn osv_package(&self) -> Result<(String, String), String> {
        let joined = |sep: &str| {
            if self.namespace.is_empty() {
                self.name.clone()
            } else {
                format!("{}{sep}{}", self.namespace, self.name)
            }
        };
        let ecosystem = match self.kind.as_str() {
            "cargo" => RUST_CRATES,
            "npm" => "npm",
            "pypi" => "PyPI",
            "golang" => "Go",
            "maven" => return Ok(("Maven".into(), joined(":"))),
            "gem" => "RubyGems",
            "composer" => "Packagist",
            "nuget" => "NuGet",
            "hex" => "Hex",
            "pub" => "Pub",
            "deb" if self.namespace == "ubuntu" => return Ok(("Ubuntu".into(), self.name.clone())),
            "deb" => return Ok(("Debian".into(), self.name.clone())),
            "apk" => return Ok(("Alpine".into(), self.name.clone())),
            other => return Err(format!("purl type {other:?} has no OSV ecosystem")),
        };
        Ok((ecosystem.to_string(), joined("/")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_scoped_npm_and_cargo() {
        let p = parse("pkg:npm/%40babel/core@7.0.0").unwrap();
        assert_eq!(
            p.osv_package().unwrap(),
            ("npm".into(), "@babel/core".into())
        );
        assert_eq!(p.version, "7.0.0");
        let c = parse("pkg:cargo/regex@1.5.4?arch=x").unwrap();
        assert_eq!(
            c.osv_package().unwrap(),
            (RUST_CRATES.into(), "regex".into())
        );
    }

    #[test]
    fn maven_joins_with_a_colon() {
        let p = parse("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1").unwrap();
        assert_eq!(
            p.osv_package().unwrap(),
            ("Maven".into(), "org.apache.logging.log4j:log4j-core".into())
        );
    }

    #[test]
    fn unversioned_and_unknown() {
        let p = parse("pkg:generic/openssl").unwrap();
        assert_eq!(p.version, "");
        assert!(p.osv_package().is_err());
    }

    #[test]
    fn malformed_purls_are_errors() {
        assert!(parse("cargo/regex").is_err());
        assert!(parse("pkg:cargo").is_err());
        assert!(parse("pkg:npm/a%zz@1").is_err());
    }
}
