//! `ringcentral`: the ccsync connector for the RingCentral directory.
//!
//! The target of presence user mapping (rules P1–P5): it reads the account's `User`
//! extensions, gets one by id, looks users up by email in batches and searches them by name;
//! it writes nothing. Built as a WebAssembly component (`wasm32-wasip2`) for the
//! `ccsync:connector/plugin` world, it reaches the network only through the host's `http`
//! import, authenticates with the JWT bearer grant, and paces its requests by the rate-limit
//! headers of every reply so that a normal run never meets a 429 or its penalty.
//!
//! The HTTP-free logic lives in plain modules (settings, mapping, error explanations, pacing)
//! and the request flow in `client` behind connector-kit's `Host`, so all of it is unit-tested
//! natively; connector-kit's `export_connector!` makes the component of [`Client`] (its
//! exports are emitted for `wasm32` only). Natively the crate is also a library: [`Client`] over any [`Host`].

/// The WIT types under short names.
pub mod wit {
    pub use connector_kit::wit::{http, log, types};
}

mod auth;
mod classify;
mod client;
mod describe;
mod mapping;
mod pacing;
mod settings;

pub use client::Client;
pub use connector_kit::{Connector, Host, SettingsError};
pub use settings::Settings;

connector_kit::export_connector!(Client);
