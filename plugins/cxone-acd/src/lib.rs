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
//! (the access-key grant and the endpoint discovery, in `auth` and `client`), its settings,
//! `describe` and the thin WIT glue in `component` (its exports are emitted for `wasm32`
//! only).
//!
//! Natively the crate is also a library: [`Client`] over any [`Host`], configured from
//! [`Settings`]. That is the same connector without the WebAssembly boundary, for tests
//! against the simulator and for benchmarks that measure the WASM overhead.

mod bindings {
    // Only the `connector` export is generated here: the imported interfaces (and the record
    // types) are connector-kit's, so every connector shares one set of them.
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
mod client;
mod component;
mod describe;
mod settings;

pub use client::Client;
pub use connector_kit::{Host, SettingsError};
pub use settings::{ApiLocation, Settings};
