//! The command line of `oci-budget`, declared once for parsing, `--help`, the manual page and the
//! shell completions.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand};
use shared::cli::OutputArgs;
use shared::manual::{Example, Manual};

use crate::date::Date;
use crate::limits::Account;
use crate::region::{self, Region};

/// Check OpenTofu/Terraform plans and states, `oci` CLI listings and `qcow-size` image records
/// against the OCI Always Free limits in force on a day, before `tofu apply`.
///
/// Inputs are JSON, recognised by their shape and freely mixed: plans (`tofu show -json plan.out`),
/// states (`tofu show -json`), `oci` CLI listings (`{"data": [...]}`) and `qcow-size` records. The
/// output is one `budget_line` record per limit (usage, allowance, headroom, status, baseline and
/// peak during the apply, overage cost at list price), one `resource` record per OCI resource,
/// `finding` records for what the lines cannot say (paid shapes with their cost, unknown resource
/// types, sizes unknown until apply, failed `check` blocks) and a `summary`. A plan is judged with
/// everything its `prior_state` (or `--baseline`) holds that it does not list, so a `-target` plan
/// counts the rest of the stack. Limits and prices are dated data: the edition in force on
/// `--as-of` applies (A1 was halved on 2026-06-15). A value unknown until apply is counted by its
/// lower bound and makes the answer unknown, which fails the run unless `--allow-unknown` is given;
/// so do usage of a limit with no edition on that day, a plan that is not complete, a `check` block
/// whose result is unknown and a region that is not recognised. A plan that errored, an input with
/// nothing in it and a record of another kind are errors. An excess that costs nothing (a second
/// network load balancer) is over at a cost of 0; one without a known list price has a null cost,
/// and the summary's `costs_unknown` names it. Limits on usage over time (Object Storage requests,
/// outbound transfer) are lines with the status `not_assessed`: no plan, state or listing shows
/// them. `--output table` and `markdown` print the lines, the findings and a summary sentence;
/// `--output csv` prints every record as a row, its `type` first.
#[derive(Debug, Parser)]
#[command(name = "oci-budget", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// Compare two plans or states instead of judging one.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Input files; `-` or none reads standard input. Use `./diff` for a file named `diff`.
    pub inputs: Vec<PathBuf>,
    /// A state (`tofu show -json`) of what exists now. With a plan it stands in for the plan's
    /// `prior_state`: its resources that the plan does not list (all but the targets of a
    /// `-target` plan) still count. With states or listings, they are compared against it.
    #[arg(long, value_name = "STATE")]
    pub baseline: Option<PathBuf>,
    /// How to judge.
    #[command(flatten)]
    pub judge: JudgeArgs,
    /// Output format and layout.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compare the budget of two plans, states or listings line by line and resource by
    /// resource, with NEW's findings; NEW's verdict decides the exit status.
    Diff(DiffArgs),
}

/// The arguments of `oci-budget diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier plan, state or listing (`-` for standard input).
    pub old: PathBuf,
    /// The later plan, state or listing (`-` for standard input).
    pub new: PathBuf,
    /// How to judge.
    #[command(flatten)]
    pub judge: JudgeArgs,
}

/// The options that decide how usage is judged.
#[derive(Debug, Clone, Args)]
pub struct JudgeArgs {
    /// Apply the limits in force on this day (YYYY-MM-DD); default: today (UTC).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<Date>,
    /// Read the limits and prices from this file instead of the embedded data (same schema,
    /// `oci-budget-limits/v1`).
    #[arg(long, value_name = "FILE")]
    pub limits: Option<PathBuf>,
    /// Hours in the month A1 usage is counted for (744 is a 31-day month, the worst case).
    #[arg(long, value_name = "HOURS", default_value_t = 744.0, value_parser = parse_hours)]
    pub hours_per_month: f64,
    /// The kind of tenancy: `free` (Always Free only) or `paid` (pay-as-you-go or trial).
    #[arg(long, value_enum, default_value_t = Account::Free)]
    pub account: Account,
    /// The tenancy's home region, as an identifier (`eu-frankfurt-1`) or a region key (`FRA`):
    /// resources elsewhere are billed. Resources name their region by identifier, key or
    /// availability domain (`Uocm:US-ASHBURN-AD-1`); one not recognised makes the answer
    /// unknown.
    #[arg(long, value_name = "REGION", value_parser = parse_home_region)]
    pub home_region: Option<String>,
    /// The directory OpenTofu ran in (as its -chdir): an object uploaded from a file
    /// (`source = "path"`) is sized by reading that file, relative paths from here; default:
    /// the current directory.
    #[arg(long, value_name = "DIR")]
    pub chdir: Option<PathBuf>,
    /// Exit 0 when nothing is over even if some usage is unknown until apply.
    #[arg(long)]
    pub allow_unknown: bool,
}

