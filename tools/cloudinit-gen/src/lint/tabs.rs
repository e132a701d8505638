//! Tabs that cloud-init's YAML reader refuses. PyYAML (YAML 1.1) takes a tab only inside a
//! quoted scalar, a block scalar's text or a comment; anywhere else (indentation, between
//! tokens, inside a plain scalar such as `echo<TAB>b`) it stops with "found character '\t'
//! that cannot start any token", and cloud-init drops the whole document. libyaml and YAML 1.2
//! readers accept many of these tabs, so the document looks fine everywhere else.

use yaml_rust2::scanner::{Scanner, TScalarStyle, TokenType};

/// The line and column (both from 1) of the first tab PyYAML refuses, if any.
pub fn first_refused(text: &str) -> Option<(usize, usize)> {
    if !text.contains('\t') {
        return None;
    }
    let chars: Vec<char> = text.chars().collect();
    let mut protected_at = vec![false; chars.len()];
    for (start, end) in allowed_spans(text, &chars) {
        if let Some(span) = protected_at.get_mut(start..end.min(chars.len())) {
            span.fill(true);
        }
    }
    let mut in_comment = false;
    let (mut line, mut column) = (1, 0);
    for (i, &c) in chars.iter().enumerate() {
        column += 1;
        let protected = protected_at[i];
        match c {
            '\n' => {
                in_comment = false;
                line += 1;
                column = 0;
            }
            '#' if !protected && (i == 0 || matches!(chars[i - 1], ' ' | '\t' | '\n')) => {
                in_comment = true
            }
            '\t' if !protected && !in_comment => return Some((line, column)),
            _ => {}
        }
    }
    None
}

/// The char ranges where a tab is text: quoted scalars (quotes included) and block scalars
/// (their text lines, not the header). A scanner error (yaml-rust2 refuses some tabs too) ends
/// the list: the rest of the document is judged as outside any scalar.
fn allowed_spans(text: &str, chars: &[char]) -> Vec<(usize, usize)> {
    let mut scanner = Scanner::new(text.chars());
    let mut spans = Vec::new();
    while let Ok(Some(token)) = scanner.next_token() {
        let start = token.0.index();
        match token.1 {
            TokenType::Scalar(TScalarStyle::SingleQuoted, _) => {
                spans.push((start, quoted_end(chars, start, '\'')))
            }
            TokenType::Scalar(TScalarStyle::DoubleQuoted, _) => {
                spans.push((start, quoted_end(chars, start, '"')))
            }
            TokenType::Scalar(TScalarStyle::Literal | TScalarStyle::Folded, _) => {
                spans.push(block_span(chars, start))
            }
            TokenType::StreamEnd => break,
            _ => {}
        }
    }
    spans
}

/// The range of a block scalar's text whose token is marked at `mark`: from the line after its
/// `|` or `>` header to the first later line (not all spaces) indented less than its first text line. A line that
/// starts with a tab has no indentation, so it ends the scalar, as in PyYAML.
fn block_span(chars: &[char], mark: usize) -> (usize, usize) {
    let end = mark.min(chars.len().saturating_sub(1));
    let indicator = (0..=end)
        .rev()
        .find(|&i| matches!(chars.get(i), Some('|' | '>')))
        .unwrap_or(mark);
    let mut at = indicator;
    while at < chars.len() && chars[at] != '\n' {
        at += 1;
    }
    let text_start = (at + 1).min(chars.len());
    let mut indent = None;
    while at + 1 < chars.len() {
        let line = at + 1;
        let spaces = chars[line..].iter().take_while(|&&c| c == ' ').count();
        let rest = chars.get(line + spaces).copied().unwrap_or('\n');
        if rest != '\n' {
            let needed = *indent.get_or_insert(spaces);
            if spaces < needed || spaces == 0 {
                return (text_start, line);
            }
        }
        at = line + spaces;
        while at < chars.len() && chars[at] != '\n' {
            at += 1;
        }
    }
    (text_start, chars.len())
}

