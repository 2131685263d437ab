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
//! - `describe` and the thin WIT glue in `component` (exports emitted for `wasm32` only).
//!
//! Central's hybrid meanings (teams `iWFO Enabled` / `iWFO Not Enabled`, profiles
//! `iWFOUser` / `iWFOAdmin`, the Primary Phone in `telephone1`) need no code here: teams and
//! profiles come through with their names, `telephone1` becomes the user's `primary-phone`.

mod bindings {
    // Only the `connector` export is generated here: the imported interfaces (and the record
    // types) are connector-kit's, shared with every other connector.
    wit_bindgen::generate!({
        path: "../../wit",
        world: "plugin",
        with: {
            "ccsync:connector/types@0.2.0": connector_kit::wit::types,
            "ccsync:connector/http@0.2.0": connector_kit::wit::http,
            "ccsync:connector/log@0.2.0": connector_kit::wit::log,
        },
    });
}

/// The WIT types under short names.
mod wit {
    pub use connector_kit::wit::{http, log, types};
    pub mod exports {
        pub use crate::bindings::exports::ccsync::connector::connector::{Description, Guest};
    }
}

mod auth;
mod component;
mod describe;
mod session;
mod settings;

pub use session::PasswordAuth;
pub use settings::Settings;
