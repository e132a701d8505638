//! Where input comes from (file operands, `-`, standard input) and how JSON streams are read
//! from it, with errors that name the source, line and column.

use std::fmt::Display;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use serde::de::DeserializeOwned;

/// One place input is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Standard input, named `-` on the command line.
    Stdin,
    /// A file operand.
    File(PathBuf),
}

impl Source {
    /// The sources the operands name: `-` is standard input, and no operands at all mean
    /// standard input alone.
    pub fn from_operands(operands: &[PathBuf]) -> Vec<Source> {
        if operands.is_empty() {
            return vec![Source::Stdin];
        }
        operands.iter().map(|p| Source::from_operand(p)).collect()
    }

    /// The source one operand names.
    pub fn from_operand(operand: &Path) -> Source {
        if operand.as_os_str() == "-" {
            Source::Stdin
        } else {
            Source::File(operand.to_path_buf())
        }
    }

    /// The name used in records and error messages: the path as given, or `<stdin>`.
    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "<stdin>".to_string(),
            Source::File(path) => path.display().to_string(),
        }
    }

    /// Opens the source for buffered reading.
    pub fn open(&self) -> Result<Box<dyn BufRead>> {
        match self {
            Source::Stdin => Ok(Box::new(BufReader::new(io::stdin()))),
            Source::File(path) => {
                let file =
                    File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
                Ok(Box::new(BufReader::with_capacity(1 << 16, file)))
            }
        }
    }

    /// Reads the whole source as bytes.
    pub fn read_bytes(&self) -> Result<Vec<u8>> {
        match self {
            // A file's buffer is sized from its length, not grown while reading.
            Source::File(path) => {
                std::fs::read(path).with_context(|| format!("{}: cannot open", path.display()))
            }
            Source::Stdin => {
                let mut buf = Vec::new();
                self.open()?
                    .read_to_end(&mut buf)
                    .with_context(|| format!("{}: cannot read", self.name()))?;
                Ok(buf)
            }
        }
    }

    /// Reads the whole source as UTF-8 text.
    pub fn read_string(&self) -> Result<String> {
        let bytes = self.read_bytes()?;
        String::from_utf8(bytes).map_err(|e| {
            let (line, column) = line_column(e.as_bytes(), e.utf8_error().valid_up_to());
            anyhow!("{}:{line}:{column}: expected UTF-8 text", self.name())
        })
    }
}

/// The 1-based line and column of a byte offset in a text.
pub fn line_column(text: &[u8], offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    (line, offset - line_start + 1)
}

/// Every JSON value of a stream, in order: one document, JSON Lines and concatenated values
/// are all accepted. Each value is deserialized as `T`; the first error ends the stream and
/// reads `<source>:<line>:<column>: <what was expected>`.
pub fn json_stream<T: DeserializeOwned>(
    source_name: &str,
    reader: impl Read,
) -> impl Iterator<Item = Result<T>> {
    let name = source_name.to_string();
    let mut failed = false;
    serde_json::Deserializer::from_reader(reader)
        .into_iter::<T>()
        .map_while(move |item| {
            if failed {
                return None;
            }
            failed = item.is_err();
            Some(item.map_err(|e| json_error(&name, &e)))
        })
}

/// One JSON value of a byte slice and where it lies: `start` is the offset of its first byte
/// (past any whitespace before it), `end` the offset just past its last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    /// The offset of the value's first byte.
    pub start: usize,
    /// The offset just past the value's last byte.
    pub end: usize,
    /// The value.
    pub value: T,
}

/// Every JSON value of a text held in memory, in order, with where each lies, so that a
/// caller that finds a value wrong can name its line and column with [`located`]. Accepts what
/// [`json_stream`] accepts, and its first syntax error ends the stream in the same form.
pub fn json_values_located<'a, T: DeserializeOwned + 'a>(
    source_name: &'a str,
    text: &'a [u8],
) -> impl Iterator<Item = Result<Located<T>>> + 'a {
    let mut stream = serde_json::Deserializer::from_slice(text).into_iter::<T>();
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed {
            return None;
        }
        let offset = stream.byte_offset();
        let rest = text.get(offset..).unwrap_or_default();
        let start = offset + rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let item = stream.next()?;
        failed = item.is_err();
        Some(
            item.map(|value| Located {
                start,
                end: stream.byte_offset(),
                value,
            })
            .map_err(|e| json_error(source_name, &e)),
        )
    })
}

/// An error located at a byte offset of a text: `<source>:<line>:<column>: <cause>`. The
/// position is counted only here, so callers pay for it only when something is wrong.
pub fn located(
    source_name: &str,
    text: &[u8],
    offset: usize,
    cause: impl Display,
) -> anyhow::Error {
    let (line, column) = line_column(text, offset);
    anyhow!("{source_name}:{line}:{column}: {cause}")
}

/// Reads every JSON value of a source into memory (see [`json_stream`]).
pub fn read_json_values<T: DeserializeOwned>(source: &Source) -> Result<Vec<T>> {
    let name = source.name();
    json_stream(&name, source.open()?).collect()
}

