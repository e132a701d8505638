//! The Debian package version order of `dpkg --compare-versions` (also used by Ubuntu):
//! `[epoch:]upstream[-revision]`, compared part by part with dpkg's rules for letters, digits
//! and `~`.

use std::cmp::Ordering;

use super::semver::compare_digits;

/// The largest epoch dpkg accepts (`INT_MAX`).
const MAX_EPOCH: &str = "2147483647";

/// A Debian version split into epoch, upstream version and revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebianVersion {
    epoch: String,
    upstream: String,
    revision: String,
}

impl DebianVersion {
    /// Splits a version string; what dpkg rejects (embedded spaces, an epoch that is not a
    /// number below 2^31, an empty upstream version or revision) is an error here too.
    pub fn parse(text: &str) -> Result<DebianVersion, String> {
        let text = text.trim();
        if text.contains(char::is_whitespace) {
            return Err(format!("{text:?} has embedded spaces"));
        }
        let (epoch, rest) = match text.split_once(':') {
            Some((epoch, rest)) => {
                if epoch.is_empty() || !epoch.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!("epoch of {text:?} is not a number"));
                }
                if compare_digits(epoch, MAX_EPOCH).is_gt() {
                    return Err(format!("epoch of {text:?} is too big"));
                }
                (epoch.to_string(), rest)
            }
            None => ("0".to_string(), text),
        };
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((_, "")) => return Err(format!("{text:?} has an empty revision")),
            Some((upstream, revision)) => (upstream, revision),
            None => (rest, ""),
        };
        if upstream.is_empty() {
            return Err(format!("{text:?} has no upstream version"));
        }
        Ok(DebianVersion {
            epoch,
            upstream: upstream.to_string(),
            revision: revision.to_string(),
        })
    }
}

/// The weight of one character in the non-digit parts: `~` before the end of the string,
/// the end before letters, letters before everything else.
fn weight(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's `verrevcmp`: alternating non-digit and digit runs.
fn compare_part(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        loop {
            let ca = a.get(i).copied().filter(|c| !c.is_ascii_digit());
            let cb = b.get(j).copied().filter(|c| !c.is_ascii_digit());
            if ca.is_none() && cb.is_none() {
                break;
            }
            let order = weight(ca).cmp(&weight(cb));
            if order.is_ne() {
                return order;
            }
            i += 1;
            j += 1;
        }
        let start_a = i;
        while i < a.len() && a[i].is_ascii_digit() {
            i += 1;
        }
        let start_b = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let order = compare_digit_run(&a[start_a..i], &b[start_b..j]);
        if order.is_ne() {
            return order;
        }
    }
    Ordering::Equal
}

fn compare_digit_run(a: &[u8], b: &[u8]) -> Ordering {
    let a = std::str::from_utf8(a).unwrap_or("");
    let b = std::str::from_utf8(b).unwrap_or("");
    compare_digits(a, b)
}

impl Ord for DebianVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_digits(&self.epoch, &other.epoch)
            .then_with(|| compare_part(&self.upstream, &other.upstream))
            .then_with(|| compare_part(&self.revision, &other.revision))
    }
}

impl PartialOrd for DebianVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        DebianVersion::parse(a)
            .unwrap()
            .cmp(&DebianVersion::parse(b).unwrap())
    }

    #[test]
    fn epochs_win() {
        assert_eq!(cmp("1:1.0", "2.0"), Ordering::Greater);
        assert_eq!(cmp("0:1.0", "1.0"), Ordering::Equal);
    }

    #[test]
    fn tilde_sorts_first() {
        assert_eq!(cmp("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.2.3-1~deb7u1", "1.2.3-1"), Ordering::Less);
        assert_eq!(cmp("1.0~~", "1.0~"), Ordering::Less);
    }

    #[test]
    fn leading_zeros_are_equal() {
        assert_eq!(
            cmp("8.03.3-03+deb11u1", "8.03.3-3+deb11u1"),
            Ordering::Equal
        );
    }

    #[test]
    fn letters_before_symbols() {
        assert_eq!(cmp("1.0a", "1.0+"), Ordering::Less);
        assert_eq!(cmp("1.0", "1.0a"), Ordering::Less);
    }

    #[test]
    fn bad_epochs_are_rejected() {
        assert!(DebianVersion::parse("a:1.0").is_err());
        assert!(DebianVersion::parse("1:").is_err());
        assert!(DebianVersion::parse("1.0-").is_err());
        assert!(DebianVersion::parse("1.0 x").is_err());
        assert!(DebianVersion::parse("2147483648:1").is_err());
        assert!(DebianVersion::parse("2147483647:1").is_ok());
    }
}
