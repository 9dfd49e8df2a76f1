//! The AWS CLI's output formats: `json`, `text`, `table` and `yaml`.
//!
//! [`render`] returns exactly what the AWS CLI writes to stdout for a response once `--query`
//! has been applied, byte for byte: `json`, `text` and `table` follow AWS CLI 1.46.3 (its
//! `formatter.py`, `text.py` and `table.py`; the table with `--color off`), `yaml` follows the
//! AWS CLI v2 (see [`yaml`](self#yaml)).
//!
//! # Table width
//!
//! The AWS CLI's table asks the terminal on stdout for its width and, when the table is wider,
//! lays its one-row sections out vertically. When stdout is not a terminal (piped or
//! redirected) that query fails and the CLI uses 80 columns, [`DEFAULT_TABLE_WIDTH`]. [`render`]
//! always uses 80, which is what the CLI does when piped; a caller writing to a terminal passes
//! the terminal's column count to [`render_with_width`].
//!
//! # Where the AWS CLI fails
//!
//! For a few shapes (only reachable with `--query`) the AWS CLI raises an internal error: the
//! table formatter for a list whose first item is a dict but which holds other values too, or
//! for rows of differing lengths in one section (e.g. `[["a", 1], ["b"]]`); the text formatter
//! for a list mixing dicts with other values. The CLI then prints the error on stderr and exits
//! 255; on stdout it leaves nothing for a table and what it had already written for text. These
//! functions return that stdout.
//!
//! # yaml
//!
//! The AWS CLI v2 (the only one with `--output yaml`) dumps the response with ruamel.yaml's
//! safe dumper (`default_flow_style = False`) through libyaml's emitter. Reproduced here, and
//! checked byte for byte against ruamel.yaml 0.17.21 with ruamel.yaml.clib 0.2.15: nothing for
//! `{}`; block style with mapping keys sorted, 2-space indentation and sequences under a key not
//! indented (`key:` then `- item`); `{}`/`[]` for empty collections; `null`, `true`, floats as
//! Python's `repr` (`1e+20`); strings plain unless YAML 1.2 would read them as another type or
//! they need quoting (single quotes, or double quotes with escapes for tabs, controls and
//! characters beyond U+FFFF such as emoji); lines folded at a space past column 80; `...` after
//! a plain top-level scalar.

mod json;

pub(crate) use stepwise_api::pyfmt::py_str as python_str;
mod table;
mod text;
mod yaml;

use serde_json::Value;

pub use stepwise_api::pyfmt::{is_printable as is_python_printable, text_width};

/// An `--output` format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// `--output json`: 4-space indented JSON, non-ASCII written as is.
    Json,
    /// `--output text`: tab-separated values.
    Text,
    /// `--output table` (uncoloured).
    Table,
    /// `--output yaml` (AWS CLI v2).
    Yaml,
}

/// The terminal width the AWS CLI's table uses when stdout is not a terminal.
pub const DEFAULT_TABLE_WIDTH: usize = 80;

/// The Unicode version whose East Asian Width and printability facts the formatters use
/// (CPython 3.11's `unicodedata`).
pub const UNICODE_VERSION: &str = stepwise_api::pyfmt::UNIDATA_VERSION;

/// `value` (a response after `--query`) as the AWS CLI prints it for `command_name` (the
/// operation's name, e.g. `GetWorkflowExecution`, which titles a table), with stdout not a
/// terminal (tables laid out for [`DEFAULT_TABLE_WIDTH`] columns). Empty where the CLI prints
/// nothing (json and yaml for `{}`, table for a falsy value).
pub fn render(format: OutputFormat, command_name: &str, value: &Value) -> String {
    render_with_width(format, command_name, value, DEFAULT_TABLE_WIDTH)
}

/// [`render`] for a terminal `terminal_width` columns wide. Only the table format depends on
/// the width: a table wider than that has its one-row sections laid out vertically.
pub fn render_with_width(
    format: OutputFormat,
    command_name: &str,
    value: &Value,
    terminal_width: usize,
) -> String {
    match format {
        OutputFormat::Json => json::render(value),
        OutputFormat::Text => text::render(value),
        OutputFormat::Table => table::render(command_name, value, terminal_width),
        OutputFormat::Yaml => yaml::render(value),
    }
}
