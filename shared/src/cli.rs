//! Command-line pieces every tool uses: parsing with the decorated `Command`, and the common
//! output flags.

use clap::{Args, Command, FromArgMatches, ValueEnum};

use crate::table::TableFormat;

/// Parses the process arguments with `command` (which carries the examples in its help) into
/// the tool's derive struct. Usage errors print clap's message and exit 2; `--help` exits 0.
pub fn parse<T: FromArgMatches>(command: Command) -> T {
    let matches = command.get_matches();
    T::from_arg_matches(&matches).unwrap_or_else(|err| err.exit())
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

/// `--output` and `--pretty`, flattened into a tool's top-level arguments. They are global: a
/// subcommand takes them too, before or after its name (`tool -o table sub` or `tool sub -o
/// table`), and the tool reads them from its top level.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct OutputArgs {
    /// Output format: JSON Lines records, or a table for people.
    #[arg(long, short = 'o', value_enum, default_value_t = OutputFormat::Json, global = true)]
    pub output: OutputFormat,
    /// Indent JSON records (no longer one record per line).
    #[arg(long, global = true)]
    pub pretty: bool,
}
