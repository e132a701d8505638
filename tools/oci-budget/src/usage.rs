//! Amounts of usage that may be known exactly or only from below, and the usage of one
//! resource: what it adds to each limit, by limit id.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::finding::Finding;
use crate::region::Region;

/// An amount of usage: exact, or the lower bound of a value unknown until apply.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Amount {
    /// The value, or its lower bound when not exact.
    pub value: f64,
    /// False when `value` is only a lower bound.
    pub exact: bool,
}

impl Amount {
    /// An exactly known amount.
    pub fn exact(value: f64) -> Amount {
        Amount { value, exact: true }
    }

    /// An amount known only to be at least `value`.
    pub fn at_least(value: f64) -> Amount {
        Amount {
            value,
            exact: false,
        }
    }

    /// Nothing.
    pub fn zero() -> Amount {
        Amount::exact(0.0)
    }

    /// Both amounts together.
    pub fn plus(self, other: Amount) -> Amount {
        Amount {
            value: self.value + other.value,
            exact: self.exact && other.exact,
        }
    }

    /// The larger of two amounts; a bound stays a bound.
    pub fn max(self, other: Amount) -> Amount {
        Amount {
            value: self.value.max(other.value),
            exact: self.exact && other.exact,
        }
    }

    /// The amount scaled by a known factor (hours per month).
    pub fn times(self, factor: f64) -> Amount {
        Amount {
            value: self.value * factor,
            exact: self.exact,
        }
    }
}

/// What one resource adds to each limit, and what it raises.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage {
    /// Amount per limit id.
    pub amounts: BTreeMap<String, Amount>,
    /// Findings about the resource.
    pub findings: Vec<Finding>,
    /// The region it lives in, when the attributes tell.
    pub region: Option<Region>,
}

impl Usage {
    /// Adds an amount to a limit.
    pub fn add(&mut self, id: &str, amount: Amount) {
        let entry = self
            .amounts
            .entry(id.to_string())
            .or_insert_with(Amount::zero);
        *entry = entry.plus(amount);
    }
}

/// Sums per-limit amounts into totals.
pub fn add_into(totals: &mut BTreeMap<String, Amount>, amounts: &BTreeMap<String, Amount>) {
    for (id, amount) in amounts {
        let entry = totals.entry(id.clone()).or_insert_with(Amount::zero);
        *entry = entry.plus(*amount);
    }
}

/// Per-limit amounts combined by `f`, over the ids of either side.
pub fn combine(
    a: &BTreeMap<String, Amount>,
    b: &BTreeMap<String, Amount>,
    f: impl Fn(Amount, Amount) -> Amount,
) -> BTreeMap<String, Amount> {
    let ids = a.keys().chain(b.keys());
    ids.map(|id| {
        let left = a.get(id).copied().unwrap_or_else(Amount::zero);
        let right = b.get(id).copied().unwrap_or_else(Amount::zero);
        (id.clone(), f(left, right))
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_stay_bounds() {
        let sum = Amount::exact(50.0).plus(Amount::at_least(47.0));
        assert_eq!(sum, Amount::at_least(97.0));
        assert_eq!(
            Amount::exact(2.0).max(Amount::exact(3.0)),
            Amount::exact(3.0)
        );
        assert!(!Amount::exact(9.0).max(Amount::at_least(1.0)).exact);
        assert_eq!(Amount::exact(2.0).times(744.0), Amount::exact(1488.0));
    }

    #[test]
    fn combine_covers_ids_of_both_sides() {
        let a = BTreeMap::from([("x".to_string(), Amount::exact(1.0))]);
        let b = BTreeMap::from([("y".to_string(), Amount::exact(2.0))]);
        let sum = combine(&a, &b, Amount::plus);
        assert_eq!(sum.len(), 2);
        let mut totals = BTreeMap::new();
        add_into(&mut totals, &sum);
        add_into(&mut totals, &a);
        assert_eq!(totals["x"], Amount::exact(2.0));
    }
}
