//! `cxone-acd`: the ccsync connector for the NICE CXone Mpower ACD (Admin API).
//!
//! A read-only source connector built as a WebAssembly component (`wasm32-wasip2`) for the
//! `ccsync:connector/plugin` world. It reads agents (as users), teams, security profiles,
//! skills/campaigns, dispositions and unavailable codes (as agent statuses), pages with
//! `skip`/`top`, reads agents incrementally with `updatedSince`/`lastPollTime`, and reaches
//! the network only through the host's `http` import.
//!
//! The HTTP-free logic lives in plain modules (settings, cursor, mapping, error
//! classification, wire shapes) and the request flow in [`client`] behind a small `Host`
//! trait, so all of it is unit-tested natively; `component` is the thin WIT glue (its exports
//! are emitted for `wasm32` only).
//!
//! Natively the crate is also a library: [`Client`] over any [`Host`], configured from
//! [`Settings`]. That is the same connector without the WebAssembly boundary, for tests
//! against the simulator and for benchmarks that measure the WASM overhead.

mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "plugin",
        additional_derives: [PartialEq],
    });
}

/// The WIT types under short names.
pub mod wit {
    pub use crate::bindings::ccsync::connector::{http, log, types};
    pub mod exports {
        pub use crate::bindings::exports::ccsync::connector::connector::{Description, Guest};
    }
}

use connector_kit::fields;

mod auth;
mod classify;
mod client;
mod component;
mod cursor;
mod describe;
mod endpoint;
mod mapping;
mod page;
mod settings;

pub use client::{Client, Host};
pub use settings::{Settings, SettingsError};
