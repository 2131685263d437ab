//! `ivinex`: the ccsync connector for Ivinex, the target of the dialer push (seed 004).
//!
//! A writable connector built as a WebAssembly component (`wasm32-wasip2`) for the
//! `ccsync:connector/plugin` world. It creates and updates users, campaigns, dispositions and
//! agent statuses, each keyed by the external id the host gives it, finds them again by that
//! id (so a lost create reply never makes a duplicate), reads them back page by page, and
//! never deletes nor deactivates anything (rule D4). Ivinex publishes no API: the REST model
//! it speaks is the project's own, written down in `sim/IVINEX-WIRE.md` and served by the
//! simulator.
//!
//! The HTTP-free logic lives in plain modules (settings, mapping, cursor, error
//! explanations) and the request flow in [`Client`] behind connector-kit's [`Host`], so all of
//! it is unit-tested natively; connector-kit's `export_connector!` makes the component of
//! [`Client`] (its exports are emitted for `wasm32` only).

/// The WIT types under short names.
pub mod wit {
    pub use connector_kit::wit::{http, log, types};
}

mod auth;
mod classify;
mod client;
mod collection;
mod describe;
mod mapping;
mod page;
mod settings;

pub use client::Client;
pub use connector_kit::{Connector, Host, SettingsError};
pub use settings::Settings;

connector_kit::export_connector!(Client);
