//! `connector-kit`: what the ccsync connector plugins share, free of any WIT binding (each
//! connector generates its own) and of any platform's knowledge.
//!
//! - [`Secret`]: a secret setting or token whose `Debug` never prints it;
//! - [`BaseUrl`]: an `http(s)` base URL that paths are appended to;
//! - [`fields`]: typed access to the fields of a JSON record, with errors that name the field,
//!   so that a malformed record becomes an invalid-record report instead of a failed page.

pub mod fields;
mod secret;
mod url;

pub use secret::Secret;
pub use url::BaseUrl;
