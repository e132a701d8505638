//! Rendering rows for people: aligned plain-text tables, CSV and Markdown.

use std::fmt::Write as _;

use clap::ValueEnum;

/// The formats a table can be rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    /// Columns aligned with spaces, for a terminal.
    Table,
    /// Comma-separated values with a header row (RFC 4180 quoting).
    Csv,
    /// A GitHub-flavoured Markdown table, for a pull-request comment.
    Markdown,
}

/// A header and rows of cells; numeric columns are right-aligned in the plain-text form.
#[derive(Debug, Clone, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers.
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Self {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row; missing cells are empty and extra cells are dropped.
    pub fn push<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let mut row: Vec<String> = cells.into_iter().map(Into::into).collect();
        row.resize(self.headers.len(), String::new());
        self.rows.push(row);
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Renders the table in the given format, ending with a newline.
    pub fn render(&self, format: TableFormat) -> String {
        match format {
            TableFormat::Table => self.plain(),
            TableFormat::Csv => self.csv(),
            TableFormat::Markdown => self.markdown(),
        }
    }

    fn widths(&self) -> Vec<usize> {
        (0..self.headers.len())
            .map(|c| {
                let cells = self.rows.iter().map(|r| r[c].chars().count());
                cells
                    .chain([self.headers[c].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    /// A column is numeric when it has at least one number and nothing but numbers.
    fn numeric(&self, column: usize) -> bool {
        let cells = self.rows.iter().map(|r| r[column].trim_end_matches('%'));
        let mut filled = cells.filter(|cell| !cell.is_empty()).peekable();
        filled.peek().is_some() && filled.all(|cell| cell.parse::<f64>().is_ok())
    }

    fn plain(&self) -> String {
        let widths = self.widths();
        let numeric: Vec<bool> = (0..widths.len()).map(|c| self.numeric(c)).collect();
        let mut out = String::new();
        for row in std::iter::once(&self.headers).chain(&self.rows) {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(c, cell)| {
                    if numeric[c] {
                        format!("{cell:>w$}", w = widths[c])
                    } else {
                        format!("{cell:<w$}", w = widths[c])
                    }
                })
                .collect();
            let _ = writeln!(out, "{}", cells.join("  ").trim_end());
        }
        out
    }

    fn csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        for row in std::iter::once(&self.headers).chain(&self.rows) {
            // Writing to memory cannot fail.
            let _ = writer.write_record(row);
        }
        let bytes = writer.into_inner().unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    fn markdown(&self) -> String {
        let escape = |s: &str| s.replace('|', "\\|").replace('\n', "<br>");
        let mut out = String::new();
        let _ = writeln!(
            out,
            "| {} |",
            self.headers
                .iter()
                .map(|h| escape(h))
                .collect::<Vec<_>>()
                .join(" | ")
        );
        let rule: Vec<&str> = (0..self.headers.len())
            .map(|c| if self.numeric(c) { "---:" } else { "---" })
            .collect();
        let _ = writeln!(out, "| {} |", rule.join(" | "));
        for row in &self.rows {
            let _ = writeln!(
                out,
                "| {} |",
                row.iter()
                    .map(|c| escape(c))
                    .collect::<Vec<_>>()
                    .join(" | ")
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(["name", "bytes"]);
        t.push(["a|b", "10"]);
        t.push(["long name", "2000"]);
        t
    }

    #[test]
    fn plain_aligns_and_right_justifies_numbers() {
        assert_eq!(
            sample().render(TableFormat::Table),
            "name       bytes\na|b           10\nlong name   2000\n"
        );
    }

    #[test]
    fn csv_has_a_header_row() {
        assert_eq!(
            sample().render(TableFormat::Csv),
            "name,bytes\na|b,10\nlong name,2000\n"
        );
    }

    #[test]
    fn markdown_escapes_pipes() {
        let md = sample().render(TableFormat::Markdown);
        assert_eq!(
            md,
            "| name | bytes |\n| --- | ---: |\n| a\\|b | 10 |\n| long name | 2000 |\n"
        );
    }

    #[test]
    fn empty_columns_are_not_numeric() {
        let mut t = Table::new(["a", "b"]);
        t.push(["1", ""]);
        assert_eq!(
            t.render(TableFormat::Markdown),
            "| a | b |\n| ---: | --- |\n| 1 |  |\n"
        );
    }

    #[test]
    fn short_rows_are_padded() {
        let mut t = Table::new(["a", "b"]);
        t.push(["x"]);
        assert_eq!(t.render(TableFormat::Csv), "a,b\nx,\n");
        assert_eq!(t.len(), 1);
    }
}
