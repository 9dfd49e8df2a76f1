//! `--output table` (with `--color off`, which is also what `auto` gives when stdout is not a
//! terminal): awscli's `TableFormatter` over a `MultiTable` of sections.
//!
//! Layout, as the AWS CLI does it:
//! * Nothing at all for a falsy value (`null`, `false`, `0`, `""`, `[]`, `{}`).
//! * A section per dict or list, titled with the operation name at the top and with the key
//!   below it; nested sections are indented one `|` per level on each side.
//! * A dict's scalar values form one row under a header of their sorted keys (a single scalar
//!   is a `key | value` row); its non-scalar values follow as sub-sections in sorted key order.
//! * A list of dicts is one header (the sorted union of scalar keys, blank cells where a dict
//!   lacks one) and a row per dict; when the dicts have non-scalar values each dict gets its own
//!   section so its sub-sections follow it.
//! * A list of scalars is a one-column table; a list of lists of scalars is a row per list.
//! * Every section is stretched to the widest section; columns are scaled in proportion to
//!   their content (Python's round-half-even, then fixed up from the left, or from the right
//!   when short). Headers and titles are centred, cells left-aligned with two spaces. Cells are
//!   never wrapped or cut.
//! * When the table is wider than the terminal, every section of one row is turned into
//!   `key | value` rows (once; a table still too wide just overflows).
//! * Values print with Python's `str()`; widths count East Asian Wide, Fullwidth and
//!   Ambiguous characters as two columns.
//!
//! Where the AWS CLI raises an exception while building the table (rows of differing lengths
//! in one section, a list whose first item is a dict but which holds non-dicts), it prints an
//! error on stderr and nothing on stdout: [`render`] returns an empty string then.

use serde_json::{Map, Value};

use stepwise_api::pyfmt::{is_scalar, py_str, text_width, truthy};

/// The AWS CLI raised an exception while building the table.
struct Failed;

struct Section {
    /// `None` where the AWS CLI has Python's `None` (it counts as 4 columns, `"None"`).
    title: Option<String>,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    indent_level: usize,
    num_cols: Option<usize>,
    max_widths: Vec<usize>,
}

impl Section {
    fn new(title: Option<&str>, indent_level: usize) -> Self {
        Section {
            title: title.map(str::to_owned),
            headers: Vec::new(),
            rows: Vec::new(),
            indent_level,
            num_cols: None,
            max_widths: Vec::new(),
        }
    }

    fn title_width(&self) -> usize {
        match &self.title {
            Some(title) => text_width(title),
            None => 4,
        }
    }

    fn add_header(&mut self, headers: Vec<String>) -> Result<(), Failed> {
        self.update_max_widths(&headers)?;
        if self.num_cols.is_none() {
            self.num_cols = Some(headers.len());
        }
        self.headers = headers;
        Ok(())
    }

    fn add_row(&mut self, row: Vec<String>) -> Result<(), Failed> {
        let num_cols = *self.num_cols.get_or_insert(row.len());
        if row.len() != num_cols {
            return Err(Failed);
        }
        self.update_max_widths(&row)?;
        self.rows.push(row);
        Ok(())
    }

    fn update_max_widths(&mut self, row: &[String]) -> Result<(), Failed> {
        if self.max_widths.is_empty() {
            self.max_widths = row.iter().map(|el| text_width(el)).collect();
            return Ok(());
        }
        for (i, el) in row.iter().enumerate() {
            let slot = self.max_widths.get_mut(i).ok_or(Failed)?;
            *slot = (*slot).max(text_width(el));
        }
        Ok(())
    }

    /// Column widths (content + `padding`) scaled so they add up to `max_width`.
    fn column_widths(&self, padding: i64, max_width: i64) -> Vec<i64> {
        let unscaled: Vec<i64> = self
            .max_widths
            .iter()
            .map(|w| *w as i64 + padding)
            .collect();
        if unscaled.is_empty() {
            return unscaled;
        }
        let total: i64 = unscaled.iter().sum();
        let scale = max_width as f64 / total as f64;
        let mut scaled: Vec<i64> = unscaled
            .iter()
            .map(|w| (scale * *w as f64).round_ties_even() as i64)
            .collect();
        let mut off_by: i64 = scaled.iter().sum::<i64>() - max_width;
        while off_by != 0 {
            let order: Vec<usize> = if off_by < 0 {
                (0..scaled.len()).rev().collect()
            } else {
                (0..scaled.len()).collect()
            };
            for i in order {
                if off_by > 0 {
                    scaled[i] -= 1;
                    off_by -= 1;
                } else {
                    scaled[i] += 1;
                    off_by += 1;
                }
                if off_by == 0 {
                    break;
                }
            }
        }
        scaled
    }