fn parse_hours(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(hours) if (1.0..=744.0).contains(&hours) => Ok(hours),
        _ => Err(format!(
            "{text:?}: expected hours per month between 1 and 744"
        )),
    }
}

fn parse_home_region(text: &str) -> Result<String, String> {
    match region::parse(text) {
        Region::Known(identifier) => Ok(identifier),
        Region::Unrecognised(_) => Err(format!(
            "{text:?}: expected a region identifier such as eu-frankfurt-1 or a known region key such as FRA"
        )),
    }
}

/// Examples, exit codes and environment for `--help` and the manual page.
pub const MANUAL: Manual = Manual {
    examples: &[
        Example {
            description: "Judge a plan before applying it; exit 1 when it leaves Always Free.",
            command: "tofu plan -out=plan.out && tofu show -json plan.out | oci-budget",
        },
        Example {
            description: "A Markdown report for a pull-request comment.",
            command: "tofu show -json plan.out | oci-budget --output markdown > budget.md",
        },
        Example {
            description: "Only the lines that are over, with their cost.",
            command: "oci-budget plan.json | jq -c 'select(.type == \"budget_line\" and .status == \"over\") | {id, used, limit, cost_usd}'",
        },
        Example {
            description: "Images about to be uploaded and imported, on their own: each upload against Object Storage, each boot volume it implies against block storage.",
            command: "qcow-size *.qcow2 | oci-budget",
        },
        Example {
            description: "Add the images to be uploaded and imported to the plan's usage.",
            command: "qcow-size *.qcow2 | oci-budget plan.json -",
        },
        Example {
            description: "A plan made in another directory, whose objects upload local files.",
            command: "tofu -chdir=infra show -json plan.out | oci-budget --chdir infra",
        },
        Example {
            description: "Judge the same plan by the limits before the June 2026 change.",
            command: "oci-budget --as-of 2026-06-01 plan.json",
        },
        Example {
            description: "Actual usage from the oci CLI, for a tenancy whose home region is Frankfurt.",
            command: "oci compute instance list -c \"$C\" > i.json && oci bv boot-volume list -c \"$C\" > b.json && oci-budget --home-region eu-frankfurt-1 i.json b.json",
        },
        Example {
            description: "What a change to the stack does to each limit.",
            command: "oci-budget diff old.plan.json new.plan.json --output table",
        },
    ],
    exit_status: &[
        (
            0,
            "within Always Free (at a limit is within; unknowns too with --allow-unknown)",
        ),
        (
            1,
            "over a limit, billed, a failed check, or unknown (until apply, or by the data)",
        ),
        (
            2,
            "the tool could not answer: bad usage, an empty, unreadable or invalid input or limits file, a plan that errored",
        ),
    ],
    environment: &[],
};

/// The full command, with the examples in its long help.
pub fn command() -> clap::Command {
    MANUAL.decorate(Cli::command())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn hours_are_bounded() {
        assert_eq!(parse_hours("730"), Ok(730.0));
        assert!(parse_hours("745").is_err());
        assert!(parse_hours("0").is_err());
        assert!(parse_hours("x").is_err());
    }

    #[test]
    fn home_regions_are_identifiers_or_known_keys() {
        assert_eq!(parse_home_region("IAD"), Ok("us-ashburn-1".to_string()));
        assert_eq!(
            parse_home_region("EU-Frankfurt-1"),
            Ok("eu-frankfurt-1".to_string())
        );
        assert!(parse_home_region("zzz").is_err());
    }
}
