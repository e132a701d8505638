//! Writing records to stdout as JSON Lines: one object per line, each with a `"type"` field.

use std::io::{self, BufWriter, Stdout, Write};

use serde::Serialize;

/// Writes JSON records, one per line (or indented with `pretty`), through a buffer.
pub struct RecordWriter<W: Write> {
    out: W,
    pretty: bool,
    flush_each: bool,
}

impl RecordWriter<BufWriter<Stdout>> {
    /// A writer on standard output. `flush_each` flushes after every record, for streams that
    /// a consumer reads while the tool is still running (event streams).
    pub fn stdout(pretty: bool, flush_each: bool) -> Self {
        RecordWriter::new(
            BufWriter::with_capacity(1 << 16, io::stdout()),
            pretty,
            flush_each,
        )
    }
}

impl<W: Write> RecordWriter<W> {
    /// A writer on any byte sink.
    pub fn new(out: W, pretty: bool, flush_each: bool) -> Self {
        RecordWriter {
            out,
            pretty,
            flush_each,
        }
    }

    /// Writes one record and its newline.
    pub fn write<T: Serialize + ?Sized>(&mut self, record: &T) -> io::Result<()> {
        let bytes = if self.pretty {
            serde_json::to_vec_pretty(record)
        } else {
            serde_json::to_vec(record)
        }
        .map_err(io::Error::other)?;
        self.out.write_all(&bytes)?;
        self.out.write_all(b"\n")?;
        if self.flush_each {
            self.out.flush()?;
        }
        Ok(())
    }

    /// Writes plain text (a rendered table, a report) as it is.
    pub fn write_text(&mut self, text: &str) -> io::Result<()> {
        self.out.write_all(text.as_bytes())?;
        if self.flush_each {
            self.out.flush()?;
        }
        Ok(())
    }

    /// Flushes what is buffered; call it once at the end so that write errors are seen.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_record_per_line() {
        let mut w = RecordWriter::new(Vec::new(), false, false);
        w.write(&json!({"type": "a", "n": 1})).unwrap();
        w.write(&json!({"type": "b"})).unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(out, "{\"n\":1,\"type\":\"a\"}\n{\"type\":\"b\"}\n");
    }

    #[test]
    fn pretty_indents() {
        let mut w = RecordWriter::new(Vec::new(), true, true);
        w.write(&json!({"type": "a"})).unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(out, "{\n  \"type\": \"a\"\n}\n");
    }
}
