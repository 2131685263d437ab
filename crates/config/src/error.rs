//! Config errors that say where: file, line, column and the field path.
//!
//! Every problem found in a config file becomes a [`Problem`] printed as
//! `ccsync.toml:12:5: flows.wfm-east.source: unknown connection "acd-wst" (known: …)`.
//! Validation collects all problems it can find so an operator fixes them in one pass; a TOML
//! syntax or type error stops deserialisation at the first one, and its field path is recovered
//! by locating the error's byte span in the parsed document tree.

use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

/// A position in the config file, both 1-based; the column counts characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl Location {
    /// The location of byte `offset` in `text` (clamped to the end of the text).
    pub(crate) fn of_offset(text: &str, offset: usize) -> Location {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Location {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

/// One thing wrong with a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The config file as it was named to [`crate::Config::load`] or [`crate::Config::from_str`].
    pub file: PathBuf,
    /// Where in the file, when the problem has a position.
    pub location: Option<Location>,
    /// The dotted field path, e.g. `flows.wfm-east.source` or `flows.wfm-east.kinds[1]`.
    pub field: Option<String>,
    /// What is wrong, as a sentence for an operator.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(Location { line, column }) = self.location {
            write!(f, ":{line}:{column}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why a config file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read (missing, unreadable, not UTF-8).
    #[error("{}: cannot read config file: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    /// The file was read but is not a valid config; one problem per line.
    #[error("{}", ProblemList(problems))]
    Invalid { problems: Vec<Problem> },
}

impl ConfigError {
    /// The problems found, in file order; empty for a read error.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Read { .. } => &[],
            ConfigError::Invalid { problems } => problems,
        }
    }
}

struct ProblemList<'a>(&'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

/// Formats a field path from its keys, quoting any key that is not a bare TOML key so the path
/// stays unambiguous (`connections.acd.settings."a.b"`).
pub(crate) fn field_path<'a>(keys: impl IntoIterator<Item = &'a str>) -> String {
    let mut path = String::new();
    for key in keys {
        if !path.is_empty() {
            path.push('.');
        }
        push_key(&mut path, key);
    }
    path
}

fn push_key(path: &mut String, key: &str) {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare {
        path.push_str(key);
    } else {
        path.push('"');
        path.extend(key.escape_default());
        path.push('"');
    }
}

/// Collects problems against one config text, turning byte spans into locations.
pub(crate) struct Reporter<'a> {
    file: &'a Path,
    text: &'a str,
    /// Each problem with the byte offset it sorts by.
    problems: Vec<(usize, Problem)>,
}

impl<'a> Reporter<'a> {
    pub(crate) fn new(file: &'a Path, text: &'a str) -> Self {
        Reporter {
            file,
            text,
            problems: Vec::new(),
        }
    }

    /// Records a problem at `span` for `field`.
    pub(crate) fn at(&mut self, span: Range<usize>, field: String, message: impl Into<String>) {
        let problem = Problem {
            file: self.file.to_path_buf(),
            location: Some(Location::of_offset(self.text, span.start)),
            field: Some(field),
            message: message.into(),
        };
        self.problems.push((span.start, problem));
    }

    /// `Ok(value)` if nothing was reported, else every problem in file order.
    pub(crate) fn finish<T>(mut self, value: T) -> Result<T, ConfigError> {
        if self.problems.is_empty() {
            return Ok(value);
        }
        self.problems.sort_by_key(|(offset, _)| *offset);
        Err(ConfigError::Invalid {
            problems: self.problems.into_iter().map(|(_, p)| p).collect(),
        })
    }
}

