//! Secrets: where they come from, how they are read, and how they are kept out of sight.
//!
//! The config names a source for each secret (`{ env = "NAME" }` or `{ file = "path" }`);
//! reading it is a separate step so that `ccsync check` and plans can load a config on a
//! machine without the secrets, and a daemon can fail on the one connection whose secret is
//! missing. A resolved value lives in [`Secret`], which never prints itself and is wiped from
//! memory on drop; [`Secrets::redaction_values`] feeds the log redactor.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::error::{Location, field_path};

/// A secret value. `Debug` and `Display` print `[redacted]`; [`Secret::expose`] is the one way
/// to the value, so every use is greppable.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps `value` as a secret; the value is wiped from memory on drop.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(Zeroizing::new(value.into()))
    }

    /// The value itself: pass it to the plugin, never to a log.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Where a secret is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// An environment variable of the ccsync process.
    Env(String),
    /// A file, already resolved against the config file's directory. On unix it must not be
    /// readable, writable or executable by group or others.
    File(PathBuf),
}

/// One entry of `[connections.<name>.secrets]`: the key the plugin sees and where its value is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    /// The key the plugin's `configure()` receives the value under.
    pub key: String,
    /// Where the value is read from.
    pub source: SecretSource,
    /// The config file and position of the entry, for error messages.
    pub(crate) origin: ConfigPosition,
}

/// A position in a config file, kept so a late error still names the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfigPosition {
    pub file: PathBuf,
    pub location: Location,
}

/// Why a secret could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SecretProblem {
    /// The environment variable is not set.
    #[error("environment variable {var} is not set")]
    EnvUnset {
        /// The variable's name.
        var: String,
    },
    /// The environment variable's value is not valid UTF-8.
    #[error("environment variable {var} is not valid UTF-8")]
    EnvNotUnicode {
        /// The variable's name.
        var: String,
    },
    /// The environment variable is set but empty.
    #[error("environment variable {var} is empty")]
    EnvEmpty {
        /// The variable's name.
        var: String,
    },
    /// The secret file could not be opened, inspected or read (missing, no permission).
    #[error("cannot read secret file {}: {source}", path.display())]
    FileUnreadable {
        /// The secret file.
        path: PathBuf,
        /// Why it could not be read.
        source: io::Error,
    },
    /// The path names something other than a regular file (a directory, a device).
    #[error("secret file {} is not a regular file", path.display())]
    NotAFile {
        /// The secret file.
        path: PathBuf,
    },
    /// On unix, the file has a permission bit set for group or others.
    #[error(
        "secret file {} has mode {mode:04o}: it must not be accessible by group or others (chmod 600 it)",
        path.display()
    )]
    FileTooOpen {
        /// The secret file.
        path: PathBuf,
        /// The file's permission bits (`mode & 0o7777`), printed in octal.
        mode: u32,
    },
    /// The file's content is not valid UTF-8.
    #[error("secret file {} is not valid UTF-8", path.display())]
    FileNotUnicode {
        /// The secret file.
        path: PathBuf,
    },
    /// The file is empty, or holds nothing but line breaks.
    #[error("secret file {} is empty", path.display())]
    FileEmpty {
        /// The secret file.
        path: PathBuf,
    },
}

/// A secret of one connection that could not be read, with where it is configured. Displays as
/// `file:line:column: connections.<connection>.secrets.<key>: <problem>`.
#[derive(Debug, thiserror::Error)]
#[error(
    "{}:{}:{}: {}: {problem}",
    file.display(),
    location.line,
    location.column,
    self.field()
)]
pub struct SecretError {
    /// The config file.
    pub file: PathBuf,
    /// Where in the config file the secret's entry is.
    pub location: Location,
    /// The connection the secret belongs to.
    pub connection: String,
    /// The secret's key under `[connections.<connection>.secrets]`.
    pub key: String,
    /// Boxed: the error travels up through `Result`s and should stay small.
    pub problem: Box<SecretProblem>,
}

impl SecretError {
    /// The field path of the secret: `connections.<connection>.secrets.<key>`.
    pub fn field(&self) -> String {
        field_path(["connections", &self.connection, "secrets", &self.key])
    }
}

/// Every secret that could not be read, one per line.
#[derive(Debug, thiserror::Error)]
#[error("{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct SecretErrors {
    /// One error per secret that could not be read, by connection name, then key.
    pub errors: Vec<SecretError>,
}

impl SecretRef {
    /// Reads the secret now.
    pub fn resolve(&self, connection: &str) -> Result<Secret, SecretError> {
        let read = match &self.source {
            SecretSource::Env(var) => read_env(var),
            SecretSource::File(path) => read_file(path),
        };
        read.map_err(|problem| SecretError {
            file: self.origin.file.clone(),
            location: self.origin.location,
            connection: connection.to_owned(),
            key: self.key.clone(),
            problem: Box::new(problem),
        })
    }
}

fn read_env(var: &str) -> Result<Secret, SecretProblem> {
    match std::env::var(var) {
        Ok(value) if value.is_empty() => Err(SecretProblem::EnvEmpty {
            var: var.to_owned(),
        }),
        Ok(value) => Ok(Secret::new(value)),
        Err(std::env::VarError::NotPresent) => Err(SecretProblem::EnvUnset {
            var: var.to_owned(),
        }),
        Err(std::env::VarError::NotUnicode(_)) => Err(SecretProblem::EnvNotUnicode {
            var: var.to_owned(),
        }),
    }
}

