//! `connector-kit`: what the ccsync connector plugins share, free of any WIT binding (each
//! connector generates its own) and of any platform's knowledge.
//!
//! - [`Secret`]: a secret setting or token whose `Debug` never prints it;
//! - [`BaseUrl`]: an `http(s)` base URL that paths are appended to;
//! - [`RawSettings`]: the `configure` pairs checked against the keys a connector knows, with
//!   [`SettingsError`]s that name the key;
//! - [`fields`]: typed access to the fields of a JSON record, accepting the varying types
//!   platforms send ids, numbers and flags in, with errors that name the field, so that a
//!   malformed record becomes an invalid-record report instead of a failed page.

#![warn(missing_docs)]

pub mod fields;
mod secret;
mod settings;
mod url;

pub use secret::Secret;
pub use settings::{RawSettings, SettingsError};
pub use url::BaseUrl;
