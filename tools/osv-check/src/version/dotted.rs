//! Versions that are only numbers between separators, compared number by number, a version
//! that is a prefix of another being the smaller: Hackage's (the Haskell Package Versioning
//! Policy, `Data.Version`: `0.1.0 < 0.1.0.0`) and R's `package_version` for CRAN and
//! Bioconductor, where `.` and `-` both separate (`0.01.0 = 0.1-0`, `1.8 < 1.8.0`).

use std::cmp::Ordering;

use super::semver::compare_digits;

/// A parsed dotted version: its numbers as digit strings, unbounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DottedVersion {
    numbers: Vec<String>,
}

impl DottedVersion {
    /// Parses a Hackage version: numbers separated by `.`.
    pub fn parse_hackage(text: &str) -> Result<DottedVersion, String> {
        DottedVersion::parse(text, &['.'], "Hackage")
    }

    /// Parses an R package version: numbers separated by `.` or `-`.
    pub fn parse_r(text: &str) -> Result<DottedVersion, String> {
        DottedVersion::parse(text, &['.', '-'], "R package")
    }

    fn parse(text: &str, separators: &[char], kind: &str) -> Result<DottedVersion, String> {
        let numbers: Vec<String> = text.split(separators).map(str::to_string).collect();
        let valid = numbers
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if valid {
            Ok(DottedVersion { numbers })
        } else {
            Err(format!(
                "{text:?} is not a {kind} version (numbers separated by {})",
                separators
                    .iter()
                    .map(|c| format!("{c:?}"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ))
        }
    }
}

impl Ord for DottedVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.numbers
            .iter()
            .zip(&other.numbers)
            .map(|(a, b)| compare_digits(a, b))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| self.numbers.len().cmp(&other.numbers.len()))
    }
}

impl PartialOrd for DottedVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(a: &str, b: &str) -> Ordering {
        DottedVersion::parse_r(a)
            .unwrap()
            .cmp(&DottedVersion::parse_r(b).unwrap())
    }

    #[test]
    fn r_versions_compare_number_by_number() {
        assert_eq!(r("0.01.0", "0.1-0"), Ordering::Equal);
        assert_eq!(r("0.9", "0.75"), Ordering::Less);
        assert_eq!(r("1.8", "1.8.0"), Ordering::Less);
        assert_eq!(r("1.0-10", "1.0-9"), Ordering::Greater);
    }

    #[test]
    fn hackage_prefixes_are_smaller() {
        let v = |t| DottedVersion::parse_hackage(t).unwrap();
        assert!(v("0.1.0") < v("0.1.0.0"));
        assert!(v("0.1.0.0") < v("0.2.0"));
        assert!(v("99999999999999999999.0") > v("9.9"));
    }

    #[test]
    fn anything_but_numbers_is_rejected() {
        for bad in ["", "1.", ".1", "1..2", "1.0a", "v1.0", "1.0-rc1", "1 .0"] {
            assert!(DottedVersion::parse_r(bad).is_err(), "{bad}");
            assert!(DottedVersion::parse_hackage(bad).is_err(), "{bad}");
        }
        assert!(DottedVersion::parse_hackage("1.0-1").is_err());
    }
}
