//! The Packagist (Composer) order of PHP's `version_compare`: `-`, `_` and `+` separate
//! parts, letters and digits are split apart, numbers compare as numbers (up to 2^63 - 1, as
//! PHP reads them) and words by rank (`dev` < `alpha` = `a` < `beta` = `b` < `RC` = `rc` < a
//! number < `pl` = `p`); the empty string sorts first. A leading `v` is dropped, as Composer
//! does. Where PHP is not an order (a part left empty by a trailing separator, which it can
//! call less than the same version), this order stays consistent instead.

use std::cmp::Ordering;

use super::semver::compare_digits;

/// A version split into PHP's canonical parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhpVersion {
    parts: Vec<String>,
}

/// The largest number PHP reads from a part (`strtol` stops at `LONG_MAX`), so longer numbers
/// compare equal, as in `version_compare`.
const LONG_MAX: &str = "9223372036854775807";

impl PhpVersion {
    /// Canonicalises any string the way `version_compare` does.
    pub fn parse(text: &str) -> PhpVersion {
        let text = text.trim();
        let text = text
            .strip_prefix(['v', 'V'])
            .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
            .unwrap_or(text);
        let canonical = canonical(text);
        let parts = if canonical.is_empty() {
            Vec::new()
        } else {
            canonical.split('.').map(str::to_string).collect()
        };
        PhpVersion { parts }
    }
}

fn canonical(text: &str) -> String {
    let bytes = text.as_bytes();
    let Some((&first, rest)) = bytes.split_first() else {
        return String::new();
    };
    let digit = |c: u8| c.is_ascii_digit();
    let other = |c: u8| !c.is_ascii_digit() && c != b'.';
    let mut out = vec![first];
    let mut last = first;
    for &c in rest {
        let needs_dot = out.last() != Some(&b'.');
        if matches!(c, b'-' | b'_' | b'+') {
            if needs_dot {
                out.push(b'.');
            }
        } else if (other(last) && digit(c)) || (digit(last) && other(c)) {
            if needs_dot {
                out.push(b'.');
            }
            out.push(c);
        } else if !c.is_ascii_alphanumeric() {
            if needs_dot {
                out.push(b'.');
            }
        } else {
            out.push(c);
        }
        last = c;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The rank of a word part; PHP matches by prefix, in this order.
fn rank(part: &str) -> i32 {
    const FORMS: &[(&str, i32)] = &[
        ("dev", 0),
        ("alpha", 1),
        ("a", 1),
        ("beta", 2),
        ("b", 2),
        ("RC", 3),
        ("rc", 3),
        ("#", 4),
        ("pl", 5),
        ("p", 5),
    ];
    FORMS
        .iter()
        .find(|(form, _)| part.starts_with(form))
        .map_or(-6, |(_, r)| *r)
}

fn is_number(part: &str) -> bool {
    part.as_bytes().first().is_some_and(u8::is_ascii_digit)
}

fn leading_digits(part: &str) -> &str {
    let end = part
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(part.len());
    &part[..end]
}

fn clamped(digits: &str) -> &str {
    if compare_digits(digits, LONG_MAX).is_gt() {
        LONG_MAX
    } else {
        digits
    }
}

fn compare_part(a: &str, b: &str) -> Ordering {
    match (is_number(a), is_number(b)) {
        (true, true) => compare_digits(clamped(leading_digits(a)), clamped(leading_digits(b))),
        (false, false) => rank(a).cmp(&rank(b)),
        (true, false) => rank("#").cmp(&rank(b)),
        (false, true) => rank(a).cmp(&rank("#")),
    }
}

impl Ord for PhpVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.parts.is_empty(), other.parts.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => {}
        }
        for (a, b) in self.parts.iter().zip(&other.parts) {
            let order = compare_part(a, b);
            if order.is_ne() {
                return order;
            }
        }
        let (a, b) = (self.parts.len(), other.parts.len());
        match a.cmp(&b) {
            Ordering::Equal => Ordering::Equal,
            Ordering::Greater => tail_order(&self.parts[b]),
            Ordering::Less => tail_order(&other.parts[a]).reverse(),
        }
    }
}

/// How a version with one more part compares to the shorter one: a number makes it newer,
/// a word compares with the rank of a number.
fn tail_order(extra: &str) -> Ordering {
    if is_number(extra) {
        Ordering::Greater
    } else {
        rank(extra).cmp(&rank("#"))
    }
}

impl PartialOrd for PhpVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        PhpVersion::parse(a).cmp(&PhpVersion::parse(b))
    }

    #[test]
    fn php_rules() {
        assert_eq!(cmp("1.2", "1.2.0"), Ordering::Less);
        assert_eq!(cmp("1.0rc1", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0-dev", "1.0a1"), Ordering::Less);
        assert_eq!(cmp("1.0pl1", "1.0"), Ordering::Greater);
        assert_eq!(cmp("v1.0pl1", "1.0pl1"), Ordering::Equal);
        assert_eq!(cmp("1.0RC1", "1.0rc1"), Ordering::Equal);
        assert_eq!(cmp("", "1"), Ordering::Less);
        assert_eq!(cmp("", "dev"), Ordering::Less);
        assert_eq!(
            cmp("99999999999999999999", "9223372036854775807"),
            Ordering::Equal
        );
    }
}