/// Converts a TOML syntax or deserialisation error into a problem with location and, where the
/// document parses, the path of the field the error's span falls in.
pub(crate) fn from_toml_error(file: &Path, text: &str, error: &toml::de::Error) -> ConfigError {
    let span = error.span();
    let (field, message) = match DeTable::parse(text) {
        // The document itself does not parse: a syntax error, which has no field.
        Err(_) => (None, format!("invalid TOML: {}", error.message())),
        Ok(doc) => {
            let field = span.as_ref().and_then(|span| {
                let mut segments = Vec::new();
                find_in_table(doc.get_ref(), span.start, &mut segments)
                    .then(|| join_segments(&segments))
            });
            (field, error.message().to_owned())
        }
    };
    ConfigError::Invalid {
        problems: vec![Problem {
            file: file.to_path_buf(),
            location: span.map(|s| Location::of_offset(text, s.start)),
            field,
            message,
        }],
    }
}

enum Segment {
    Key(String),
    Index(usize),
}

fn join_segments(segments: &[Segment]) -> String {
    let mut path = String::new();
    for segment in segments {
        match segment {
            Segment::Key(key) => {
                if !path.is_empty() {
                    path.push('.');
                }
                push_key(&mut path, key);
            }
            Segment::Index(i) => path.push_str(&format!("[{i}]")),
        }
    }
    path
}

fn span_holds(span: Range<usize>, offset: usize) -> bool {
    span.start <= offset && offset < span.end.max(span.start + 1)
}

/// Depth-first search for the innermost key or value whose span holds `offset`. Tables declared
/// by a `[header]` have the header as their span while their entries sit below it, so tables are
/// always searched, whatever their own span.
fn find_in_table(table: &DeTable<'_>, offset: usize, path: &mut Vec<Segment>) -> bool {
    for (key, value) in table.iter() {
        path.push(Segment::Key(key.get_ref().to_string()));
        if find_in_value(value.get_ref(), offset, path)
            || span_holds(key.span(), offset)
            || span_holds(value.span(), offset)
        {
            return true;
        }
        path.pop();
    }
    false
}

