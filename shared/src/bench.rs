//! Benchmark headlines in one shape, so that `make bench` can show every tool's results in one
//! table. Each benchmark still prints its own report; when `BENCH_RESULTS` names a file, its
//! headline figures are also appended there, one tab-separated line each.

use std::io::Write as _;

/// The environment variable naming the file that collects headline figures.
pub const RESULTS_VAR: &str = "BENCH_RESULTS";

/// One headline figure of a benchmark, set against the target the tool promises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headline<'a> {
    /// The tool measured (`qcow-size`).
    pub tool: &'a str,
    /// What was measured, in a few words (`8 GiB image, 512 B clusters: --check`).
    pub measure: &'a str,
    /// The figure, with its unit (`28.3 ms`, `55x`).
    pub value: String,
    /// The target, with its unit (`>= 50x qemu-img check`).
    pub target: &'a str,
    /// Whether the figure meets the target.
    pub met: bool,
}

impl Headline<'_> {
    /// The line appended to the results file: tool, measure, value, target, `met`/`missed`.
    pub fn line(&self) -> String {
        let verdict = if self.met { "met" } else { "missed" };
        [self.tool, self.measure, &self.value, self.target, verdict]
            .iter()
            .map(|field| field.replace(['\t', '\n'], " "))
            .collect::<Vec<_>>()
            .join("\t")
    }

    /// Appends the line to the file `BENCH_RESULTS` names; does nothing when it is unset.
    pub fn record(&self) -> std::io::Result<()> {
        let Some(path) = std::env::var_os(RESULTS_VAR) else {
            return Ok(());
        };
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        writeln!(file, "{}", self.line())
    }
}

/// Appends one headline to the file `BENCH_RESULTS` names, if it is set.
pub fn record(
    tool: &str,
    measure: &str,
    value: String,
    target: &str,
    met: bool,
) -> std::io::Result<()> {
    Headline {
        tool,
        measure,
        value,
        target,
        met,
    }
    .record()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_has_five_fields_and_no_stray_separators() {
        let headline = Headline {
            tool: "qcow-size",
            measure: "scan\tof a\nsparse image",
            value: "10.6 ms".into(),
            target: "< 20 ms",
            met: true,
        };
        assert_eq!(
            headline.line(),
            "qcow-size\tscan of a sparse image\t10.6 ms\t< 20 ms\tmet"
        );
        let missed = Headline {
            met: false,
            ..headline
        };
        assert!(missed.line().ends_with("\tmissed"));
    }
}
