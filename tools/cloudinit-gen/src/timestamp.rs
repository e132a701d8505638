//! The one timestamp every image carries: `SOURCE_DATE_EPOCH` when set, a fixed date otherwise,
//! so that the same spec always gives the same bytes.

use anyhow::{Result, bail};

/// A UTC calendar date and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    /// Year, such as 2024.
    pub year: i64,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day of the month, 1 to 31.
    pub day: u8,
    /// Hour, 0 to 23.
    pub hour: u8,
    /// Minute, 0 to 59.
    pub minute: u8,
    /// Second, 0 to 59.
    pub second: u8,
}

/// Largest epoch an ISO 9660 directory record can hold (year 2155).
const MAX_EPOCH: i64 = 5_933_548_799;

impl DateTime {
    /// The UTC calendar time of seconds since 1970-01-01.
    pub fn from_epoch(epoch: i64) -> DateTime {
        let days = epoch.div_euclid(86_400);
        let secs = epoch.rem_euclid(86_400);
        let (year, month, day) = shared::time::civil_from_days(days);
        DateTime {
            year,
            month: month as u8,
            day: day as u8,
            hour: (secs / 3600) as u8,
            minute: (secs / 60 % 60) as u8,
            second: (secs % 60) as u8,
        }
    }
}

/// The image timestamp from the value of `SOURCE_DATE_EPOCH` (`None` when unset: 0).
pub fn from_env_value(value: Option<&str>) -> Result<i64> {
    let Some(text) = value else { return Ok(0) };
    match text.trim().parse::<i64>() {
        Ok(epoch) if (0..=MAX_EPOCH).contains(&epoch) => Ok(epoch),
        _ => {
            bail!("SOURCE_DATE_EPOCH: expected seconds since 1970 (0 to {MAX_EPOCH}), got {text:?}")
        }
    }
}

/// The image timestamp from the environment.
pub fn source_date_epoch() -> Result<i64> {
    let value = std::env::var("SOURCE_DATE_EPOCH").ok();
    from_env_value(value.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_to_calendar() {
        let t = DateTime::from_epoch(0);
        assert_eq!((t.year, t.month, t.day, t.hour), (1970, 1, 1, 0));
        let t = DateTime::from_epoch(1_700_000_000);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.second),
            (2023, 11, 14, 22, 13, 20)
        );
        let t = DateTime::from_epoch(951_782_400);
        assert_eq!((t.year, t.month, t.day), (2000, 2, 29));
    }

    #[test]
    fn environment_values() {
        assert_eq!(from_env_value(None).unwrap(), 0);
        assert_eq!(from_env_value(Some("1700000000")).unwrap(), 1_700_000_000);
        assert!(from_env_value(Some("yesterday")).is_err());
        assert!(from_env_value(Some("-5")).is_err());
    }
}
