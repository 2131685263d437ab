//! The file's shape, exactly as written: what serde checks (unknown keys, value types) and
//! nothing more.
//!
//! Every value that validation later judges is `Spanned`, so its problems can point at the
//! line; every table denies unknown keys, so a misspelt key is an error rather than a setting
//! silently left at its default. Meaning (references, ranges, units) is `validate`'s job.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use toml::Spanned;

pub(crate) type Name = Spanned<String>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    pub data_dir: Option<Spanned<String>>,
    #[serde(default)]
    pub allow_unsigned: bool,
    #[serde(default)]
    pub runtime: RawRuntime,
    #[serde(default)]
    pub plugins: BTreeMap<Name, RawPlugin>,
    #[serde(default)]
    pub stores: BTreeMap<Name, RawStore>,
    #[serde(default)]
    pub connections: BTreeMap<Name, RawConnection>,
    #[serde(default)]
    pub flows: BTreeMap<Name, RawFlow>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRuntime {
    pub memory_limit: Option<Spanned<RawSize>>,
    pub call_timeout: Option<Spanned<String>>,
    pub wall_timeout: Option<Spanned<String>>,
    pub http_timeout: Option<Spanned<String>>,
    pub max_response_size: Option<Spanned<RawSize>>,
    pub max_requests_per_call: Option<Spanned<i64>>,
    pub max_field_size: Option<Spanned<RawSize>>,
    pub max_record_size: Option<Spanned<RawSize>>,
    pub max_page_size: Option<Spanned<RawSize>>,
    pub max_log_message_size: Option<Spanned<RawSize>>,
    pub log_rate: Option<Spanned<i64>>,
    pub log_burst: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPlugin {
    pub path: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStore {
    pub kind: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConnection {
    pub plugin: Spanned<String>,
    pub tenant: Spanned<String>,
    #[serde(default)]
    pub allowed_origins: Vec<Spanned<String>>,
    #[serde(default)]
    pub settings: BTreeMap<Name, String>,
    #[serde(default)]
    pub secrets: BTreeMap<Name, Spanned<RawSecretRef>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFlow {
    pub source: Spanned<String>,
    pub target: Spanned<String>,
    pub family: Option<Spanned<String>>,
    pub kinds: Spanned<Vec<Spanned<String>>>,
    pub interval: Option<Spanned<String>>,
    pub full_every: Option<Spanned<String>>,
    pub manual: Option<Spanned<bool>>,
    pub required_fields: Option<Vec<Spanned<String>>>,
    pub max_deactivations: Option<Spanned<i64>>,
    pub max_deactivation_percent: Option<Spanned<i64>>,
    pub max_shrink_percent: Option<Spanned<i64>>,
    pub quarantine_after: Option<Spanned<i64>>,
    pub actions: Option<Spanned<Vec<Spanned<String>>>>,
}

/// A size as written: a bare integer (bytes) or a string with a unit.
#[derive(Debug)]
pub(crate) enum RawSize {
    Bytes(i64),
    Text(String),
}

impl<'de> Deserialize<'de> for RawSize {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SizeVisitor;
        impl Visitor<'_> for SizeVisitor {
            type Value = RawSize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a size such as \"256MiB\" or a number of bytes")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawSize, E> {
                Ok(RawSize::Bytes(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawSize, E> {
                Ok(RawSize::Text(v.to_owned()))
            }
        }
        deserializer.deserialize_any(SizeVisitor)
    }
}

/// Where a secret comes from, as written: `{ env = "NAME" }` or `{ file = "path" }`.
#[derive(Debug)]
pub(crate) enum RawSecretRef {
    Env(String),
    File(String),
}

const SECRET_FORMS: &str = "a secret reference: { env = \"NAME\" } or { file = \"path\" }";

/// The error for a value in `[connections.*.secrets]` that is not a reference. It never echoes
/// the value: an operator who typed the secret itself must not see it repeated in a log.
fn literal_secret<E: de::Error>(what: &str) -> E {
    E::custom(format!(
        "expected {SECRET_FORMS}, found {what}; secret values are never written in the config file"
    ))
}

impl<'de> Deserialize<'de> for RawSecretRef {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RefVisitor;
        impl<'de> Visitor<'de> for RefVisitor {
            type Value = RawSecretRef;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(SECRET_FORMS)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<RawSecretRef, E> {
                Err(literal_secret("a string"))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<RawSecretRef, E> {
                Err(literal_secret("an integer"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<RawSecretRef, E> {
                Err(literal_secret("an integer"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<RawSecretRef, E> {
                Err(literal_secret("a float"))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<RawSecretRef, E> {
                Err(literal_secret("a boolean"))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<RawSecretRef, A::Error> {
                Err(literal_secret("an array"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawSecretRef, A::Error> {
                let mut found: Option<RawSecretRef> = None;
                while let Some(key) = map.next_key::<String>()? {
                    let value: String = map.next_value()?;
                    let parsed = match key.as_str() {
                        "env" => RawSecretRef::Env(value),
                        "file" => RawSecretRef::File(value),
                        _ => {
                            return Err(de::Error::custom(format!(
                                "unknown secret source `{key}`, expected `env` or `file`"
                            )));
                        }
                    };
                    if found.replace(parsed).is_some() {
                        return Err(de::Error::custom(
                            "give exactly one of `env` or `file`, not both",
                        ));
                    }
                }
                found.ok_or_else(|| {
                    de::Error::custom(format!("expected {SECRET_FORMS}, found an empty table"))
                })
            }
        }
        deserializer.deserialize_any(RefVisitor)
    }
}
