//! The RPM order of `rpm`'s version comparison (Red Hat, SUSE, AlmaLinux, Rocky Linux and the
//! other RPM distributions): `[epoch:]version[-release]`, epochs first (none is 0), then the
//! versions and the releases with `rpmvercmp`. A missing release sorts before any release.

use std::cmp::Ordering;

use super::semver::compare_digits;

/// An RPM version split into epoch, version and release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpmVersion {
    epoch: String,
    version: String,
    release: Option<String>,
}

impl RpmVersion {
    /// Splits `[epoch:]version[-release]` as `rpm` does: the epoch is the run of digits
    /// before a `:` at the start, the release what follows the last `-`.
    pub fn parse(text: &str) -> RpmVersion {
        let digits = text.bytes().take_while(u8::is_ascii_digit).count();
        let (epoch, rest) = match text[digits..].strip_prefix(':') {
            Some(rest) if digits > 0 => (&text[..digits], rest),
            Some(rest) => ("0", rest),
            None => ("0", text),
        };
        let (version, release) = match rest.rsplit_once('-') {
            Some((version, release)) => (version, Some(release.to_string())),
            None => (rest, None),
        };
        RpmVersion {
            epoch: epoch.to_string(),
            version: version.to_string(),
            release,
        }
    }
}

/// Skips what `rpmvercmp` skips between segments: anything but ASCII letters, digits, `~`
/// and `^`.
fn skip_separators(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|c| c.is_ascii_alphanumeric() || matches!(c, b'~' | b'^'))
        .unwrap_or(s.len());
    &s[start..]
}

/// Splits off the leading run of digits (`numeric`) or of letters.
fn segment(s: &[u8], numeric: bool) -> (&[u8], &[u8]) {
    let end = s
        .iter()
        .position(|c| {
            if numeric {
                !c.is_ascii_digit()
            } else {
                !c.is_ascii_alphabetic()
            }
        })
        .unwrap_or(s.len());
    s.split_at(end)
}

/// `rpmvercmp`: segments of digits or letters compared in turn (digits numerically, and
/// newer than letters); `~` sorts before anything, even the end; `^` after the end but
/// before anything else.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (mut one, mut two) = (a.as_bytes(), b.as_bytes());
    loop {
        one = skip_separators(one);
        two = skip_separators(two);
        match (one.first(), two.first()) {
            (Some(b'~'), Some(b'~')) | (Some(b'^'), Some(b'^')) => {
                one = &one[1..];
                two = &two[1..];
                continue;
            }
            (Some(b'~'), _) => return Ordering::Less,
            (_, Some(b'~')) => return Ordering::Greater,
            (None, Some(b'^')) => return Ordering::Less,
            (Some(b'^'), None) => return Ordering::Greater,
            (Some(b'^'), _) => return Ordering::Less,
            (_, Some(b'^')) => return Ordering::Greater,
            (None, _) | (_, None) => break,
            (Some(first), Some(_)) => {
                let numeric = first.is_ascii_digit();
                let (left, rest_one) = segment(one, numeric);
                let (right, rest_two) = segment(two, numeric);
                if right.is_empty() {
                    return if numeric {
                        Ordering::Greater
                    } else {
                        Ordering::Less
                    };
                }
                let order = if numeric {
                    compare_digits(ascii(left), ascii(right))
                } else {
                    left.cmp(right)
                };
                if order.is_ne() {
                    return order;
                }
                one = rest_one;
                two = rest_two;
            }
        }
    }
    one.len().min(1).cmp(&two.len().min(1))
}

/// ASCII bytes as text (segments are ASCII by construction).
fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or("")
}

impl Ord for RpmVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        rpmvercmp(&self.epoch, &other.epoch)
            .then_with(|| rpmvercmp(&self.version, &other.version))
            .then_with(|| match (&self.release, &other.release) {
                (Some(a), Some(b)) => rpmvercmp(a, b),
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
            })
    }
}

impl PartialOrd for RpmVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        RpmVersion::parse(a).cmp(&RpmVersion::parse(b))
    }

    #[test]
    fn rpm_rules() {
        assert_eq!(cmp("1:1.0", "2.0"), Ordering::Greater);
        assert_eq!(cmp("0:1.0", "1.0"), Ordering::Equal);
        assert_eq!(cmp("1.0-2", "1.0-10"), Ordering::Less);
        assert_eq!(cmp("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0^1", "1.0"), Ordering::Greater);
        assert_eq!(cmp("1.0^1", "1.0.1"), Ordering::Less);
        assert_eq!(cmp("1.0", "1.0-1"), Ordering::Less);
        assert_eq!(cmp("1.0a", "1.0"), Ordering::Greater);
        assert_eq!(cmp("1.0", "1.0.0"), Ordering::Less);
        assert_eq!(cmp("1.01", "1.1"), Ordering::Equal);
        assert_eq!(cmp("1.a", "1.1"), Ordering::Less);
    }
}
