//! The operator's config file, `ccsync.toml`: its schema, validation and secrets.
//!
//! [`Config::load`] reads a file and returns either a fully validated [`Config`] (defaults
//! applied, units converted, references and topology checked) or a [`ConfigError`] listing every
//! problem as `file:line:column: field.path: message`. Secrets are read in a separate step,
//! [`Config::resolve_secrets`] (or per connection with
//! [`ConnectionConfig::resolve_secrets`]), into [`Secret`] values that never print themselves.
//! Every key is documented, with a full example, in this crate's `README.md`.

#![warn(missing_docs)]

mod config;
mod error;
mod raw;
mod secret;
mod sections;
mod units;
mod user_field;
mod validate;

pub use config::Config;
pub use error::{ConfigError, Location, Problem};
pub use secret::{
    Secret, SecretError, SecretErrors, SecretProblem, SecretRef, SecretSource, Secrets,
};
pub use sections::{
    ConnectionConfig, Family, FlowConfig, HubKind, HubStore, Percent, PluginConfig, RuntimeLimits,
    Safety, Shape, Target, WriteAction,
};
pub use user_field::{UnknownUserField, UserField};
