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
//! natively; `component` is the thin WIT glue (its exports are emitted for `wasm32`
//! only). Natively the crate is also a library: [`Client`] over any [`Host`].

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
        additional_derives: [PartialEq],
    });
}

/// The WIT types under short names.
pub mod wit {
    pub use connector_kit::wit::{http, log, types};
    pub mod exports {
        pub use crate::bindings::exports::ccsync::connector::connector::{Description, Guest};
    }
}

mod auth;
mod classify;
mod client;
mod component;
mod describe;
mod mapping;
mod pacing;
mod settings;

pub use client::Client;
pub use connector_kit::{Host, SettingsError};
pub use settings::Settings;
