//! Exponential backoff with jitter between failed attempts.

use std::time::Duration;

/// Doubling delays from `interval` up to `max`, each drawn between half and all of its step so
/// that many waiters do not retry in lockstep.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// The first delay.
    pub interval: Duration,
    /// The largest delay.
    pub max: Duration,
}

impl Backoff {
    /// The delay after the `failures`-th consecutive failure (1-based).
    pub fn delay(&self, failures: u32) -> Duration {
        let step = self.step(failures);
        let half = step / 2;
        let spread = u64::try_from((step - half).as_millis()).unwrap_or(u64::MAX);
        half + Duration::from_millis(fastrand::u64(0..=spread))
    }

    /// The delay before jitter.
    fn step(&self, failures: u32) -> Duration {
        let factor = 1u32
            .checked_shl(failures.saturating_sub(1).min(20))
            .unwrap_or(u32::MAX);
        self.interval
            .saturating_mul(factor)
            .min(self.max)
            .max(self.interval.min(self.max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_double_up_to_the_cap() {
        let b = Backoff {
            interval: Duration::from_secs(1),
            max: Duration::from_secs(15),
        };
        let steps: Vec<u64> = (1..=6).map(|n| b.step(n).as_secs()).collect();
        assert_eq!(steps, [1, 2, 4, 8, 15, 15]);
        assert_eq!(b.step(u32::MAX).as_secs(), 15);
    }

    #[test]
    fn jitter_stays_between_half_and_the_step() {
        let b = Backoff {
            interval: Duration::from_millis(400),
            max: Duration::from_secs(2),
        };
        for n in 1..10 {
            let d = b.delay(n);
            assert!(d >= b.step(n) / 2 && d <= b.step(n), "{d:?} for {n}");
        }
    }
}
