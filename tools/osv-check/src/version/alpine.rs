//! The Alpine (apk) order of `number{.number}…{letter}{_suffix{number}}…{~hash}{-r#}`:
//! numbers compare as numbers, except that a later component with a leading zero compares
//! as text; then the letter (none first); then suffixes `_alpha` < `_beta` < `_pre` < `_rc`
//! < none < `_cvs` < `_svn` < `_git` < `_hg` < `_p`; the hash is ignored; then `-r`. A
//! string that does not follow the format sorts before the valid one it otherwise equals,
//! and two such strings compare as text; text left after a `-r` revision only counts by
//! being there (apk rejects those strings; the order of osv-scalibr is kept for them).

use std::cmp::Ordering;

use super::semver::compare_digits;

const SUFFIXES: &[&str] = &[
    "alpha", "beta", "pre", "rc", "", "cvs", "svn", "git", "hg", "p",
];
const NO_SUFFIX: usize = 4;

/// A parsed apk version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApkVersion {
    original: String,
    numbers: Vec<String>,
    letter: Option<char>,
    suffixes: Vec<(usize, String)>,
    revision: String,
    leftover: bool,
    invalid: bool,
}

/// Splits a leading run of ASCII digits off `text`.
fn digits(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    text.split_at(end)
}

impl ApkVersion {
    /// Parses any string; what does not follow the format marks the version invalid.
    pub fn parse(text: &str) -> ApkVersion {
        let mut rest = text;
        let mut numbers = Vec::new();
        loop {
            let (run, after) = digits(rest);
            if run.is_empty() {
                break;
            }
            numbers.push(run.to_string());
            rest = after.strip_prefix('.').unwrap_or(after);
            if after == rest {
                break;
            }
        }
        let letter = rest.chars().next().filter(char::is_ascii_lowercase);
        if letter.is_some() {
            rest = &rest[1..];
        }
        let mut suffixes = Vec::new();
        while let Some(after) = rest.strip_prefix('_') {
            let Some((weight, name)) = SUFFIXES
                .iter()
                .enumerate()
                .filter(|(_, s)| !s.is_empty())
                .find(|(_, s)| after.starts_with(*s))
            else {
                break;
            };
            let (number, tail) = digits(&after[name.len()..]);
            suffixes.push((
                weight,
                if number.is_empty() {
                    "0".into()
                } else {
                    number.into()
                },
            ));
            rest = tail;
        }
        if let Some(after) = rest.strip_prefix('~') {
            let end = after
                .find(|c: char| !matches!(c, '0'..='9' | 'a'..='f'))
                .unwrap_or(after.len());
            if end > 0 {
                rest = &after[end..];
            }
        }
        let mut revision = "0".to_string();
        let mut invalid = false;
        if let Some(after) = rest.strip_prefix("-r") {
            let (number, tail) = digits(after);
            if !number.is_empty() {
                revision = number.to_string();
            }
            rest = tail;
        } else if !rest.is_empty() {
            invalid = true;
        }
        ApkVersion {
            original: text.to_string(),
            numbers,
            letter,
            suffixes,
            revision,
            leftover: !rest.is_empty(),
            invalid,
        }
    }

    fn number(&self, i: usize) -> &str {
        self.numbers.get(i).map_or("0", String::as_str)
    }

    fn suffix(&self, i: usize) -> (usize, &str) {
        self.suffixes
            .get(i)
            .map_or((NO_SUFFIX, "0"), |(w, n)| (*w, n.as_str()))
    }
}

fn compare_number(index: usize, a: &str, b: &str) -> Ordering {
    if index > 0 && (a.starts_with('0') || b.starts_with('0')) {
        a.cmp(b)
    } else {
        compare_digits(a, b)
    }
}

impl Ord for ApkVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.invalid && other.invalid {
            return self.original.cmp(&other.original);
        }
        let numbers = (0..self.numbers.len().max(other.numbers.len()))
            .map(|i| compare_number(i, self.number(i), other.number(i)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal);
        let suffixes = || {
            (0..self.suffixes.len().max(other.suffixes.len()))
                .map(|i| {
                    let ((wa, na), (wb, nb)) = (self.suffix(i), other.suffix(i));
                    wa.cmp(&wb).then_with(|| compare_digits(na, nb))
                })
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        };
        numbers
            .then_with(|| self.letter.cmp(&other.letter))
            .then_with(suffixes)
            .then_with(|| compare_digits(&self.revision, &other.revision))
            .then_with(|| other.leftover.cmp(&self.leftover))
    }
}

impl PartialOrd for ApkVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        ApkVersion::parse(a).cmp(&ApkVersion::parse(b))
    }

    #[test]
    fn apk_rules() {
        assert_eq!(cmp("1.2.3-r1", "1.2.3-r0"), Ordering::Greater);
        assert_eq!(cmp("1.2.3_rc1", "1.2.3"), Ordering::Less);
        assert_eq!(cmp("1.2.3_p1", "1.2.3"), Ordering::Greater);
        assert_eq!(cmp("1.2.3a", "1.2.3"), Ordering::Greater);
        assert_eq!(cmp("1.02", "1.1"), Ordering::Less);
        assert_eq!(cmp("1-r01", "1-r1"), Ordering::Equal);
        assert_eq!(cmp("1.0~abc123-r2", "1.0-r2"), Ordering::Equal);
    }
}
