//! The RubyGems order of `Gem::Version`: segments are runs of digits or letters (`-` reads
//! as `.pre.`), trailing zeros of the release and pre-release parts do not count, a letter
//! segment sorts before any number, and letters compare as text.

use std::cmp::Ordering;

use super::semver::compare_digits;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Number(String),
    Text(String),
}

impl Segment {
    fn is_zero(&self) -> bool {
        matches!(self, Segment::Number(n) if n.bytes().all(|b| b == b'0'))
    }

    fn compare(&self, other: &Segment) -> Ordering {
        match (self, other) {
            (Segment::Number(a), Segment::Number(b)) => compare_digits(a, b),
            (Segment::Text(a), Segment::Text(b)) => a.cmp(b),
            (Segment::Text(_), Segment::Number(_)) => Ordering::Less,
            (Segment::Number(_), Segment::Text(_)) => Ordering::Greater,
        }
    }
}

/// A RubyGems version reduced to its canonical segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GemVersion {
    segments: Vec<Segment>,
}

impl GemVersion {
    /// Parses any string, as leniently as the matcher needs (text that is neither digit nor
    /// letter only separates segments).
    pub fn parse(text: &str) -> GemVersion {
        let text = text.trim().replace('-', ".pre.");
        let mut segments = Vec::new();
        let mut current = String::new();
        for c in text.chars() {
            let continues = current
                .chars()
                .next()
                .is_some_and(|first| first.is_ascii_digit() == c.is_ascii_digit());
            if !c.is_ascii_alphanumeric() || !continues {
                push(&mut segments, std::mem::take(&mut current));
            }
            if c.is_ascii_alphanumeric() {
                current.push(c);
            }
        }
        push(&mut segments, current);
        GemVersion {
            segments: canonical(segments),
        }
    }
}

fn push(segments: &mut Vec<Segment>, run: String) {
    if run.is_empty() {
        return;
    }
    if run.bytes().all(|b| b.is_ascii_digit()) {
        segments.push(Segment::Number(run));
    } else {
        segments.push(Segment::Text(run));
    }
}

/// Drops trailing zeros from the release part and from the pre-release part.
fn canonical(mut segments: Vec<Segment>) -> Vec<Segment> {
    let split = segments
        .iter()
        .position(|s| matches!(s, Segment::Text(_)))
        .unwrap_or(segments.len());
    let mut pre = segments.split_off(split);
    while segments.last().is_some_and(Segment::is_zero) {
        segments.pop();
    }
    while pre.last().is_some_and(Segment::is_zero) {
        pre.pop();
    }
    segments.extend(pre);
    segments
}

impl Ord for GemVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let zero = Segment::Number("0".into());
        let len = self.segments.len().max(other.segments.len());
        (0..len)
            .map(|i| {
                let a = self.segments.get(i).unwrap_or(&zero);
                let b = other.segments.get(i).unwrap_or(&zero);
                a.compare(b)
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

impl PartialOrd for GemVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        GemVersion::parse(a).cmp(&GemVersion::parse(b))
    }

    #[test]
    fn prereleases_and_zeros() {
        assert_eq!(cmp("1.0.0", "1"), Ordering::Equal);
        assert_eq!(cmp("1.0.a", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0.0-rc1", "1.0.0"), Ordering::Less);
        assert_eq!(cmp("1.0.b1", "1.0.a2"), Ordering::Greater);
        assert_eq!(cmp("1.10", "1.9"), Ordering::Greater);
        assert_eq!(cmp("1.a.0", "1.a"), Ordering::Equal);
    }
}
