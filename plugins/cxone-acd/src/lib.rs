//! `cxone-acd`: the ccsync connector for the NICE CXone Mpower ACD (Admin API).
//!
//! A read-only source connector built as a WebAssembly component (`wasm32-wasip2`) for the
//! `ccsync:connector/plugin` world. It reads agents (as users), teams, security profiles,
//! skills/campaigns, dispositions and unavailable codes (as agent statuses), pages with
//! `skip`/`top`, reads agents incrementally with `updatedSince`/`lastPollTime`, and reaches
//! the network only through the host's `http` import.
//!
//! What any Admin API connector needs (endpoints, paging, mapping, error classification, the
//! request flow) lives in the `ccsync-admin-api` library; this crate adds CXone's sign-in
//! (the access-key grant and the endpoint discovery, in `auth` and `client`), its settings and
//! what it declares (`describe`). connector-kit's `export_connector!` makes the component of
//! it (its exports are emitted for `wasm32` only).
//!
//! Natively the crate is also a library: [`Client`] over any [`Host`], configured from
//! [`Settings`]. That is the same connector without the WebAssembly boundary, for tests
//! against the simulator and for benchmarks that measure the WASM overhead.

/// The WIT types under short names.
pub mod wit {
    pub use connector_kit::wit::{http, log, types};
}

mod auth;
mod client;
mod describe;
mod settings;

pub use client::{AccessKeyAuth, Client, client};
pub use connector_kit::{Connector, Host, SettingsError};
pub use settings::{ApiLocation, Settings};

connector_kit::export_connector!(Client);
