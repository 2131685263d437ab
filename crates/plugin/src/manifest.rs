//! The plugin manifest (`plugin.toml`): what a plugin is and what it may touch.
//!
//! The manifest is the operator-visible, signed statement of a plugin's name, version, vendor,
//! the kinds it reads and writes, and the origins it may call. Signing embeds it in the
//! component (see [`crate::signature`]), so it can be read without running plugin code; once
//! the plugin runs, [`Manifest::check_description`] holds the plugin to what it declared.
//!
//! ```toml
//! name = "cxone-acd"
//! version = "0.1.0"
//! vendor = "Example Vendor"
//! description = "CXone Mpower ACD users, teams and skills"   # optional
//! reads = ["user", "team", "campaign"]
//! writes = []
//! origins = ["https://*.niceincontact.com"]
//! ```

use std::collections::BTreeSet;
use std::fmt;
use std::ops::Range;
use std::path::Path;

use ccsync_model::{Description, Kind};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::origin::OriginPattern;

/// A validated plugin manifest. Kinds and origins are sets: order and duplicates in the
/// source file do not matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    name: String,
    version: semver::Version,
    vendor: String,
    description: Option<String>,
    reads: BTreeSet<Kind>,
    writes: BTreeSet<Kind>,
    origins: Vec<OriginPattern>,
}

/// A manifest that could not be read, with where and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// The manifest file could not be read, or an embedded manifest is not UTF-8 text.
    #[error("{source_name}: {message}")]
    Read {
        /// Where the manifest came from: a file path, or the component section.
        source_name: String,
        /// Why it could not be read.
        message: String,
    },
    /// `line` and `column` are 1-based; `field` is set when the problem is in one field's value.
    #[error("{source_name}:{line}:{column}: {}{message}", field_prefix(field))]
    Invalid {
        /// Where the manifest came from: a file path, or the component section.
        source_name: String,
        /// The line of the problem (1-based).
        line: usize,
        /// The column of the problem, in characters (1-based).
        column: usize,
        /// The field whose value is at fault (`origins[2]`); `None` when the TOML itself is at
        /// fault (bad syntax, a missing or unknown field).
        field: Option<String>,
        /// What is wrong.
        message: String,
    },
}

fn field_prefix(field: &Option<String>) -> String {
    field
        .as_ref()
        .map(|f| format!("field `{f}`: "))
        .unwrap_or_default()
}

/// The file form, before validation. Values that need checking keep their spans.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    name: Spanned<String>,
    version: Spanned<String>,
    vendor: Spanned<String>,
    description: Option<Spanned<String>>,
    #[serde(default)]
    reads: Vec<Spanned<String>>,
    #[serde(default)]
    writes: Vec<Spanned<String>>,
    #[serde(default)]
    origins: Vec<Spanned<String>>,
}

/// The canonical form embedded in components; field order is the file order above.
#[derive(Serialize)]
struct CanonicalManifest<'a> {
    name: &'a str,
    version: String,
    vendor: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    reads: Vec<&'static str>,
    writes: Vec<&'static str>,
    origins: Vec<String>,
}

