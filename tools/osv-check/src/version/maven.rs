//! The Maven order of `ComparableVersion` (maven-artifact 3.8.7 and later): a version is a
//! list of number and qualifier items split at `.`, `-` and digit/letter changes, with a
//! sub-list after each `-` and before a qualifier that follows other items (`1.0.RC1` reads
//! as `1.0-RC1`); trailing "null" items (0, release qualifiers) do not count; qualifiers rank
//! `alpha` < `beta` < `milestone` < `rc` < `snapshot` < release < `sp` < any other (compared
//! as text). Only ASCII digits are digits (Java also reads other Unicode digits).

use std::cmp::Ordering;

use super::semver::compare_digits;

/// One item of a Maven version.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Int(String),
    Text(String),
    List(Vec<Item>),
}

const QUALIFIERS: &[&str] = &["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

/// The rank of a qualifier as text, so that unknown qualifiers sort after known ones and
/// among themselves by name.
fn comparable(qualifier: &str) -> String {
    match QUALIFIERS.iter().position(|q| *q == qualifier) {
        Some(i) => i.to_string(),
        None => format!("{}-{qualifier}", QUALIFIERS.len()),
    }
}

fn release_rank() -> String {
    comparable("")
}

fn text_item(value: &str, followed_by_digit: bool) -> Item {
    let value = match (followed_by_digit, value) {
        (true, "a") => "alpha",
        (true, "b") => "beta",
        (true, "m") => "milestone",
        (_, "ga" | "final" | "release") => "",
        (_, "cr") => "rc",
        (_, v) => v,
    };
    Item::Text(value.to_string())
}

fn int_item(digits: &str) -> Item {
    let trimmed = digits.trim_start_matches('0');
    Item::Int(if trimmed.is_empty() {
        "0".into()
    } else {
        trimmed.into()
    })
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Int(v) => v == "0",
            Item::Text(v) => comparable(v) == release_rank(),
            Item::List(items) => items.is_empty(),
        }
    }

    /// Compares with an item, or with nothing (`None`: the other version ended).
    fn compare(&self, other: Option<&Item>) -> Ordering {
        match (self, other) {
            (Item::Int(v), None) => {
                if v == "0" {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            (Item::Int(a), Some(Item::Int(b))) => compare_digits(a, b),
            (Item::Int(_), Some(_)) => Ordering::Greater,
            (Item::Text(v), None) => comparable(v).cmp(&release_rank()),
            (Item::Text(_), Some(Item::Int(_))) => Ordering::Less,
            (Item::Text(a), Some(Item::Text(b))) => comparable(a).cmp(&comparable(b)),
            (Item::Text(_), Some(Item::List(_))) => Ordering::Less,
            (Item::List(items), None) => items
                .iter()
                .map(|item| item.compare(None))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal),
            (Item::List(_), Some(Item::Int(_))) => Ordering::Less,
            (Item::List(_), Some(Item::Text(_))) => Ordering::Greater,
            (Item::List(a), Some(Item::List(b))) => compare_lists(a, b),
        }
    }
}

fn compare_lists(a: &[Item], b: &[Item]) -> Ordering {
    for i in 0..a.len().max(b.len()) {
        let order = match (a.get(i), b.get(i)) {
            (None, None) => Ordering::Equal,
            (None, Some(r)) => r.compare(None).reverse(),
            (Some(l), r) => l.compare(r),
        };
        if order.is_ne() {
            return order;
        }
    }
    Ordering::Equal
}

/// Removes trailing null items, stopping at the first item that is not null and not a list.
fn normalize(items: &mut Vec<Item>) {
    let mut i = items.len();
    while i > 0 {
        i -= 1;
        if items[i].is_null() {
            items.remove(i);
        } else if !matches!(items[i], Item::List(_)) {
            break;
        }
    }
}

/// A parsed Maven version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MavenVersion {
    items: Vec<Item>,
}

/// The parser's state: the stack of open lists (the last one receives items).
struct Parser {
    stack: Vec<Vec<Item>>,
}

