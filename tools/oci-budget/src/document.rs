//! Reading inputs: every JSON value of every source, recognised by its shape (plan, state,
//! `oci` CLI listing, `qcow-size` record), with errors located at the value they are about.

use anyhow::{Result, bail};
use serde_json::{Map, Value};
use shared::input::{Located, Source, json_values_located, located};

use crate::change::Change;
use crate::finding::Finding;
use crate::plan::{Parsed, PlanScope, kind_of, read_plan, read_state};
use crate::{image, listing};

/// What a JSON value was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `tofu show -json plan.out`.
    Plan,
    /// `tofu show -json` of a state.
    State,
    /// An `oci` CLI listing.
    Listing,
    /// A `qcow-size` record.
    ImageRecord,
}

/// Everything read from the inputs.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Every resource, in input order.
    pub changes: Vec<Change>,
    /// Findings made while reading (checks that did not pass, incomplete plans).
    pub findings: Vec<Finding>,
    /// The shapes seen, in input order.
    pub shapes: Vec<Shape>,
    /// One per plan read, in input order.
    pub plans: Vec<PlanScope>,
}

impl Inputs {
    /// True when an input told what existed before the run (a plan).
    pub fn has_transitions(&self) -> bool {
        !self.plans.is_empty()
    }
}

/// Reads every source in order.
pub fn read_sources(sources: &[Source]) -> Result<Inputs> {
    let mut inputs = Inputs::default();
    for source in sources {
        let bytes = source.read_bytes()?;
        read_bytes(&source.name(), &bytes, &mut inputs)?;
    }
    Ok(inputs)
}

/// Reads every JSON value of one source's bytes into `inputs`; a source without any (an empty
/// file, nothing on standard input) is refused rather than judged as using nothing.
pub fn read_bytes(name: &str, bytes: &[u8], inputs: &mut Inputs) -> Result<()> {
    let mut values = 0;
    for item in json_values_located::<Value>(name, bytes) {
        let Located { start, value, .. } = item?;
        read_value(value, name, inputs).map_err(|e| located(name, bytes, start, e))?;
        values += 1;
    }
    if values == 0 {
        bail!("{name}: no plan, state, oci CLI listing or qcow-size image record");
    }
    Ok(())
}

/// Recognises one value and adds what it holds.
fn read_value(value: Value, name: &str, inputs: &mut Inputs) -> Result<()> {
    let Value::Object(object) = value else {
        bail!(
            "expected a plan, a state, an oci CLI listing or a qcow-size record, found {}",
            kind_of(&value)
        );
    };
    let shape = shape_of(&object)?;
    let parsed = match shape {
        Shape::Plan => read_plan(object, name)?,
        Shape::State => read_state(object, name)?,
        Shape::Listing => Parsed {
            changes: listing::read_listing(&object["data"], name)?,
            ..Parsed::default()
        },
        Shape::ImageRecord => Parsed {
            changes: vec![image::read_record(&object, name)?],
            ..Parsed::default()
        },
    };
    inputs.plans.extend(parsed.scope);
    inputs.changes.extend(parsed.changes);
    inputs.findings.extend(parsed.findings);
    inputs.shapes.push(shape);
    Ok(())
}

fn shape_of(object: &Map<String, Value>) -> Result<Shape> {
    let plan_keys = [
        "planned_values",
        "resource_changes",
        "prior_state",
        "configuration",
    ];
    if object.contains_key("format_version") {
        let is_plan = plan_keys.iter().any(|k| object.contains_key(*k));
        return Ok(if is_plan { Shape::Plan } else { Shape::State });
    }
    if object.contains_key("data") {
        return Ok(Shape::Listing);
    }
    if object.contains_key("type") {
        return Ok(Shape::ImageRecord);
    }
    bail!(
        "expected a plan or state (\"format_version\"), an oci CLI listing (\"data\") or a qcow-size record (\"type\")"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Inputs> {
        let mut inputs = Inputs::default();
        read_bytes("in.json", text.as_bytes(), &mut inputs).map(|()| inputs)
    }

    /// The error message reading `text` fails with.
    fn error(text: &str) -> String {
        read(text).unwrap_err().to_string()
    }

    #[test]
    fn shapes_are_recognised_in_one_stream() {
        let text = concat!(
            "{\"format_version\":\"1.0\",\"values\":{\"root_module\":{}}}\n",
            "{\"data\":[]}\n",
            "{\"type\":\"image\",\"path\":\"a\",\"file_size_bytes\":1,\"virtual_size_bytes\":2}\n",
            "{\"format_version\":\"1.2\",\"resource_changes\":[]}"
        );
        let inputs = read(text).unwrap();
        assert_eq!(
            inputs.shapes,
            [
                Shape::State,
                Shape::Listing,
                Shape::ImageRecord,
                Shape::Plan
            ]
        );
        assert_eq!(inputs.changes.len(), 1);
        assert!(inputs.has_transitions());
    }

    #[test]
    fn errors_point_at_the_value() {
        let err = error("{\"data\":[]}\n  {\"format_version\":\"9.0\",\"values\":{}}");
        assert_eq!(
            err,
            "in.json:2:3: format_version: unsupported version \"9.0\", expected 1.x"
        );
        let err = error("[1]");
        assert!(err.starts_with("in.json:1:1: expected a plan"), "{err}");
        let err = error("{\"hello\":1}");
        assert!(err.contains("expected a plan or state"), "{err}");
    }

    #[test]
    fn empty_sources_and_foreign_records_are_refused() {
        for empty in ["", " \n\t\n"] {
            let err = error(empty);
            assert_eq!(
                err,
                "in.json: no plan, state, oci CLI listing or qcow-size image record"
            );
        }
        let err = error("{\"data\":[]}\n {\"type\":\"layer\"}");
        assert_eq!(
            err,
            "in.json:2:2: \"type\": expected \"image\" (a qcow-size record), found \"layer\""
        );
        let err = error("{\"type\":5}");
        assert!(err.ends_with("found 5"), "{err}");
    }

    #[test]
    fn plans_keep_their_scope() {
        let inputs = read(concat!(
            "{\"format_version\":\"1.2\",\"resource_changes\":[],",
            "\"prior_state\":{\"format_version\":\"1.0\",\"values\":{\"root_module\":{}}}}\n",
            "{\"format_version\":\"1.0\",\"values\":{\"root_module\":{}}}"
        ))
        .unwrap();
        assert_eq!(inputs.plans.len(), 1);
        assert_eq!(inputs.plans[0].prior.as_deref(), Some(&[][..]));
    }

    #[test]
    fn syntax_errors_and_truncation_are_located() {
        let err = error("{\"data\":[]}\n{\"data\": [,]}");
        assert!(err.starts_with("in.json:2:"), "{err}");
        let err = error("{\"format_version\":\"1.2\",\"resource_changes\":[");
        assert!(err.contains("unexpected end of input"), "{err}");
    }
}
