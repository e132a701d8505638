//! The lenient SemVer-like order shared by npm, Rust crates, Go, Hex and the OSV `SEMVER` range
//! type: an optional leading `v`, any number of numeric components (missing ones are zero),
//! a pre-release after the first three, and build metadata that never counts, except in Dart's
//! Pub, where a build sorts after the same version without one.

use std::cmp::Ordering;

/// A parsed SemVer-like version, ready to compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SemverLike {
    components: Vec<String>,
    prerelease: Vec<String>,
    /// Build identifiers; kept only for Pub, empty (never counting) for the others.
    build: Vec<String>,
}

impl SemverLike {
    /// Parses any string: numeric components first, then everything else is pre-release or
    /// build text. Parsing never fails, like the ecosystems' own lenient tools.
    pub fn parse(text: &str) -> SemverLike {
        SemverLike::parse_with(text.strip_prefix('v').unwrap_or(text), 3)
    }

    /// The NuGet form: up to four numeric components, and pre-release labels compared
    /// without regard to case.
    pub fn parse_nuget(text: &str) -> SemverLike {
        SemverLike::parse_with(&text.trim().to_ascii_lowercase(), 4)
    }

    /// The Pub form: as [`SemverLike::parse`], and the build identifiers after `+` count,
    /// compared like pre-release ones, a version without a build being the smaller.
    pub fn parse_pub(text: &str) -> SemverLike {
        let mut version = SemverLike::parse(text);
        if let Some((_, build)) = text.split_once('+') {
            version.build = build.split('.').map(str::to_string).collect();
        }
        version
    }

    fn parse_with(text: &str, max_components: usize) -> SemverLike {
        let mut components = Vec::new();
        let mut current = String::new();
        let mut rest = "";
        for (at, c) in text.char_indices() {
            if c.is_ascii_digit() {
                current.push(c);
                continue;
            }
            if !current.is_empty() {
                components.push(std::mem::take(&mut current));
            }
            if c != '.' {
                rest = &text[at..];
                break;
            }
        }
        if rest.is_empty() && !current.is_empty() {
            components.push(current);
        }
        let mut tail = String::new();
        if components.len() > max_components {
            for extra in components.split_off(max_components) {
                tail.push('.');
                tail.push_str(&extra);
            }
        }
        tail.push_str(rest);
        SemverLike {
            components,
            prerelease: prerelease_identifiers(&tail),
            build: Vec::new(),
        }
    }
}

/// The dot-separated pre-release identifiers of the text after the numeric components, with
/// build metadata (after `+`) and a leading `-` removed.
fn prerelease_identifiers(tail: &str) -> Vec<String> {
    let without_build = tail.split('+').next().unwrap_or("");
    let trimmed = without_build.strip_prefix('-').unwrap_or(without_build);
    if trimmed.is_empty() {
        return Vec::new();
    }
    trimmed.split('.').map(str::to_string).collect()
}

/// Compares two strings of ASCII digits as unbounded non-negative integers.
pub fn compare_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn is_numeric(identifier: &str) -> bool {
    !identifier.is_empty() && identifier.bytes().all(|b| b.is_ascii_digit())
}

fn compare_identifier(a: &str, b: &str) -> Ordering {
    match (is_numeric(a), is_numeric(b)) {
        (true, true) => compare_digits(a, b),
        (false, false) => a.cmp(b),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
    }
}

fn compare_components(a: &[String], b: &[String]) -> Ordering {
    let zero = String::from("0");
    let len = a.len().max(b.len());
    (0..len)
        .map(|i| compare_digits(a.get(i).unwrap_or(&zero), b.get(i).unwrap_or(&zero)))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

fn compare_prerelease(a: &[String], b: &[String]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => compare_identifiers(a, b),
    }
}

/// Build identifiers: none is the smallest; otherwise as pre-release identifiers.
fn compare_build(a: &[String], b: &[String]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (false, false) => compare_identifiers(a, b),
        _ => b.is_empty().cmp(&a.is_empty()),
    }
}

fn compare_identifiers(a: &[String], b: &[String]) -> Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| compare_identifier(x, y))
        .find(|o| o.is_ne())
        .unwrap_or_else(|| a.len().cmp(&b.len()))
}

impl Ord for SemverLike {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_components(&self.components, &other.components)
            .then_with(|| compare_prerelease(&self.prerelease, &other.prerelease))
            .then_with(|| compare_build(&self.build, &other.build))
    }
}

impl PartialOrd for SemverLike {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        SemverLike::parse(a).cmp(&SemverLike::parse(b))
    }

    #[test]
    fn prereleases_sort_before_releases() {
        assert_eq!(cmp("1.0.0-alpha", "1.0.0"), Ordering::Less);
        assert_eq!(cmp("1.0.0-rc.2", "1.0.0-rc.11"), Ordering::Less);
        assert_eq!(cmp("1.0.0-alpha.1", "1.0.0-alpha.beta"), Ordering::Less);
    }

    #[test]
    fn leading_v_and_build_metadata_do_not_count() {
        assert_eq!(cmp("v1.2.3", "1.2.3+build"), Ordering::Equal);
        assert_eq!(cmp("1.2", "1.2.0"), Ordering::Equal);
    }

    #[test]
    fn numbers_are_unbounded() {
        assert_eq!(
            cmp(
                "999999999999999999999999999991",
                "999999999999999999999999999999"
            ),
            Ordering::Less
        );
        assert_eq!(cmp("0.10.0", "0.9.0"), Ordering::Greater);
    }

    #[test]
    fn extra_components_are_prerelease_text() {
        assert_eq!(cmp("1.1.3.4.5", "1.1.3.4.5"), Ordering::Equal);
        assert_eq!(cmp("1.1.3.4", "1.1.3"), Ordering::Less);
    }

    #[test]
    fn pub_builds_count_after_the_prerelease() {
        let pubv = SemverLike::parse_pub;
        assert!(pubv("1.0.0") < pubv("1.0.0+build"));
        assert!(pubv("1.0.0-pre+build") < pubv("1.0.0"));
        assert!(pubv("1.2.3+9") < pubv("1.2.3+a"));
        assert!(pubv("1.2.3+a") < pubv("1.2.3+a1"));
        assert!(pubv("1.2.3+1.2") > pubv("1.2.3+1"));
    }

    #[test]
    fn garbage_still_orders() {
        assert_eq!(cmp("", "0"), Ordering::Equal);
        assert_eq!(cmp("abc", "0.0.0"), Ordering::Less);
    }
}
