//! Command-line pieces every tool uses: parsing with the decorated `Command`, and the common
//! output flags.

use clap::error::ErrorKind;
use clap::{Args, Command, FromArgMatches, ValueEnum};

use crate::table::TableFormat;

/// Parses the process arguments with `command` (which carries the examples in its help) into
/// the tool's derive struct. `--help` and `--version` print and exit 0; a usage error prints
/// one line, `<tool>: error: <what clap found> (see '<tool> --help')`, and exits 2, as does a
/// subcommand's name found among the top-level inputs (`tool -o table sub`).
pub fn parse<T: FromArgMatches>(mut command: Command) -> T {
    let name = command.get_name().to_string();
    let matches = command.try_get_matches_from_mut(std::env::args_os());
    if let Ok(matches) = &matches {
        if let Some(misplaced) = misplaced_subcommand(&command, matches) {
            eprintln!(
                "{name}: error: {misplaced} is a subcommand here, not an input: its name comes first, then its options ({name} {misplaced} --help)"
            );
            std::process::exit(2)
        }
    }
    let parsed = matches.and_then(|matches| T::from_arg_matches(&matches));
    parsed.unwrap_or_else(|err| match err.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => err.exit(),
        _ => {
            eprintln!("{}", usage_error_line(&name, &err.render().to_string()));
            std::process::exit(2)
        }
    })
}

/// A subcommand name given as a top-level positional value that is no existing path: what
/// `tool -o table sub …` becomes where top-level options and subcommands exclude each other.
fn misplaced_subcommand(command: &Command, matches: &clap::ArgMatches) -> Option<String> {
    if matches.subcommand().is_some() {
        return None;
    }
    let names: Vec<&str> = command.get_subcommands().map(Command::get_name).collect();
    command
        .get_positionals()
        .filter_map(|arg| matches.get_raw(arg.get_id().as_str()))
        .flatten()
        .filter_map(|value| value.to_str())
        .find(|value| names.contains(value) && !std::path::Path::new(value).exists())
        .map(str::to_string)
}

/// clap's several-line usage error as one line: its message, the values and tips it lists,
/// without the usage block it repeats from `--help`.
fn usage_error_line(name: &str, rendered: &str) -> String {
    let parts: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .take_while(|line| !line.starts_with("Usage:"))
        .filter(|line| !line.is_empty() && !line.starts_with("For more information"))
        .collect();
    let message = parts
        .iter()
        .enumerate()
        .map(|(i, part)| match (i, part.starts_with("tip:")) {
            (0, _) => part.to_string(),
            (_, true) => format!("; {part}"),
            (_, false) => format!(" {part}"),
        })
        .collect::<String>();
    let message = message.strip_prefix("error: ").unwrap_or(&message);
    format!("{name}: error: {message} (see '{name} --help')")
}

/// The output formats every tool offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OutputFormat {
    /// JSON Lines, one record per line (the default, whatever stdout is).
    #[default]
    Json,
    /// Aligned columns, for a terminal.
    Table,
    /// Comma-separated values with a header row.
    Csv,
    /// A Markdown table, for a pull-request comment.
    Markdown,
}

impl OutputFormat {
    /// The table format, or `None` for JSON.
    pub fn table(self) -> Option<TableFormat> {
        match self {
            OutputFormat::Json => None,
            OutputFormat::Table => Some(TableFormat::Table),
            OutputFormat::Csv => Some(TableFormat::Csv),
            OutputFormat::Markdown => Some(TableFormat::Markdown),
        }
    }
}

/// `--output` and `--pretty`, flattened into a tool's top-level arguments. They are global, so
/// a subcommand takes them after its name (`tool sub -o table`) and the tool reads them from
/// its top level. The tools with subcommands set `args_conflicts_with_subcommands`, so that a
/// top-level flag is never silently dropped: there `tool -o table sub` is a usage error that
/// says the subcommand's name comes first.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct OutputArgs {
    /// Output format: JSON Lines records, or a table for people.
    #[arg(long, short = 'o', value_enum, default_value_t = OutputFormat::Json, global = true)]
    pub output: OutputFormat,
    /// Indent JSON records (no longer one record per line).
    #[arg(long, global = true)]
    pub pretty: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_become_one_line() {
        let rendered = "error: invalid value 'gold' for '--account <ACCOUNT>'\n  [possible values: payg, free]\n\n  tip: a similar value exists: 'gold'\n\nUsage: oci-budget [OPTIONS] [INPUT]...\n\nFor more information, try '--help'.\n";
        assert_eq!(
            usage_error_line("oci-budget", rendered),
            "oci-budget: error: invalid value 'gold' for '--account <ACCOUNT>' [possible values: payg, free]; tip: a similar value exists: 'gold' (see 'oci-budget --help')"
        );
    }

    #[test]
    fn a_subcommand_name_after_top_level_options_is_named() {
        let command = Command::new("tool")
            .args_conflicts_with_subcommands(true)
            .arg(clap::Arg::new("inputs").num_args(0..))
            .arg(clap::Arg::new("output").short('o'))
            .subcommand(Command::new("lint-no-such-path"));
        let matches = command
            .clone()
            .try_get_matches_from(["tool", "-o", "table", "lint-no-such-path", "x"])
            .unwrap();
        assert_eq!(
            misplaced_subcommand(&command, &matches).as_deref(),
            Some("lint-no-such-path")
        );
        let first = command
            .clone()
            .try_get_matches_from(["tool", "lint-no-such-path"])
            .unwrap();
        assert_eq!(misplaced_subcommand(&command, &first), None);
        let plain = command
            .clone()
            .try_get_matches_from(["tool", "-o", "table", "in.json"])
            .unwrap();
        assert_eq!(misplaced_subcommand(&command, &plain), None);
    }

    #[test]
    fn a_real_clap_error_is_one_line() {
        let command = Command::new("tool").arg(clap::Arg::new("n").long("n").required(true));
        let err = command.try_get_matches_from(["tool"]).unwrap_err();
        let line = usage_error_line("tool", &err.render().to_string());
        assert!(!line.contains('\n'), "{line}");
        assert!(
            line.starts_with(
                "tool: error: the following required arguments were not provided: --n <n>"
            ),
            "{line}"
        );
    }
}
