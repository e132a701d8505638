//! The live status view for people: one line per check, redrawn in place on stderr when stderr
//! is a terminal. It never touches stdout.

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use crate::records::{CheckState, Status};

/// A redrawable block of status lines.
#[derive(Debug)]
pub struct Live {
    drawn: usize,
    color: bool,
    width: usize,
}

impl Live {
    /// The view, when stderr is a terminal; colour unless `NO_COLOR` is set and non-empty.
    pub fn on_terminal() -> Option<Live> {
        if !io::stderr().is_terminal() {
            return None;
        }
        let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(100);
        Some(Live {
            drawn: 0,
            color,
            width,
        })
    }

    /// Redraws the block.
    pub fn draw(&mut self, checks: &[CheckState], elapsed: Duration) {
        let text = self.render(checks, elapsed);
        let mut err = io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
        let _ = err.flush();
        self.drawn = checks.len() + 1;
    }

    fn render(&self, checks: &[CheckState], elapsed: Duration) -> String {
        let mut text = String::new();
        if self.drawn > 0 {
            let _ = write!(text, "\x1b[{}F", self.drawn);
        }
        let passed = checks.iter().filter(|c| c.status == Status::Passed).count();
        let header = format!(
            "talos-wait: {passed}/{} checks passed, {}s",
            checks.len(),
            elapsed.as_secs()
        );
        let _ = writeln!(text, "\x1b[2K{}", self.clip(&header));
        for check in checks {
            let (mark, colour) = match check.status {
                Status::Passed => ("ok", "32"),
                Status::Failed => ("..", "33"),
                Status::Pending => ("  ", "2"),
            };
            let line = self.clip(&format!("{mark} {:<14} {}", check.check, check.detail));
            if self.color {
                let _ = writeln!(text, "\x1b[2K\x1b[{colour}m{line}\x1b[0m");
            } else {
                let _ = writeln!(text, "\x1b[2K{line}");
            }
        }
        text
    }

    fn clip(&self, line: &str) -> String {
        line.chars()
            .take(self.width.saturating_sub(1).max(20))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redraws_in_place_and_clips() {
        let mut live = Live {
            drawn: 0,
            color: false,
            width: 40,
        };
        let checks = vec![CheckState {
            check: "apiserver".into(),
            target: "t".into(),
            status: Status::Failed,
            attempts: 1,
            detail: "connection refused, and a long explanation after it".into(),
        }];
        let first = live.render(&checks, Duration::from_secs(3));
        assert!(first.starts_with("\x1b[2Ktalos-wait: 0/1 checks passed, 3s\n"));
        assert!(
            first
                .lines()
                .all(|l| l.trim_start_matches("\x1b[2K").chars().count() <= 39)
        );
        assert!(first.contains(".. apiserver      connection refused"));
        live.drawn = 2;
        assert!(live.render(&checks, Duration::ZERO).starts_with("\x1b[2F"));
    }
}