fn find_in_value(value: &DeValue<'_>, offset: usize, path: &mut Vec<Segment>) -> bool {
    match value {
        DeValue::Table(table) => find_in_table(table, offset, path),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Segment::Index(i));
                if find_in_value(item.get_ref(), offset, path) || span_holds(item.span(), offset) {
                    return true;
                }
                path.pop();
            }
            false
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_one_based_and_count_characters() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(
            Location::of_offset(text, 0),
            Location { line: 1, column: 1 }
        );
        let offset = text.find("= 2").unwrap();
        assert_eq!(
            Location::of_offset(text, offset),
            Location { line: 2, column: 4 }
        );
    }

    #[test]
    fn field_paths_quote_keys_that_are_not_bare() {
        assert_eq!(
            field_path(["flows", "wfm-east", "source"]),
            "flows.wfm-east.source"
        );
        assert_eq!(
            field_path(["connections", "c", "settings", "a.b"]),
            "connections.c.settings.\"a.b\""
        );
    }

    #[test]
    fn problems_display_as_file_line_column_field_message() {
        let problem = Problem {
            file: PathBuf::from("ccsync.toml"),
            location: Some(Location {
                line: 12,
                column: 5,
            }),
            field: Some("flows.wfm-east.source".into()),
            message: "unknown connection \"acd-wst\"".into(),
        };
        assert_eq!(
            problem.to_string(),
            "ccsync.toml:12:5: flows.wfm-east.source: unknown connection \"acd-wst\""
        );
    }

    fn first_problem(text: &str) -> String {
        let err = crate::Config::from_str(text, "ccsync.toml", &crate::Family::ALL).unwrap_err();
        assert_eq!(err.problems().len(), 1, "{err}");
        err.to_string()
    }

    #[test]
    fn unknown_key_is_rejected_naming_key_and_path() {
        let text = "[flows.f]\nsource = \"a\"\ntarget = \"wfm\"\nkinds = [\"user\"]\nretries = 3\n";
        let err = first_problem(text);
        assert!(
            err.starts_with("ccsync.toml:5:1: flows.f.retries: unknown field `retries`, expected one of `source`, `target`"),
            "{err}"
        );
    }

    #[test]
    fn unknown_top_level_and_runtime_keys_are_rejected() {
        let err = first_problem("data_dir = \"d\"\ndatadir = \"d\"\n");
        assert!(
            err.starts_with("ccsync.toml:2:1: datadir: unknown field `datadir`"),
            "{err}"
        );
        let err = first_problem("[runtime]\nmemory = \"1MiB\"\n");
        assert!(
            err.starts_with("ccsync.toml:2:1: runtime.memory: unknown field `memory`"),
            "{err}"
        );
    }

    #[test]
    fn unknown_key_in_header_table_points_at_the_header_key() {
        let text = "[plugins.p]\npath = \"p.wasm\"\n[plugins.p.extra]\nx = 1\n";
        let err = first_problem(text);
        assert!(
            err.starts_with("ccsync.toml:3:12: plugins.p.extra: unknown field `extra`"),
            "{err}"
        );
    }

    #[test]
    fn wrong_value_type_names_the_field() {
        let text =
            "[flows.f]\nsource = \"a\"\ntarget = \"wfm\"\nkinds = [\"user\"]\ninterval = 15\n";
        assert_eq!(
            first_problem(text),
            "ccsync.toml:5:12: flows.f.interval: invalid type: integer `15`, expected a string"
        );
    }

    #[test]
    fn wrong_type_in_an_array_names_the_index() {
        let text = "[connections.c]\nplugin = \"p\"\ntenant = \"t\"\nallowed_origins = [\"http://a\", 5]\n";
        assert_eq!(
            first_problem(text),
            "ccsync.toml:4:32: connections.c.allowed_origins[1]: invalid type: integer `5`, expected a string"
        );
    }

    #[test]
    fn non_string_setting_names_the_setting() {
        let text = "[connections.c]\nplugin = \"p\"\ntenant = \"t\"\n[connections.c.settings]\nport = 8080\n";
        assert_eq!(
            first_problem(text),
            "ccsync.toml:5:8: connections.c.settings.port: invalid type: integer `8080`, expected a string"
        );
    }

    #[test]
    fn missing_required_key_names_its_table() {
        let text = "[plugins.p]\npath = \"p.wasm\"\n[connections.c]\nplugin = \"p\"\n";
        assert_eq!(
            first_problem(text),
            "ccsync.toml:3:1: connections.c: missing field `tenant`"
        );
    }

    #[test]
    fn literal_secret_is_refused_without_echoing_it() {
        let text = "[connections.c]\nplugin = \"p\"\ntenant = \"t\"\n[connections.c.secrets]\nclient-secret = \"hunter2\"\n";
        let err = first_problem(text);
        assert!(
            err.starts_with("ccsync.toml:5:17: connections.c.secrets.client-secret: expected a secret reference: { env = \"NAME\" } or { file = \"path\" }, found a string"),
            "{err}"
        );
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn secret_reference_with_both_or_unknown_sources_is_refused() {
        let both = "[connections.c]\nplugin = \"p\"\ntenant = \"t\"\n[connections.c.secrets]\nk = { env = \"A\", file = \"b\" }\n";
        let err = first_problem(both);
        assert!(
            err.contains("connections.c.secrets.k: give exactly one of `env` or `file`"),
            "{err}"
        );
        let unknown = "[connections.c]\nplugin = \"p\"\ntenant = \"t\"\n[connections.c.secrets]\nk = { vault = \"A\" }\n";
        let err = first_problem(unknown);
        assert!(
            err.contains("connections.c.secrets.k: unknown secret source `vault`"),
            "{err}"
        );
    }

    #[test]
    fn syntax_error_has_a_location_and_no_field() {
        let err = first_problem("data_dir = \"d\"\n[flows.f\n");
        assert!(err.starts_with("ccsync.toml:2:"), "{err}");
        assert!(err.contains(": invalid TOML: "), "{err}");
    }
}
