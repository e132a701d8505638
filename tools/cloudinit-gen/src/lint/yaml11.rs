//! Plain scalars that cloud-init's YAML 1.1 reader takes for something other than the string
//! they look like: `yes`, `on` and `off` are booleans, `1.10` is the float 1.1, `1:20` is the
//! integer 80, `1_000` is 1000. Where cloud-init wants a string (a command, a package
//! version, a user name, a file's content), such a value breaks the module or changes meaning
//! without a word, and a YAML 1.2 reader (most editors and linters) shows nothing wrong.

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

use super::{Severity, Sink};

/// Where cloud-config wants a string: key paths with `[]` for any list item.
const STRING_PLACES: &[&str] = &[
    "hostname",
    "fqdn",
    "timezone",
    "locale",
    "final_message",
    "bootcmd[]",
    "bootcmd[][]",
    "runcmd[]",
    "runcmd[][]",
    "packages[]",
    "packages[][]",
    "ssh_authorized_keys[]",
    "groups[]",
    "users[]",
    "users[].name",
    "users[].gecos",
    "users[].shell",
    "users[].primary_group",
    "users[].homedir",
    "users[].passwd",
    "users[].hashed_passwd",
    "users[].plain_text_passwd",
    "users[].groups[]",
    "users[].sudo[]",
    "users[].ssh_authorized_keys[]",
    "chpasswd.users[].name",
    "chpasswd.users[].password",
    "write_files[].path",
    "write_files[].content",
    "write_files[].owner",
    "write_files[].encoding",
    "ntp.servers[]",
    "ntp.pools[]",
];

/// One open mapping or sequence, and where in it the parser is.
enum Frame {
    /// A mapping; `key` is the key whose value comes next, `None` while a key is awaited.
    Map { key: Option<String> },
    /// A sequence and the index of its next item.
    Seq { index: usize },
}

/// Reports every plain scalar in a string place that YAML 1.1 reads as a boolean or number.
/// The document has parsed already; a parser error here ends the check quietly.
pub fn check(sink: &mut Sink<'_>, text: &str) {
    let mut parser = Parser::new_from_str(text);
    let mut frames: Vec<Frame> = Vec::new();
    while let Ok((event, mark)) = parser.next_token() {
        match event {
            Event::StreamEnd => return,
            Event::MappingStart(..) => frames.push(Frame::Map { key: None }),
            Event::SequenceStart(..) => frames.push(Frame::Seq { index: 0 }),
            Event::MappingEnd | Event::SequenceEnd => {
                frames.pop();
                node_done(&mut frames, "?");
            }
            Event::Alias(_) => node_done(&mut frames, "*"),
            Event::Scalar(value, style, ..) => {
                if style == TScalarStyle::Plain && awaits_value(&frames) {
                    let (pattern, shown) = place(&frames);
                    if let Some(what) = yaml11_reading(&value) {
                        if STRING_PLACES.contains(&pattern.as_str())
                            && !reported_as_command(&pattern, &value)
                        {
                            sink.add(
                                "yaml11_not_a_string",
                                Severity::Error,
                                format!(
                                    "line {}: {shown}: unquoted {value} is {what} to cloud-init's YAML 1.1 reader, not a string; quote it",
                                    mark.line()
                                ),
                            );
                        }
                    }
                }
                node_done(&mut frames, &value);
            }
            _ => {}
        }
    }
}

/// True for a command that the command checks already report: one a YAML 1.2 reader also
/// takes for a number or boolean.
fn reported_as_command(pattern: &str, value: &str) -> bool {
    let command = pattern.starts_with("runcmd[]") || pattern.starts_with("bootcmd[]");
    command
        && !matches!(
            serde_yaml_ng::from_str(value),
            Ok(serde_yaml_ng::Value::String(_))
        )
}

/// True when the next node is a value (not a mapping key, not the document itself).
fn awaits_value(frames: &[Frame]) -> bool {
    match frames.last() {
        Some(Frame::Map { key }) => key.is_some(),
        Some(Frame::Seq { .. }) => true,
        None => false,
    }
}

/// Moves the innermost frame past a finished node: a key becomes the pending key, a value
/// clears it, a list item advances the index. `text` is the node if it was a scalar key.
fn node_done(frames: &mut [Frame], text: &str) {
    match frames.last_mut() {
        Some(Frame::Map { key }) => {
            *key = match key {
                None => Some(text.to_string()),
                Some(_) => None,
            }
        }
        Some(Frame::Seq { index }) => *index += 1,
        None => {}
    }
}