    /// The width this section needs: its columns with 4 columns of padding each, its borders and
    /// its indentation, or its title's.
    fn total_width(&self) -> usize {
        let outer = 2 * self.indent_level;
        let columns: usize = self.max_widths.iter().map(|w| w + 4).sum::<usize>() + 2 + outer;
        columns.max(self.title_width() + 2 + outer)
    }
}

#[derive(Default)]
struct MultiTable {
    sections: Vec<Section>,
}

impl MultiTable {
    fn current(&mut self) -> Result<&mut Section, Failed> {
        self.sections.last_mut().ok_or(Failed)
    }

    fn new_section(&mut self, title: Option<&str>, indent_level: usize) {
        self.sections.push(Section::new(title, indent_level));
    }

    fn add_row_header(&mut self, headers: Vec<String>) -> Result<(), Failed> {
        self.current()?.add_header(headers)
    }

    fn add_row(&mut self, row: Vec<String>) -> Result<(), Failed> {
        self.current()?.add_row(row)
    }

    fn max_width(&self) -> usize {
        self.sections
            .iter()
            .map(Section::total_width)
            .max()
            .unwrap_or(0)
    }

    /// Turns every one-row section with headers into `header | value` rows.
    fn convert_to_vertical(&mut self) {
        for section in &mut self.sections {
            if section.rows.len() == 1 && !section.headers.is_empty() {
                let mut vertical = Section::new(section.title.as_deref(), section.indent_level);
                for (header, element) in section.headers.iter().zip(&section.rows[0]) {
                    // Two columns in every row: this cannot fail.
                    let _ = vertical.add_row(vec![header.clone(), element.clone()]);
                }
                *section = vertical;
            }
        }
    }

    fn render(&mut self, terminal_width: usize) -> String {
        let mut max_width = self.max_width();
        if max_width > terminal_width {
            self.convert_to_vertical();
            max_width = self.max_width();
        }
        let mut out = "-".repeat(max_width);
        out.push('\n');
        for section in &self.sections {
            render_section(section, max_width as i64, &mut out);
        }
        out
    }
}

fn spaces(n: i64) -> String {
    " ".repeat(n.max(0) as usize)
}

fn dashes(n: i64) -> String {
    "-".repeat(n.max(0) as usize)
}

/// `text` centred in `length` columns between the edges (`|` counts 1, `""` 0).
fn center_text(text: &str, length: i64, left_edge: &str, right_edge: &str) -> String {
    let text_length = text_width(text) as i64;
    let left_len = left_edge.len() as i64;
    let right_len = right_edge.len() as i64;
    let char_start = length.div_euclid(2) - text_length.div_euclid(2) - 1;
    let length_so_far = left_len + char_start + text_length;
    let right_spaces = length - right_len - length_so_far;
    format!(
        "{left_edge}{}{text}{}{right_edge}",
        spaces(char_start),
        spaces(right_spaces)
    )
}

/// `text` after two spaces (none if it would not fit), padded to `length` columns.
fn align_left(text: &str, length: i64, left_edge: &str, right_edge: &str) -> String {
    let text_length = text_width(text) as i64;
    let left_len = left_edge.len() as i64;
    let right_len = right_edge.len() as i64;
    let computed = text_length + 2 + left_len + right_len;
    let padding = if length - computed >= 0 { 2 } else { 0 };
    let length_so_far = left_len + padding + text_length;
    format!(
        "{left_edge}{}{text}{}{right_edge}",
        spaces(padding),
        spaces(length - length_so_far - right_len)
    )
}

fn line_break(widths: &[i64]) -> String {
    let mut line = String::new();
    for (i, width) in widths.iter().enumerate() {
        if i == 0 {
            line.push('+');
            line.push_str(&dashes(width - 2));
            line.push('+');
        } else {
            line.push_str(&dashes(width - 1));
            line.push('+');
        }
    }
    line
}

fn render_section(section: &Section, max_width: i64, out: &mut String) {
    let edge = "|".repeat(section.indent_level);
    let mut write = |line: &str| {
        out.push_str(&edge);
        out.push_str(line);
        out.push_str(&edge);
        out.push('\n');
    };
    let max_width = max_width - 2 * section.indent_level as i64;
    if let Some(title) = section.title.as_deref().filter(|t| !t.is_empty()) {
        write(&center_text(title, max_width, "|", "|"));
        if section.headers.is_empty() && section.rows.is_empty() {
            write(&format!("+{}+", dashes(max_width - 2)));
        }
    }
    if !section.headers.is_empty() {
        let widths = section.column_widths(4, max_width);
        let mut line = String::new();
        for (i, (width, header)) in widths.iter().zip(&section.headers).enumerate() {
            let left = if i == 0 { "|" } else { "" };
            line.push_str(&center_text(header, *width, left, "|"));
        }
        write(&line_break(&widths));
        write(&line);
    }
    if section.rows.is_empty() {
        return;
    }
    let widths = section.column_widths(4, max_width);
    if widths.is_empty() {
        return;
    }
    write(&line_break(&widths));
    for row in &section.rows {
        let mut line = String::new();
        for (i, (width, element)) in widths.iter().zip(row).enumerate() {
            let left = if i == 0 { "|" } else { "" };
            line.push_str(&align_left(element, *width, left, "|"));
        }
        write(&line);
    }
    write(&line_break(&widths));
}

