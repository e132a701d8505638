//! The documentation of a tool beyond its flags (examples, exit status, environment), kept
//! beside its clap `Command` so that `--help`, the manual page and the completions come from
//! one source.

use std::fmt::Write as _;

use clap::Command;

/// A worked example: what it does, and the command line.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// One sentence on what the example shows.
    pub description: &'static str,
    /// The shell command, pipelines included.
    pub command: &'static str,
}

/// What a tool's manual page says beyond the flags.
#[derive(Debug, Clone, Copy)]
pub struct Manual {
    /// Worked examples, shown in `--help` and in the EXAMPLES section.
    pub examples: &'static [Example],
    /// Exit codes and what each means for this tool, for the EXIT STATUS section.
    pub exit_status: &'static [(u8, &'static str)],
    /// Environment variables the tool reads, for the ENVIRONMENT section.
    pub environment: &'static [(&'static str, &'static str)],
}

impl Manual {
    /// Adds the examples and exit codes to the command's long help (`--help`).
    pub fn decorate(&self, command: Command) -> Command {
        command.after_long_help(self.long_help())
    }

    /// The text shown after the options in `--help`.
    pub fn long_help(&self) -> String {
        let mut text = String::from("Examples:\n");
        for example in self.examples {
            let _ = writeln!(
                text,
                "  {}\n    $ {}\n",
                example.description, example.command
            );
        }
        text.push_str("Exit status:\n");
        for (code, meaning) in self.exit_status {
            let _ = writeln!(text, "  {code:<4}{meaning}");
        }
        if !self.environment.is_empty() {
            text.push_str("\nEnvironment:\n");
            for (name, meaning) in self.environment {
                let _ = writeln!(text, "  {name}\n      {meaning}");
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_help_lists_examples_and_codes() {
        let manual = Manual {
            examples: &[Example {
                description: "Show sizes.",
                command: "tool a.img | jq .",
            }],
            exit_status: &[(0, "fine"), (2, "error")],
            environment: &[("NO_COLOR", "disables colour")],
        };
        let help = manual.long_help();
        assert!(help.contains("  Show sizes.\n    $ tool a.img | jq .\n"));
        assert!(help.contains("  2   error\n"));
        assert!(help.contains("NO_COLOR"));
    }
}
