//! `central`: the ccsync connector for inContact Central (the legacy token flow).
//!
//! A read-only source connector built as a WebAssembly component (`wasm32-wasip2`) for the
//! `ccsync:connector/plugin` world. Central serves the same Admin API as the CXone ACD, so
//! everything but the sign-in is the `ccsync-admin-api` library's (endpoints, paging and the
//! incremental agent read, mapping, error classification, the request flow with one token
//! renewal on a 401). This crate adds:
//!
//! - `settings`: the connection's settings, checked in `configure`;
//! - `auth`: the legacy token requests and replies (password and refresh grants) and the API
//!   base the token reply names;
//! - `session`: [`PasswordAuth`], which obtains, refreshes and replaces the token;
//! - `describe`: what the connector declares; connector-kit's `export_connector!` makes the
//!   component (exports emitted for `wasm32` only).
//!
//! Central's hybrid meanings (teams `iWFO Enabled` / `iWFO Not Enabled`, profiles
//! `iWFOUser` / `iWFOAdmin`, the Primary Phone in `telephone1`) need no code here: teams and
//! profiles come through with their names, `telephone1` becomes the user's `primary-phone`.

/// The WIT types under short names.
mod wit {
    pub use connector_kit::wit::{http, log, types};
}

mod auth;
mod describe;
mod session;
mod settings;

pub use session::{Client, PasswordAuth};
pub use settings::Settings;

connector_kit::export_connector!(Client);
