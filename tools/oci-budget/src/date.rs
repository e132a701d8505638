//! Calendar dates (`YYYY-MM-DD`) for picking the edition of the limits in force on a day.

use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Result, bail};

/// A day of the proleptic Gregorian calendar, ordered by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    year: i32,
    month: u32,
    day: u32,
}

impl Date {
    /// The date from its parts, rejecting days a month does not have.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        let valid = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }

    /// Today in UTC, from the system clock.
    pub fn today() -> Date {
        let seconds = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days_since_epoch((seconds / 86_400) as i64)
    }

    /// The date `days` after 1970-01-01.
    pub fn from_days_since_epoch(days: i64) -> Date {
        let (year, month, day) = shared::time::civil_from_days(days);
        Date {
            year: year as i32,
            month,
            day,
        }
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl FromStr for Date {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> Result<Date> {
        let parts: Vec<&str> = text.split('-').collect();
        let [y, m, d] = parts.as_slice() else {
            bail!("{text:?}: expected a date as YYYY-MM-DD");
        };
        let all_digits =
            |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
        if !(all_digits(y, 4) && all_digits(m, 2) && all_digits(d, 2)) {
            bail!("{text:?}: expected a date as YYYY-MM-DD");
        }
        let parsed = (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>());
        match parsed {
            (Ok(y), Ok(m), Ok(d)) => {
                Date::new(y, m, d).ok_or_else(|| anyhow::anyhow!("{text:?}: no such day"))
            }
            _ => bail!("{text:?}: expected a date as YYYY-MM-DD"),
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let date: Date = "2026-06-15".parse().unwrap();
        assert_eq!(date.to_string(), "2026-06-15");
        assert!(date > "2026-06-14".parse().unwrap());
    }

    #[test]
    fn rejects_malformed_dates() {
        for bad in [
            "",
            "2026-6-15",
            "2026-02-30",
            "2026-13-01",
            "20260615",
            "2026-06-1x",
            "+026-06-15",
        ] {
            assert!(bad.parse::<Date>().is_err(), "{bad} should be rejected");
        }
        assert!("2024-02-29".parse::<Date>().is_ok());
    }

    #[test]
    fn counts_days_from_the_epoch() {
        assert_eq!(Date::from_days_since_epoch(0).to_string(), "1970-01-01");
        assert_eq!(
            Date::from_days_since_epoch(20_619).to_string(),
            "2026-06-15"
        );
        assert_eq!(Date::from_days_since_epoch(-1).to_string(), "1969-12-31");
    }
}