/// The path of the next node: as a pattern (`users[].name`) and as shown (`users[1].name`).
fn place(frames: &[Frame]) -> (String, String) {
    let (mut pattern, mut shown) = (String::new(), String::new());
    for frame in frames {
        match frame {
            Frame::Map { key: Some(key) } => {
                if !pattern.is_empty() {
                    pattern.push('.');
                    shown.push('.');
                }
                pattern.push_str(key);
                shown.push_str(key);
            }
            Frame::Map { key: None } => {}
            Frame::Seq { index } => {
                pattern.push_str("[]");
                shown.push_str(&format!("[{index}]"));
            }
        }
    }
    (pattern, shown)
}

/// What YAML 1.1 (PyYAML's resolver) makes of a plain scalar when that is not a string:
/// `the boolean true|false`, `an integer` or `a float`.
fn yaml11_reading(value: &str) -> Option<&'static str> {
    const TRUE: [&str; 9] = [
        "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
    ];
    const FALSE: [&str; 9] = [
        "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
    ];
    if TRUE.contains(&value) {
        Some("the boolean true")
    } else if FALSE.contains(&value) {
        Some("the boolean false")
    } else if is_int(value) {
        Some("an integer")
    } else if is_float(value) {
        Some("a float")
    } else {
        None
    }
}

/// Strips one leading sign.
fn unsigned(value: &str) -> &str {
    value.strip_prefix(['-', '+']).unwrap_or(value)
}

/// True when every byte is one of `allowed` or `_`, and there is at least one.
fn all_of(text: &str, allowed: impl Fn(u8) -> bool) -> bool {
    !text.is_empty() && text.bytes().all(|b| b == b'_' || allowed(b))
}

/// YAML 1.1 integers: binary `0b…`, hex `0x…`, octal `0…`, decimal (with `_`), and
/// sexagesimal `1:20:30`.
fn is_int(value: &str) -> bool {
    let v = unsigned(value);
    if let Some(bits) = v.strip_prefix("0b") {
        return all_of(bits, |b| b == b'0' || b == b'1');
    }
    if let Some(hex) = v.strip_prefix("0x") {
        return all_of(hex, |b| b.is_ascii_hexdigit());
    }
    if v == "0" || (v.starts_with('0') && all_of(v, |b| (b'0'..=b'7').contains(&b))) {
        return true;
    }
    let mut parts = v.split(':');
    let head = parts.next().unwrap_or_default();
    let decimal = head.starts_with(|c: char| c.is_ascii_digit() && c != '0')
        && all_of(head, |b| b.is_ascii_digit());
    decimal && parts.all(is_base60_digit)
}

/// One `:`-separated part of a sexagesimal number: `[0-5]?[0-9]`.
fn is_base60_digit(part: &str) -> bool {
    match part.as_bytes() {
        [d] => d.is_ascii_digit(),
        [t, d] => (b'0'..=b'5').contains(t) && d.is_ascii_digit(),
        _ => false,
    }
}

