//! The observer that writes the event stream to stdout (flushed per line) and keeps the live
//! status on a terminal up to date.

use std::io::Write;
use std::time::Duration;

use anyhow::Result;
use shared::output::RecordWriter;

use crate::live::Live;
use crate::records::{CheckState, Event};
use crate::wait::Observer;

/// Events to a record writer, and the live view when there is one.
pub struct Report<W: Write> {
    writer: RecordWriter<W>,
    live: Option<Live>,
    states: Vec<CheckState>,
}

impl<W: Write> Report<W> {
    /// A report on `writer`, with an optional live view.
    pub fn new(writer: RecordWriter<W>, live: Option<Live>) -> Self {
        Report {
            writer,
            live,
            states: Vec::new(),
        }
    }

    /// The record writer, for the summary.
    pub fn writer(&mut self) -> &mut RecordWriter<W> {
        &mut self.writer
    }

    /// Ends the report: the live view shows the final states, and stdout is flushed.
    pub fn finish(mut self, checks: &[CheckState], elapsed: Duration) -> Result<()> {
        if let Some(live) = &mut self.live {
            live.draw(checks, elapsed);
        }
        self.writer.finish()?;
        Ok(())
    }
}

impl<W: Write> Observer for Report<W> {
    fn changed(&mut self, state: &CheckState, elapsed: Duration) -> Result<()> {
        self.writer.write(&Event::new(state, elapsed))?;
        let Some(live) = &mut self.live else {
            return Ok(());
        };
        match self
            .states
            .iter_mut()
            .find(|s| s.check == state.check && s.target == state.target)
        {
            Some(known) => *known = state.clone(),
            None => self.states.push(state.clone()),
        }
        live.draw(&self.states, elapsed);
        Ok(())
    }

    fn tick(&mut self, checks: &[CheckState], elapsed: Duration) {
        if let Some(live) = &mut self.live {
            live.draw(checks, elapsed);
        }
    }
}
