//! Findings: what the budget lines cannot say by themselves (a resource type not known to be
//! free, a paid shape, a size unknown until apply, a failed `check` block, an incomplete plan).

use serde::Serialize;

/// How a finding weighs on the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// For information; does not change the verdict.
    Info,
    /// Cannot be decided from the input; fails the run unless `--allow-unknown`.
    Unknown,
    /// Costs money or breaks a limit; fails the run.
    Over,
    /// A check declared in the configuration failed; fails the run.
    Failed,
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An `oci_*` type not known to be free or costless.
    UnknownResourceType,
    /// An attribute that decides usage is unknown until apply.
    UnknownValue,
    /// An attribute that decides usage is missing or has the wrong type.
    InvalidValue,
    /// A compute shape outside Always Free.
    PaidShape,
    /// A load balancer shape or bandwidth outside Always Free.
    PaidLoadBalancer,
    /// A database outside Always Free: an Autonomous Database that is not `is_free_tier`, a
    /// NoSQL table that is not `is_auto_reclaimable`.
    PaidDatabase,
    /// A custom image, for which no Always Free storage allowance is documented.
    CustomImage,
    /// Block volume settings that may be billed beyond the capacity (replicas, performance units).
    BilledVolumeOption,
    /// A boot volume kept after its instance is destroyed.
    PreservedBootVolume,
    /// A resource outside the home region, billed at list price.
    OutsideHomeRegion,
    /// A resource whose region is neither an identifier nor a known region key, so whether it
    /// is in the home region cannot be told.
    UnknownRegion,
    /// Usage of a limit with no edition in force on the day (or none in the limits data).
    LimitNotInForce,
    /// A plan that is not complete (`"complete": false`): it defers changes to a later run.
    IncompletePlan,
    /// Usage during the apply exceeds a limit that the end state keeps.
    PeakOverLimit,
    /// A failed OpenTofu/Terraform `check` block.
    CheckFailed,
    /// A `check` block whose result is unknown until apply.
    CheckUnknown,
    /// An item of an `oci` CLI listing of a kind the tool does not read.
    UnrecognisedListingItem,
    /// The same address in two inputs (a plan and a state of the same stack): counted twice.
    DuplicateAddress,
}

/// One finding record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Always `"finding"`.
    #[serde(rename = "type")]
    pub record_type: &'static str,
    /// What it is about.
    pub kind: Kind,
    /// How it weighs on the verdict.
    pub status: Status,
    /// The resource (or check) address, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The input it came from.
    pub source: String,
    /// What was found, for people.
    pub message: String,
    /// The monthly cost at list price, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
}

impl Finding {
    /// A finding about a resource or check.
    pub fn new(
        kind: Kind,
        status: Status,
        address: &str,
        source: &str,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            record_type: "finding",
            kind,
            status,
            address: Some(address.to_string()),
            source: source.to_string(),
            message: message.into(),
            cost_usd: None,
        }
    }

    /// A finding about the run or a limit rather than one resource.
    pub fn general(
        kind: Kind,
        status: Status,
        source: &str,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            address: None,
            ..Finding::new(kind, status, "", source, message)
        }
    }

    /// The same finding with a monthly cost.
    pub fn with_cost(mut self, cost_usd: Option<f64>) -> Finding {
        self.cost_usd = cost_usd;
        self
    }
}