/// The index after the closing quote of a scalar opened at `start`: `''` is an escaped quote in
/// single quotes, a backslash escapes the next character in double quotes.
fn quoted_end(chars: &[char], start: usize, quote: char) -> usize {
    let mut i = start + 1;
    while let Some(&c) = chars.get(i) {
        let escaped_quote = c == quote && quote == '\'' && chars.get(i + 1) == Some(&'\'');
        if (quote == '"' && c == '\\') || escaped_quote {
            i += 2;
        } else if c == quote {
            return i + 1;
        } else {
            i += 1;
        }
    }
    chars.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_outside_scalars_and_comments_are_found() {
        assert_eq!(first_refused("runcmd:\n  - echo\tb\n"), Some((2, 9)));
        assert_eq!(first_refused("a:\tb\n"), Some((1, 3)));
        assert_eq!(first_refused("a: [b,\tc]\n"), Some((1, 7)));
        assert_eq!(first_refused("a: 'x'\t# c\n"), Some((1, 7)));
        assert_eq!(first_refused("a: 'b\tc'\nd: \"e\\\"\tf\"\n"), None);
        assert_eq!(first_refused("a: |\n  b\tc\n  \td\ne: 'it''s\t'\n"), None);
        assert_eq!(first_refused("a: |\n  b\n \td\n"), Some((3, 2)));
        assert_eq!(first_refused("a: |\t\n  b\n"), Some((1, 5)));
        assert_eq!(first_refused("a: b # c\td\n#\t\n"), None);
        assert_eq!(first_refused("a: b#c\td\n"), Some((1, 7)));
    }

    /// Prints `ok` or `error` for each document (NUL-separated) as PyYAML loads it.
    const PYYAML_LOADS: &str = r#"
import sys, yaml
for doc in sys.stdin.read().split("\0")[:-1]:
    try:
        yaml.safe_load(doc); print("ok")
    except yaml.YAMLError:
        print("error")
"#;

    /// Documents with a tab put in (or over a space) at every position of a few samples.
    fn documents() -> Vec<String> {
        const SAMPLES: [&str; 5] = [
            "#cloud-config\nruncmd:\n  - echo a b\n  - [ls, '-l x']\n",
            "users:\n  - default\n  - name: ops # admin\n    groups: [a, b]\n",
            "write_files:\n  - path: /x\n    content: |\n      line one\n      two\n    owner: \"r:r\"\n",
            "a: {b: c, d: 'e f'}\nk: >\n  folded text\n\nz: 1\n",
            "network:\n  version: 2\n  ethernets:\n    eth0: {dhcp4: true}\n",
        ];
        let mut docs = Vec::new();
        for sample in SAMPLES {
            for (at, c) in sample.char_indices() {
                docs.push(format!("{}\t{}", &sample[..at], &sample[at..]));
                if c == ' ' {
                    docs.push(format!("{}\t{}", &sample[..at], &sample[at + 1..]));
                }
            }
        }
        docs
    }

    #[test]
    fn agrees_with_pyyaml() {
        let docs = documents();
        let input: String = docs.iter().map(|d| format!("{d}\0")).collect();
        let Some(answers) = crate::lint::pyyaml_output(PYYAML_LOADS, &input) else {
            return;
        };
        assert_eq!(answers.lines().count(), docs.len());
        let mut compared = 0;
        for (doc, theirs) in docs.iter().zip(answers.lines()) {
            if serde_yaml_ng::from_str::<serde_yaml_ng::Value>(doc).is_err() {
                continue;
            }
            compared += 1;
            let ours = if first_refused(doc).is_some() {
                "error"
            } else {
                "ok"
            };
            assert_eq!(ours, theirs, "{doc:?}");
        }
        assert!(compared > 100, "only {compared} compared");
    }
}