impl Parser {
    fn push(&mut self, item: Item) {
        if let Some(top) = self.stack.last_mut() {
            top.push(item);
        }
    }

    fn open_list(&mut self) {
        self.stack.push(Vec::new());
    }

    /// A qualifier that follows other items of its list starts a sub-list, as after a `-`:
    /// `1.0.RC1` reads as `1.0-RC1`.
    fn nest_qualifier(&mut self) {
        if self.stack.last().is_some_and(|top| !top.is_empty()) {
            self.open_list();
        }
    }

    /// Closes every list from the innermost out, normalising each into its parent.
    fn finish(mut self) -> Vec<Item> {
        while self.stack.len() > 1 {
            let mut list = self.stack.pop().unwrap_or_default();
            normalize(&mut list);
            self.push(Item::List(list));
        }
        let mut root = self.stack.pop().unwrap_or_default();
        normalize(&mut root);
        root
    }
}

impl MavenVersion {
    /// Parses any string, as `ComparableVersion` does.
    pub fn parse(text: &str) -> MavenVersion {
        let version: Vec<char> = text.to_lowercase().chars().collect();
        let mut parser = Parser {
            stack: vec![Vec::new()],
        };
        let mut is_digit = false;
        let mut start = 0;
        let slice = |from: usize, to: usize| version[from..to].iter().collect::<String>();
        for (i, &c) in version.iter().enumerate() {
            if c == '.' || c == '-' {
                if i == start {
                    parser.push(Item::Int("0".into()));
                } else {
                    let part = slice(start, i);
                    parser.push(if is_digit {
                        int_item(&part)
                    } else {
                        text_item(&part, false)
                    });
                }
                start = i + 1;
                if c == '-' {
                    parser.open_list();
                }
            } else if c.is_ascii_digit() {
                if !is_digit && i > start {
                    parser.nest_qualifier();
                    parser.push(text_item(&slice(start, i), true));
                    start = i;
                    parser.open_list();
                }
                is_digit = true;
            } else {
                if is_digit && i > start {
                    parser.push(int_item(&slice(start, i)));
                    start = i;
                    parser.open_list();
                }
                is_digit = false;
            }
        }
        if version.len() > start {
            let part = slice(start, version.len());
            if is_digit {
                parser.push(int_item(&part));
            } else {
                parser.nest_qualifier();
                parser.push(text_item(&part, false));
            }
        }
        MavenVersion {
            items: parser.finish(),
        }
    }
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_lists(&self.items, &other.items)
    }
}

impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        MavenVersion::parse(a).cmp(&MavenVersion::parse(b))
    }

    #[test]
    fn maven_rules() {
        assert_eq!(cmp("1.0.RELEASE", "1.0"), Ordering::Equal);
        assert_eq!(cmp("1.0-SNAPSHOT", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0-alpha1", "1.0-beta1"), Ordering::Less);
        assert_eq!(cmp("1.0-sp1", "1.0"), Ordering::Greater);
        assert_eq!(cmp("1.0-foo", "1.0-sp"), Ordering::Greater);
        assert_eq!(cmp("1-0.1", "1.0.1"), Ordering::Less);
        assert_eq!(cmp("1.0.0", "1"), Ordering::Equal);
        assert_eq!(cmp("1.cr1", "1.rc1"), Ordering::Equal);
    }

    #[test]
    fn a_qualifier_after_a_dot_reads_as_after_a_hyphen() {
        assert_eq!(cmp("1.0.RC1", "1.0-RC1"), Ordering::Equal);
        assert_eq!(cmp("2.9.0-1", "2.9.0.RC1"), Ordering::Greater);
        assert_eq!(cmp("1.5.9.RC1", "1.5.9-RC0"), Ordering::Greater);
    }

    #[test]
    fn a_sub_list_counts_every_item_against_nothing() {
        assert_eq!(cmp("1-0.z", "1"), Ordering::Greater);
        assert_eq!(cmp("1-0.alpha", "1"), Ordering::Less);
    }
}