impl Manifest {
    /// Reads and validates a `plugin.toml`.
    pub fn from_toml_file(path: &Path) -> Result<Manifest, ManifestError> {
        let source_name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ManifestError::Read {
            source_name: source_name.clone(),
            message: e.to_string(),
        })?;
        Manifest::from_toml_str(&text, &source_name)
    }

    /// Parses and validates manifest text; `source_name` names it in errors (a file path, or
    /// the component section it came from).
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<Manifest, ManifestError> {
        let at = |span: Range<usize>, field: Option<&str>, message: String| {
            let (line, column) = line_column(text, span.start);
            ManifestError::Invalid {
                source_name: source_name.to_owned(),
                line,
                column,
                field: field.map(str::to_owned),
                message,
            }
        };
        let raw: RawManifest = toml::from_str(text).map_err(|e| {
            at(
                e.span().unwrap_or(0..0),
                None,
                e.message().trim_end().to_owned(),
            )
        })?;

        let name = raw.name.get_ref();
        check_name(name).map_err(|m| at(raw.name.span(), Some("name"), m))?;
        let version = semver::Version::parse(raw.version.get_ref()).map_err(|e| {
            at(
                raw.version.span(),
                Some("version"),
                format!("`{}` is not a semantic version: {e}", raw.version.get_ref()),
            )
        })?;
        check_text(raw.vendor.get_ref(), 128)
            .map_err(|m| at(raw.vendor.span(), Some("vendor"), m))?;
        if let Some(d) = &raw.description {
            check_text(d.get_ref(), 1024).map_err(|m| at(d.span(), Some("description"), m))?;
        }
        let kinds = |field: &str, values: &[Spanned<String>]| {
            values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.get_ref()
                        .parse::<Kind>()
                        .map_err(|e| at(v.span(), Some(&format!("{field}[{i}]")), e.to_string()))
                })
                .collect::<Result<BTreeSet<Kind>, _>>()
        };
        let reads = kinds("reads", &raw.reads)?;
        let writes = kinds("writes", &raw.writes)?;
        let mut origins = raw
            .origins
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.get_ref()
                    .parse::<OriginPattern>()
                    .map_err(|e| at(v.span(), Some(&format!("origins[{i}]")), e.reason.clone()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        origins.sort_by_key(|o| o.to_string());
        origins.dedup();

        Ok(Manifest {
            name: name.clone(),
            version,
            vendor: raw.vendor.into_inner(),
            description: raw.description.map(Spanned::into_inner),
            reads,
            writes,
            origins,
        })
    }

    /// The canonical TOML bytes that signing embeds: fixed field order, sorted sets, origins
    /// in canonical form. Equal manifests give equal bytes, and parsing them gives the
    /// manifest back.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let canonical = CanonicalManifest {
            name: &self.name,
            version: self.version.to_string(),
            vendor: &self.vendor,
            description: self.description.as_deref(),
            reads: self.reads.iter().map(|k| k.as_str()).collect(),
            writes: self.writes.iter().map(|k| k.as_str()).collect(),
            origins: self.origins.iter().map(ToString::to_string).collect(),
        };
        toml::to_string(&canonical)
            .unwrap_or_else(|e| unreachable!("a manifest of strings always serialises: {e}"))
            .into_bytes()
    }

    /// The plugin's name: lowercase ASCII letters, digits and `-`, starting with a letter.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The plugin's version.
    pub fn version(&self) -> &semver::Version {
        &self.version
    }

    /// Who publishes the plugin.
    pub fn vendor(&self) -> &str {
        &self.vendor
    }

    /// The plugin's description, if the manifest gives one.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The kinds the plugin reads.
    pub fn reads(&self) -> &BTreeSet<Kind> {
        &self.reads
    }

    /// The kinds the plugin writes.
    pub fn writes(&self) -> &BTreeSet<Kind> {
        &self.writes
    }

    /// The declared origins, sorted and without duplicates.
    pub fn origins(&self) -> &[OriginPattern] {
        &self.origins
    }

    /// Whether a request to `scheme://host[:port]` is within a declared origin.
    pub fn allows_origin(&self, scheme: &str, host: &str, port: Option<u16>) -> bool {
        self.origins.iter().any(|o| o.matches(scheme, host, port))
    }

    /// Holds a running plugin to its manifest: the name, version, read kinds and written kinds
    /// it describes must equal the manifest's, and every origin it describes must be covered
    /// by a declared origin. Returns every difference, not just the first.
    pub fn check_description(&self, description: &Description) -> Result<(), ManifestMismatch> {
        let mut differences = Vec::new();
        if description.name != self.name {
            differences.push(Difference::Name {
                manifest: self.name.clone(),
                plugin: description.name.clone(),
            });
        }
        let same_version =
            semver::Version::parse(&description.version).is_ok_and(|v| v == self.version);
        if !same_version {
            differences.push(Difference::Version {
                manifest: self.version.to_string(),
                plugin: description.version.clone(),
            });
        }
        let reads: BTreeSet<Kind> = description.reads.iter().copied().collect();
        if reads != self.reads {
            differences.push(Difference::Reads {
                manifest: self.reads.clone(),
                plugin: reads,
            });
        }
        let writes: BTreeSet<Kind> = description.writes.iter().copied().collect();
        if writes != self.writes {
            differences.push(Difference::Writes {
                manifest: self.writes.clone(),
                plugin: writes,
            });
        }
        for origin in &description.origins {
            match origin.parse::<OriginPattern>() {
                Ok(pattern) if self.origins.iter().any(|d| d.covers(&pattern)) => {}
                Ok(_) => differences.push(Difference::UndeclaredOrigin(origin.clone())),
                Err(e) => differences.push(Difference::BadOrigin(e)),
            }
        }
        if differences.is_empty() {
            Ok(())
        } else {
            Err(ManifestMismatch {
                plugin: format!("{} {}", self.name, self.version),
                differences,
            })
        }
    }
}

/// A running plugin describes itself differently from its manifest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("plugin {plugin} does not match its manifest: {}", join(differences))]
pub struct ManifestMismatch {
    /// `<name> <version>` from the manifest.
    pub plugin: String,
    /// Every difference found, not just the first.
    pub differences: Vec<Difference>,
}

