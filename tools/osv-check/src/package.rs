//! What is scanned: packages named by ecosystem, name and version (or a commit of a
//! repository), and the ones that cannot be checked, kept so they are reported, not dropped.

use serde::Serialize;

/// The OSV ecosystem name of Rust crates, which is the registry's host name.
pub const RUST_CRATES: &str = "crates.io";

/// The ecosystem names of the OSV schema (`$defs.ecosystemName`, schema 1.7.5) plus `GIT`,
/// which the schema admits for repositories; the OSV API rejects a batch naming any other.
pub const KNOWN_ECOSYSTEMS: &[&str] = &[
    "AlmaLinux",
    "Alpaquita",
    "Alpine",
    "Android",
    "Azure Linux",
    "BellSoft Hardened Containers",
    "Bioconductor",
    "Bitnami",
    "Chainguard",
    "CleanStart",
    "ConanCenter",
    "CRAN",
    RUST_CRATES,
    "Debian",
    "Docker Hardened Images",
    "Echo",
    "FreeBSD",
    "GHC",
    "GIT",
    "GitHub Actions",
    "Go",
    "Hackage",
    "Hex",
    "Julia",
    "Kubernetes",
    "Linux",
    "Mageia",
    "Maven",
    "MinimOS",
    "npm",
    "NuGet",
    "opam",
    "openEuler",
    "openSUSE",
    "OSS-Fuzz",
    "Packagist",
    "Photon OS",
    "Pub",
    "PyPI",
    "Red Hat",
    "Rocky Linux",
    "Root",
    "RubyGems",
    "SUSE",
    "SwiftURL",
    "TuxCare",
    "Ubuntu",
    "VSCode",
    "Wolfi",
];

/// An OSV ecosystem name, possibly with a `:suffix` (`Debian:12`, `Alpine:v3.18`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Ecosystem(pub String);

impl Ecosystem {
    /// The ecosystem without its suffix.
    pub fn base(&self) -> &str {
        self.0.split(':').next().unwrap_or("")
    }

    /// The suffix after the first `:`, if any.
    pub fn suffix(&self) -> Option<&str> {
        self.0.split_once(':').map(|(_, s)| s)
    }

    /// Whether OSV knows this ecosystem: the base is one of [`KNOWN_ECOSYSTEMS`] (names are
    /// case-sensitive) and a suffix, when present, is not empty (`Debian:12`, `Ubuntu:22.04:LTS`).
    pub fn is_known(&self) -> bool {
        KNOWN_ECOSYSTEMS.contains(&self.base()) && self.suffix().is_none_or(|s| !s.is_empty())
    }

    /// OSV package equality on ecosystems: the bases are equal, and the suffixes too when
    /// both sides have one (`Debian` matches `Debian:12`; `Debian:12` does not match `Debian:11`).
    pub fn matches(&self, other: &Ecosystem) -> bool {
        self.base() == other.base()
            && match (self.suffix(), other.suffix()) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }
}

/// A package name as OSV compares it: PyPI names are normalised (PEP 503), others are kept.
pub fn normalize_name(ecosystem: &str, name: &str) -> String {
    if ecosystem == "PyPI" {
        let mut out = String::with_capacity(name.len());
        let mut last_dash = false;
        for c in name.chars() {
            if matches!(c, '-' | '_' | '.') {
                if !last_dash {
                    out.push('-');
                }
                last_dash = true;
            } else {
                out.extend(c.to_lowercase());
                last_dash = false;
            }
        }
        out
    } else {
        name.to_string()
    }
}

/// One package to check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    /// The OSV ecosystem (`GIT` for a commit of a repository).
    pub ecosystem: Ecosystem,
    /// The package name (for a commit, the repository URL).
    pub name: String,
    /// The version; empty when the input pins none.
    pub version: String,
    /// The commit, for packages identified by a repository revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The input the package came from.
    pub source: String,
}

impl Package {
    /// A package known by ecosystem, name and version.
    pub fn new(ecosystem: &str, name: &str, version: &str, source: &str) -> Package {
        Package {
            ecosystem: Ecosystem(ecosystem.to_string()),
            name: name.to_string(),
            version: version.to_string(),
            commit: None,
            source: source.to_string(),
        }
    }

    /// A revision of a Git repository.
    pub fn commit(repo: &str, commit: &str, source: &str) -> Package {
        Package {
            ecosystem: Ecosystem("GIT".to_string()),
            name: repo.to_string(),
            version: String::new(),
            commit: Some(commit.to_string()),
            source: source.to_string(),
        }
    }

    /// The name OSV compares (normalised for PyPI).
    pub fn key_name(&self) -> String {
        normalize_name(self.ecosystem.base(), &self.name)
    }
}

/// A package that could not be checked, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unscanned {
    /// The ecosystem, when one is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<String>,
    /// The package name, store path or reference.
    pub name: String,
    /// The version, when one is known.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// The input it came from.
    pub source: String,
    /// Why it was not checked.
    pub reason: String,
}

/// Everything read from the inputs.
#[derive(Debug, Default)]
pub struct Inventory {
    /// Packages to check.
    pub packages: Vec<Package>,
    /// Packages that cannot be checked.
    pub unscanned: Vec<Unscanned>,
}

impl Inventory {
    /// Adds another input's packages.
    pub fn extend(&mut self, other: Inventory) {
        self.packages.extend(other.packages);
        self.unscanned.extend(other.unscanned);
    }

    /// Removes exact duplicates (same ecosystem, name, version, commit and source).
    pub fn dedup(&mut self) {
        let mut seen = std::collections::HashSet::new();
        self.packages.retain(|p| {
            seen.insert((
                p.ecosystem.clone(),
                p.name.clone(),
                p.version.clone(),
                p.commit.clone(),
                p.source.clone(),
            ))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_compare_only_when_both_have_one() {
        let debian = Ecosystem("Debian".into());
        let d12 = Ecosystem("Debian:12".into());
        let d11 = Ecosystem("Debian:11".into());
        assert!(debian.matches(&d12));
        assert!(d12.matches(&debian));
        assert!(!d12.matches(&d11));
        assert!(!debian.matches(&Ecosystem("Ubuntu".into())));
    }

    #[test]
    fn known_ecosystems_take_the_schema_names_with_suffixes() {
        for name in [
            "npm",
            "PyPI",
            RUST_CRATES,
            "Debian:12",
            "Alpine:v3.18",
            "Ubuntu:22.04:LTS",
            "Ubuntu:Pro:18.04:LTS",
            "Maven:https://maven.google.com",
            "Red Hat:rhel_aus:8.4::appstream",
            "GIT",
        ] {
            assert!(Ecosystem(name.into()).is_known(), "{name}");
        }
        for name in [
            "", "pypi", "Nix", "nixpkgs", "Debian:", ":12", "cargo", "NPM",
        ] {
            assert!(!Ecosystem(name.into()).is_known(), "{name}");
        }
        assert_eq!(KNOWN_ECOSYSTEMS.len(), 49);
    }

    #[test]
    fn pypi_names_are_normalised() {
        assert_eq!(
            normalize_name("PyPI", "Flask_SQLAlchemy"),
            "flask-sqlalchemy"
        );
        assert_eq!(normalize_name("PyPI", "zope..interface"), "zope-interface");
        assert_eq!(normalize_name("npm", "Foo_Bar"), "Foo_Bar");
    }
}