/// Parses one JSON document held in memory, with the same error form as [`json_stream`].
pub fn parse_json<T: DeserializeOwned>(source_name: &str, text: &[u8]) -> Result<T> {
    serde_json::from_slice(text).map_err(|e| json_error(source_name, &e))
}

/// Formats a JSON error as `<source>:<line>:<column>: <cause>`; an I/O failure keeps its cause
/// so that callers can still recognise it.
pub fn json_error(source_name: &str, err: &serde_json::Error) -> anyhow::Error {
    if let Some(kind) = err.io_error_kind() {
        return anyhow::Error::from(io::Error::from(kind))
            .context(format!("{source_name}: cannot read"));
    }
    let text = err.to_string();
    let cause = text
        .rfind(" at line ")
        .map_or(text.as_str(), |at| &text[..at]);
    let cause = if err.is_eof() {
        format!("unexpected end of input: {cause}")
    } else {
        cause.to_string()
    };
    // serde_json says column 0 when the input ends right after a newline; columns count from 1.
    anyhow!(
        "{source_name}:{}:{}: {cause}",
        err.line(),
        err.column().max(1)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn values(text: &str) -> Vec<Result<Value>> {
        json_stream::<Value>("in.json", text.as_bytes()).collect()
    }

    #[test]
    fn reads_one_document_lines_and_concatenated_values() {
        assert_eq!(values(r#"{"a":1}"#).len(), 1);
        assert_eq!(values("{\"a\":1}\n{\"a\":2}\n").len(), 2);
        assert_eq!(values(r#"{"a":1}{"a":2}[3]"#).len(), 3);
        assert!(values("  \n").is_empty());
    }

    #[test]
    fn errors_name_source_line_and_column() {
        let items = values("{\"a\":1}\n{\"a\":,}\n{\"a\":3}");
        assert_eq!(items.len(), 2, "the stream ends at the first error");
        let err = items[1].as_ref().unwrap_err().to_string();
        assert_eq!(err, "in.json:2:6: expected value");
    }

    #[test]
    fn truncated_input_says_so() {
        let err = values("{\"a\": [1, 2")
            .pop()
            .unwrap()
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("in.json:1:"), "{err}");
        assert!(err.contains("unexpected end of input"), "{err}");
    }

    #[test]
    fn end_of_input_after_a_newline_is_column_one() {
        let err = values("{\"a\":\n").pop().unwrap().unwrap_err().to_string();
        assert!(
            err.starts_with("in.json:2:1: unexpected end of input"),
            "{err}"
        );
    }

    #[test]
    fn typed_records_report_the_missing_field() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Rec {
            path: String,
        }
        let err = json_stream::<Rec>("r.json", "{\"x\":1}".as_bytes())
            .next()
            .unwrap()
            .unwrap_err();
        assert_eq!(err.to_string(), "r.json:1:7: missing field `path`");
    }

    #[test]
    fn operands_map_to_sources() {
        assert_eq!(Source::from_operands(&[]), vec![Source::Stdin]);
        let ops = [PathBuf::from("-"), PathBuf::from("a.json")];
        assert_eq!(
            Source::from_operands(&ops),
            vec![Source::Stdin, Source::File("a.json".into())]
        );
    }

    #[test]
    fn missing_file_names_the_path() {
        let err = Source::File("/nonexistent/x.json".into())
            .read_bytes()
            .err()
            .unwrap();
        assert!(format!("{err:#}").starts_with("/nonexistent/x.json: cannot open: "));
    }

    #[test]
    fn invalid_utf8_is_located() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.txt");
        std::fs::write(&path, b"ok\nab\xffc").unwrap();
        let err = Source::File(path.clone())
            .read_string()
            .unwrap_err()
            .to_string();
        assert_eq!(err, format!("{}:2:3: expected UTF-8 text", path.display()));
    }

    #[test]
    fn located_values_know_where_they_lie() {
        let text = b"{\"a\":1}\n  [2]\n3 {\"b\":";
        let items: Vec<Result<Located<Value>>> = json_values_located("in.json", text).collect();
        assert_eq!(
            items.len(),
            4,
            "three values, then the error that ends the stream"
        );
        let second = items[1].as_ref().unwrap();
        assert_eq!((second.start, second.end), (10, 13));
        assert_eq!(&text[second.start..second.end], b"[2]");
        assert_eq!(items[2].as_ref().unwrap().value, Value::from(3));
        let err = items[3].as_ref().unwrap_err().to_string();
        assert!(err.starts_with("in.json:3:"), "{err}");
        let at = located("in.json", text, second.start, "expected an object").to_string();
        assert_eq!(at, "in.json:2:3: expected an object");
    }

    #[test]
    fn line_column_counts_from_one() {
        assert_eq!(line_column(b"ab\ncd", 0), (1, 1));
        assert_eq!(line_column(b"ab\ncd", 4), (2, 2));
    }
}