fn join(differences: &[Difference]) -> String {
    differences
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// One way a plugin's description differs from its manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// The plugin describes itself under another name.
    Name {
        /// The manifest's name.
        manifest: String,
        /// The name the plugin describes.
        plugin: String,
    },
    /// The plugin describes another version, or one that is not a semantic version.
    Version {
        /// The manifest's version.
        manifest: String,
        /// The version the plugin describes, as it gave it.
        plugin: String,
    },
    /// The plugin describes another set of kinds it reads.
    Reads {
        /// The manifest's read kinds.
        manifest: BTreeSet<Kind>,
        /// The read kinds the plugin describes.
        plugin: BTreeSet<Kind>,
    },
    /// The plugin describes another set of kinds it writes.
    Writes {
        /// The manifest's written kinds.
        manifest: BTreeSet<Kind>,
        /// The written kinds the plugin describes.
        plugin: BTreeSet<Kind>,
    },
    /// The plugin asks for an origin its manifest does not declare (named exactly).
    UndeclaredOrigin(String),
    /// The plugin describes something that is not an origin pattern.
    BadOrigin(crate::origin::BadOrigin),
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kinds = |set: &BTreeSet<Kind>| {
            let names: Vec<&str> = set.iter().map(|k| k.as_str()).collect();
            format!("[{}]", names.join(", "))
        };
        match self {
            Difference::Name { manifest, plugin } => {
                write!(f, "name is `{plugin}`, the manifest says `{manifest}`")
            }
            Difference::Version { manifest, plugin } => {
                write!(f, "version is `{plugin}`, the manifest says `{manifest}`")
            }
            Difference::Reads { manifest, plugin } => write!(
                f,
                "reads {}, the manifest says {}",
                kinds(plugin),
                kinds(manifest)
            ),
            Difference::Writes { manifest, plugin } => write!(
                f,
                "writes {}, the manifest says {}",
                kinds(plugin),
                kinds(manifest)
            ),
            Difference::UndeclaredOrigin(origin) => {
                write!(
                    f,
                    "asks for origin `{origin}`, which the manifest does not declare"
                )
            }
            Difference::BadOrigin(e) => write!(f, "describes an {e}"),
        }
    }
}

/// Whether `name` is a valid plugin name: 1 to 64 lowercase ASCII letters, digits and `-`,
/// starting with a letter (what a manifest's `name` must be, and so what `ccsync plugin new`
/// accepts).
pub fn is_plugin_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A plugin name, checked by [`is_plugin_name`].
fn check_name(name: &str) -> Result<(), String> {
    if is_plugin_name(name) {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a plugin name (1 to 64 lowercase letters, digits and `-`, starting with a letter)"
        ))
    }
}