/// Opens the file first and checks the mode of what was opened, so the check and the read see
/// the same file. Trailing line breaks are dropped (editors and `echo` add one); other
/// whitespace is part of the secret.
fn read_file(path: &Path) -> Result<Secret, SecretProblem> {
    let unreadable = |source| SecretProblem::FileUnreadable {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    let metadata = file.metadata().map_err(unreadable)?;
    if !metadata.is_file() {
        return Err(SecretProblem::NotAFile {
            path: path.to_path_buf(),
        });
    }
    check_mode(path, &metadata)?;
    let mut bytes = Zeroizing::new(Vec::new());
    file.read_to_end(&mut bytes).map_err(unreadable)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| SecretProblem::FileNotUnicode {
        path: path.to_path_buf(),
    })?;
    let value = text.trim_end_matches(['\n', '\r']);
    if value.is_empty() {
        return Err(SecretProblem::FileEmpty {
            path: path.to_path_buf(),
        });
    }
    Ok(Secret::new(value))
}

#[cfg(unix)]
fn check_mode(path: &Path, metadata: &std::fs::Metadata) -> Result<(), SecretProblem> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(SecretProblem::FileTooOpen {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

/// Other platforms have no mode bits; their ACLs are the operator's to set.
#[cfg(not(unix))]
fn check_mode(_: &Path, _: &std::fs::Metadata) -> Result<(), SecretProblem> {
    Ok(())
}

/// The resolved secrets of every connection.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    by_connection: BTreeMap<String, BTreeMap<String, Secret>>,
}

impl Secrets {
    pub(crate) fn insert(&mut self, connection: &str, secrets: BTreeMap<String, Secret>) {
        self.by_connection.insert(connection.to_owned(), secrets);
    }

    /// The secrets of one connection, by key; `None` for a connection not in the config.
    pub fn connection(&self, name: &str) -> Option<&BTreeMap<String, Secret>> {
        self.by_connection.get(name)
    }

    /// One secret of one connection.
    pub fn get(&self, connection: &str, key: &str) -> Option<&Secret> {
        self.by_connection.get(connection)?.get(key)
    }

    /// Every distinct secret value, longest first so a redactor that replaces substrings in
    /// order never leaves the tail of a longer secret that contains a shorter one.
    pub fn redaction_values(&self) -> Vec<&str> {
        let mut values: Vec<&str> = self
            .by_connection
            .values()
            .flat_map(|secrets| secrets.values().map(Secret::expose))
            .collect();
        values.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        values.dedup();
        values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret_ref(source: SecretSource) -> SecretRef {
        SecretRef {
            key: "client-secret".into(),
            source,
            origin: ConfigPosition {
                file: PathBuf::from("ccsync.toml"),
                location: Location { line: 7, column: 1 },
            },
        }
    }

    #[test]
    fn secret_debug_and_display_are_redacted() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(secret.to_string(), "[redacted]");
        assert_eq!(format!("{:?}", Some(&secret)), "Some([redacted])");
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn file_secret_drops_trailing_newline_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        std::fs::write(&path, " pa ss \r\n").unwrap();
        set_mode(&path, 0o600);
        let secret = secret_ref(SecretSource::File(path))
            .resolve("acd-east")
            .unwrap();
        assert_eq!(secret.expose(), " pa ss ");
    }

    #[test]
    fn empty_secret_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        std::fs::write(&path, "\n").unwrap();
        set_mode(&path, 0o600);
        let err = secret_ref(SecretSource::File(path))
            .resolve("acd-east")
            .unwrap_err();
        assert!(
            matches!(*err.problem, SecretProblem::FileEmpty { .. }),
            "{err}"
        );
    }

    #[test]
    fn missing_secret_file_names_file_connection_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent");
        let err = secret_ref(SecretSource::File(path.clone()))
            .resolve("acd-east")
            .unwrap_err();
        assert_eq!(err.connection, "acd-east");
        assert_eq!(err.key, "client-secret");
        let text = err.to_string();
        assert!(
            text.starts_with("ccsync.toml:7:1: connections.acd-east.secrets.client-secret: cannot read secret file "),
            "{text}"
        );
        assert!(text.contains(&path.display().to_string()), "{text}");
    }

    #[cfg(unix)]
    #[test]
    fn secret_file_readable_by_group_or_others_is_refused_with_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        std::fs::write(&path, "value").unwrap();
        for mode in [0o644, 0o640, 0o604, 0o610, 0o601] {
            set_mode(&path, mode);
            let err = secret_ref(SecretSource::File(path.clone()))
                .resolve("acd-east")
                .unwrap_err();
            match &*err.problem {
                SecretProblem::FileTooOpen { mode: m, .. } => assert_eq!(*m, mode),
                other => panic!("mode {mode:o}: {other}"),
            }
            assert!(
                err.to_string().contains(&format!("has mode 0{mode:o}")),
                "{err}"
            );
        }
        set_mode(&path, 0o400);
        assert!(
            secret_ref(SecretSource::File(path))
                .resolve("acd-east")
                .is_ok()
        );
    }

    #[test]
    fn redaction_values_are_distinct_and_longest_first() {
        let mut secrets = Secrets::default();
        secrets.insert(
            "a",
            BTreeMap::from([
                ("k1".to_owned(), Secret::new("abc")),
                ("k2".to_owned(), Secret::new("abcdef")),
            ]),
        );
        secrets.insert("b", BTreeMap::from([("k".to_owned(), Secret::new("abc"))]));
        assert_eq!(secrets.redaction_values(), ["abcdef", "abc"]);
        assert_eq!(secrets.get("a", "k2").unwrap().expose(), "abcdef");
        assert!(secrets.get("c", "k").is_none());
    }

    #[cfg(unix)]
    fn set_mode(path: &Path, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[cfg(not(unix))]
    fn set_mode(_: &Path, _: u32) {}
}