struct Builder {
    table: MultiTable,
}

impl Builder {
    fn build_table(
        &mut self,
        title: Option<&str>,
        current: &Value,
        indent_level: usize,
    ) -> Result<bool, Failed> {
        if !truthy(current) {
            return Ok(false);
        }
        if title.is_some() {
            self.table.new_section(title, indent_level);
        }
        match current {
            Value::Array(items) => {
                if items[0].is_object() {
                    self.sub_table_from_list(items, indent_level, title)?;
                } else {
                    for item in items {
                        match item {
                            // A dict's keys are scalars, so the AWS CLI makes a row of its keys.
                            Value::Object(map) => {
                                self.table.add_row(map.keys().cloned().collect())?
                            }
                            Value::Array(inner) if inner.iter().all(is_scalar) => {
                                self.table.add_row(inner.iter().map(py_str).collect())?
                            }
                            Value::Array(_) => {
                                self.build_table(None, item, 0)?;
                            }
                            scalar => self.table.add_row(vec![py_str(scalar)])?,
                        }
                    }
                }
            }
            Value::Object(map) => self.sub_table_from_dict(map, indent_level)?,
            _ => {}
        }
        Ok(true)
    }

    fn sub_table_from_dict(
        &mut self,
        current: &Map<String, Value>,
        indent_level: usize,
    ) -> Result<(), Failed> {
        let (headers, more) = group_scalar_keys(current);
        if headers.len() == 1 {
            let value = py_str(&current[headers[0].as_str()]);
            self.table.add_row(vec![headers[0].clone(), value])?;
        } else if !headers.is_empty() {
            let row = headers
                .iter()
                .map(|k| py_str(&current[k.as_str()]))
                .collect();
            self.table.add_row_header(headers)?;
            self.table.add_row(row)?;
        }
        for remaining in more {
            self.build_table(
                Some(&remaining),
                &current[remaining.as_str()],
                indent_level + 1,
            )?;
        }
        Ok(())
    }

    fn sub_table_from_list(
        &mut self,
        current: &[Value],
        indent_level: usize,
        title: Option<&str>,
    ) -> Result<(), Failed> {
        // The AWS CLI fails on any item that is not a dict (no `.get`).
        let dicts: Vec<&Map<String, Value>> = current
            .iter()
            .map(|v| v.as_object().ok_or(Failed))
            .collect::<Result<_, _>>()?;
        let mut headers: Vec<String> = Vec::new();
        let mut more: Vec<String> = Vec::new();
        for dict in &dicts {
            let (h, m) = group_scalar_keys(dict);
            for key in h {
                if !headers.contains(&key) {
                    headers.push(key);
                }
            }
            for key in m {
                if !more.contains(&key) {
                    more.push(key);
                }
            }
        }
        headers.sort();
        more.sort();
        self.table.add_row_header(headers.clone())?;
        for (i, element) in dicts.iter().enumerate() {
            if i > 0 && !more.is_empty() {
                self.table.new_section(title, indent_level);
                self.table.add_row_header(headers.clone())?;
            }
            let row = headers
                .iter()
                .map(|h| element.get(h).map(py_str).unwrap_or_default())
                .collect();
            self.table.add_row(row)?;
            for remaining in &more {
                if let Some(value) = element.get(remaining) {
                    self.build_table(Some(remaining), value, indent_level + 1)?;
                }
            }
        }
        Ok(())
    }
}

/// A dict's keys holding scalars and those holding lists or dicts, each sorted.
fn group_scalar_keys(current: &Map<String, Value>) -> (Vec<String>, Vec<String>) {
    let (mut headers, mut more): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for (key, value) in current {
        if is_scalar(value) {
            headers.push(key.clone());
        } else {
            more.push(key.clone());
        }
    }
    headers.sort();
    more.sort();
    (headers, more)
}

/// The table the AWS CLI prints for `value` under the title `command_name`, for a terminal
/// `terminal_width` columns wide; empty where it prints nothing.
pub(crate) fn render(command_name: &str, value: &Value, terminal_width: usize) -> String {
    let mut builder = Builder {
        table: MultiTable::default(),
    };
    match builder.build_table(Some(command_name), value, 0) {
        Ok(true) => builder.table.render(terminal_width),
        Ok(false) | Err(Failed) => String::new(),
    }
}