fn check_text(text: &str, max: usize) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err("must not be empty".into());
    }
    if text.chars().count() > max {
        return Err(format!("longer than {max} characters"));
    }
    if text.chars().any(char::is_control) {
        return Err("contains control characters (newlines, tabs, escapes)".into());
    }
    Ok(())
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "cxone-acd"
version = "0.1.0"
vendor = "Example Vendor"
reads = ["user", "team", "user"]
writes = []
origins = ["https://*.niceincontact.com", "https://api.example.com:443"]
"#;

    fn invalid(text: &str) -> (usize, Option<String>, String) {
        match Manifest::from_toml_str(text, "plugin.toml").unwrap_err() {
            ManifestError::Invalid {
                line,
                field,
                message,
                ..
            } => (line, field, message),
            other => panic!("unexpected {other:?}"),
        }
    }

    fn description(manifest: &Manifest) -> Description {
        Description {
            name: manifest.name().to_owned(),
            version: manifest.version().to_string(),
            reads: manifest.reads().iter().rev().copied().collect(),
            writes: manifest.writes().iter().copied().collect(),
            origins: vec!["https://emea.niceincontact.com".into()],
            capabilities: vec!["incremental".into()],
        }
    }

    #[test]
    fn parses_a_manifest_with_kinds_as_sets_and_origins_normalised() {
        let m = Manifest::from_toml_str(GOOD, "plugin.toml").unwrap();
        assert_eq!(m.name(), "cxone-acd");
        assert_eq!(m.version().to_string(), "0.1.0");
        assert_eq!(m.reads(), &BTreeSet::from([Kind::User, Kind::Team]));
        assert!(m.writes().is_empty());
        let origins: Vec<String> = m.origins().iter().map(ToString::to_string).collect();
        assert_eq!(
            origins,
            ["https://*.niceincontact.com", "https://api.example.com"]
        );
        assert!(m.allows_origin("https", "eu1.niceincontact.com", None));
        assert!(!m.allows_origin("https", "niceincontact.com", None));
    }

    #[test]
    fn canonical_bytes_parse_back_to_the_same_manifest_and_ignore_source_order() {
        let m = Manifest::from_toml_str(GOOD, "plugin.toml").unwrap();
        let bytes = m.canonical_bytes();
        let text = std::str::from_utf8(&bytes).unwrap();
        assert_eq!(Manifest::from_toml_str(text, "canonical").unwrap(), m);
        let reordered = GOOD
            .replace(r#"["user", "team", "user"]"#, r#"["team", "user"]"#)
            .replace(
                r#"["https://*.niceincontact.com", "https://api.example.com:443"]"#,
                r#"["https://api.example.com", "https://*.niceincontact.com"]"#,
            );
        let m2 = Manifest::from_toml_str(&reordered, "plugin.toml").unwrap();
        assert_eq!(m2.canonical_bytes(), bytes);
    }

    #[test]
    fn unknown_kind_error_names_line_and_field_index() {
        let (line, field, message) = invalid(&GOOD.replace(r#""team""#, r#""teams""#));
        assert_eq!(line, 5);
        assert_eq!(field.as_deref(), Some("reads[1]"));
        assert!(message.contains("unknown kind `teams`"), "{message}");
    }

    #[test]
    fn bad_origin_error_names_line_field_and_reason() {
        let text = GOOD.replace("https://api.example.com:443", "https://api.example.com/v1");
        let err = Manifest::from_toml_str(&text, "plugins/acd/plugin.toml").unwrap_err();
        assert_eq!(
            err.to_string(),
            "plugins/acd/plugin.toml:7:43: field `origins[1]`: an origin has no path (remove everything from the first `/`)"
        );
    }

    #[test]
    fn bad_version_and_name_are_reported_on_their_lines() {
        let (line, field, _) = invalid(&GOOD.replace("0.1.0", "1.2"));
        assert_eq!((line, field.as_deref()), (3, Some("version")));
        let (line, field, _) = invalid(&GOOD.replace("cxone-acd", "CXone ACD"));
        assert_eq!((line, field.as_deref()), (2, Some("name")));
        let (line, field, message) = invalid(&GOOD.replace("Example Vendor", " "));
        assert_eq!((line, field.as_deref()), (4, Some("vendor")));
        assert_eq!(message, "must not be empty");
    }

    #[test]
    fn missing_unknown_and_mistyped_fields_are_reported_with_their_line() {
        let (_, _, message) = invalid(&GOOD.replace("vendor = \"Example Vendor\"\n", ""));
        assert!(message.contains("missing field `vendor`"), "{message}");
        let (line, _, message) = invalid(&format!("{GOOD}capabilities = []\n"));
        assert_eq!(line, 8);
        assert!(
            message.contains("unknown field `capabilities`"),
            "{message}"
        );
        let (line, _, message) = invalid(&GOOD.replace("writes = []", "writes = 3"));
        assert_eq!(line, 6);
        assert!(message.contains("invalid type"), "{message}");
        let (line, _, _) = invalid("name = \"x\"\nversion = ");
        assert_eq!(line, 2);
    }

    #[test]
    fn from_toml_file_names_the_file_when_it_cannot_be_read() {
        let err = Manifest::from_toml_file(Path::new("/nonexistent/plugin.toml")).unwrap_err();
        assert!(
            err.to_string().starts_with("/nonexistent/plugin.toml: "),
            "{err}"
        );
    }

    #[test]
    fn description_matching_the_manifest_passes() {
        let m = Manifest::from_toml_str(GOOD, "plugin.toml").unwrap();
        m.check_description(&description(&m)).unwrap();
    }

    #[test]
    fn description_asking_for_an_undeclared_origin_is_refused_naming_it() {
        let m = Manifest::from_toml_str(GOOD, "plugin.toml").unwrap();
        let mut d = description(&m);
        d.origins.push("https://exfil.example.net".into());
        d.origins.push("https://niceincontact.com".into());
        let err = m.check_description(&d).unwrap_err();
        assert_eq!(
            err.differences,
            vec![
                Difference::UndeclaredOrigin("https://exfil.example.net".into()),
                Difference::UndeclaredOrigin("https://niceincontact.com".into()),
            ]
        );
        assert!(
            err.to_string()
                .contains("asks for origin `https://exfil.example.net`")
        );
    }

    #[test]
    fn description_with_other_name_version_or_kinds_is_refused_listing_each() {
        let m = Manifest::from_toml_str(GOOD, "plugin.toml").unwrap();
        let mut d = description(&m);
        d.name = "central".into();
        d.version = "0.1.1".into();
        d.writes = vec![Kind::User];
        d.origins = vec!["not an origin".into()];
        let err = m.check_description(&d).unwrap_err();
        assert_eq!(err.differences.len(), 4, "{err}");
        let text = err.to_string();
        assert!(text.contains("name is `central`"), "{text}");
        assert!(text.contains("version is `0.1.1`"), "{text}");
        assert!(
            text.contains("writes [user], the manifest says []"),
            "{text}"
        );
        assert!(text.contains("invalid origin `not an origin`"), "{text}");
    }
}