/// YAML 1.1 floats: `1.10`, `.5`, `1.0e+3`, `1:20.5`, `.inf`, `.nan`.
fn is_float(value: &str) -> bool {
    if [".nan", ".NaN", ".NAN"].contains(&value) {
        return true;
    }
    let v = unsigned(value);
    let signed = v.len() < value.len();
    if [".inf", ".Inf", ".INF"].contains(&v) {
        return true;
    }
    let (mantissa, exponent) = match v.find(['e', 'E']) {
        Some(at) => (&v[..at], Some(&v[at + 1..])),
        None => (v, None),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        e.strip_prefix(['-', '+'])
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
    });
    let Some((whole, fraction)) = mantissa.split_once('.') else {
        return false;
    };
    let fraction_ok = fraction.bytes().all(|b| b == b'_' || b.is_ascii_digit());
    let whole_ok = if whole.contains(':') {
        exponent.is_none() && is_int(whole)
    } else {
        whole.is_empty() && !signed && fraction.starts_with(|c: char| c.is_ascii_digit())
            || whole.starts_with(|c: char| c.is_ascii_digit())
                && all_of(whole, |b| b.is_ascii_digit())
    };
    exponent_ok && fraction_ok && whole_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::{Finding, Options};

    fn findings(text: &str) -> Vec<Finding> {
        let mut out = Vec::new();
        check(
            &mut Sink::new("seed", "user-data", Options::default(), &mut out),
            text,
        );
        out
    }

    #[test]
    fn reads_scalars_as_pyyaml_does() {
        for (value, what) in [
            ("yes", Some("the boolean true")),
            ("Off", Some("the boolean false")),
            ("y", None),
            ("1_000", Some("an integer")),
            ("0644", Some("an integer")),
            ("0x1F", Some("an integer")),
            ("0b101", Some("an integer")),
            ("1:20", Some("an integer")),
            ("1:60", None),
            ("-12", Some("an integer")),
            ("1.10", Some("a float")),
            (".5", Some("a float")),
            ("-.5", None),
            ("._1", None),
            ("1.0e+3", Some("a float")),
            ("1e3", None),
            ("1:20.5", Some("a float")),
            ("-.inf", Some("a float")),
            (".NaN", Some("a float")),
            ("1.2.3", None),
            ("08", None),
            ("v1", None),
            ("", None),
            (".", None),
        ] {
            assert_eq!(yaml11_reading(value), what, "{value}");
        }
    }

    #[test]
    fn flags_only_plain_scalars_in_string_places() {
        let text = "#cloud-config\nruncmd:\n  - yes\n  - 'no'\n  - [echo, on]\npackages:\n  - [nginx, 1.10]\n  - curl\npackage_upgrade: yes\nusers:\n  - default\n  - name: off\n    lock_passwd: no\nwrite_files:\n  - {path: /etc/x, content: 1:20, permissions: 0644}\n";
        let messages: Vec<String> = findings(text).into_iter().map(|f| f.message).collect();
        assert_eq!(
            messages,
            [
                "line 3: runcmd[0]: unquoted yes is the boolean true to cloud-init's YAML 1.1 reader, not a string; quote it",
                "line 5: runcmd[2][1]: unquoted on is the boolean true to cloud-init's YAML 1.1 reader, not a string; quote it",
                "line 7: packages[0][1]: unquoted 1.10 is a float to cloud-init's YAML 1.1 reader, not a string; quote it",
                "line 12: users[1].name: unquoted off is the boolean false to cloud-init's YAML 1.1 reader, not a string; quote it",
                "line 15: write_files[0].content: unquoted 1:20 is an integer to cloud-init's YAML 1.1 reader, not a string; quote it",
            ]
        );
    }

    #[test]
    fn keys_aliases_and_nested_values_keep_their_places() {
        let text = "a: &x {b: [1, 2]}\nc: *x\n? [complex]\n: v\nhostname: 1.5\n";
        let found = findings(text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.starts_with("line 5: hostname:"));
    }

    /// What PyYAML, the reader cloud-init uses, makes of each line, in [`yaml11_reading`]'s
    /// words; `string`, or `skip` for what is not a plain scalar.
    const PYYAML_READING: &str = r#"
import sys, yaml
names = {True: "the boolean true", False: "the boolean false"}
for line in sys.stdin.read().split("\n")[:-1]:
    try:
        v = yaml.safe_load(line)
    except Exception:  # a resolver match that fails to convert, such as 0x_
        print("skip"); continue
    if isinstance(v, bool): print(names[v])
    elif isinstance(v, int): print("an integer")
    elif isinstance(v, float): print("a float")
    elif isinstance(v, str): print("string")
    else: print("skip")
"#;

    /// Scalars made of the pieces YAML 1.1's resolvers look at, deterministic.
    fn generated_scalars() -> Vec<String> {
        const PIECES: [&str; 26] = [
            "0", "1", "7", "8", "9", "07", "10", "59", "60", "_", ".", "e", "E", "+", "-", ":",
            "x", "b", "0x", "0b", "inf", "nan", "NaN", "yes", "On", "a",
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut all: Vec<String> = (0..20_000)
            .map(|_| (0..=next(5)).map(|_| PIECES[next(PIECES.len())]).collect())
            .collect();
        all.sort();
        all.dedup();
        all
    }

    #[test]
    fn agrees_with_pyyaml() {
        let scalars = generated_scalars();
        let input: String = scalars.iter().map(|s| format!("{s}\n")).collect();
        let Some(answers) = crate::lint::pyyaml_output(PYYAML_READING, &input) else {
            return;
        };
        let mut compared = 0;
        for (scalar, theirs) in scalars.iter().zip(answers.lines()) {
            if theirs == "skip" {
                continue;
            }
            compared += 1;
            let ours = yaml11_reading(scalar).unwrap_or("string");
            assert_eq!(ours, theirs, "{scalar:?}");
        }
        assert!(compared > 5_000, "only {compared} compared");
    }
}
