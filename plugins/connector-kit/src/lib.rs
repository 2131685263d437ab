//! `connector-kit`: the SDK of ccsync connector plugins, free of any platform's knowledge.
//! ccsync's own connectors are written with it, and `ccsync plugin new` writes projects that
//! use it. It adds convenience over the contract (`wit/connector.wit`), never a second
//! protocol.
//!
//! - [`Connector`] and [`export_connector!`]: a connector as a Rust type, made a component;
//!   [`About`] is what it declares; [`wit`] the contract's types, generated once here;
//! - [`Host`]: what connector code needs from the host, with [`WitHost`] (the imports) in the
//!   component and the [`testing`] hosts natively, so the request flow is the same code
//!   everywhere;
//! - [`Call`]: requests with their query, headers and JSON or form bodies, sent with failures
//!   classified; [`json_reply`] reads a reply into a type; [`with_renewal`] renews a refused
//!   token once;
//! - [`classify`]: HTTP outcomes turned into the contract's `error`, with the few points where
//!   platforms differ as a [`Classifier`](classify::Classifier) each connector fills in;
//! - [`grant`]: the pieces of a token grant the platforms share (Basic credentials, a refused
//!   grant, the token reply, a token kept until refused);
//! - [`cursor`]: versioned paging cursors that name their kind;
//! - [`rate_limit`]: `Retry-After` and the rate-limit budget headers platforms send;
//! - [`RawSettings`]: the `configure` pairs checked against the keys a connector knows, with
//!   [`SettingsError`]s that name the key; [`Secret`] and [`BaseUrl`] for their values;
//! - [`fields`]: typed access to the fields of a JSON record, accepting the varying types
//!   platforms send ids, numbers and flags in, with errors that name the field, so that a
//!   malformed record becomes an invalid-record report instead of a failed page; [`record`]
//!   reads records with the same rules straight from the JSON text, keeping only the fields a
//!   mapping names (several times faster than a `serde_json::Value` tree);
//! - [`fixture`] (feature `fixture`): recorded HTTP exchanges, the format `ccsync plugin test`
//!   records and replays.
//!
//! Natively the imports are stubs that are never called: [`WitHost`] is used in components
//! only, and the native library exists for the connectors' tests.

#![warn(missing_docs)]

// The generated code is wit-bindgen's: it needs `unsafe` for the canonical ABI and documents
// only what the WIT documents. The whole `plugin` world is generated here, once: connectors
// implement [`Connector`] and export it with [`export_connector!`], which calls the export
// macro generated here, so a connector crate generates no bindings of its own.
#[doc(hidden)]
#[allow(unsafe_code, missing_docs, unused_qualifications)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "wit",
        world: "plugin",
        generate_all,
        additional_derives: [PartialEq],
        pub_export_macro: true,
        export_macro_name: "__export_plugin_world",
        default_bindings_module: "connector_kit::bindings",
    });
}

/// The contract's interfaces, for the connectors' code.
pub mod wit {
    pub use crate::bindings::ccsync::connector::{http, log, types};
    /// The `connector` interface a connector exports: what [`Connector`](crate::Connector)
    /// fills in.
    pub mod exports {
        pub use crate::bindings::exports::ccsync::connector::connector::{Description, Guest};
    }
}

pub mod call;
pub mod classify;
pub mod cursor;
pub mod fields;
#[cfg(any(test, feature = "fixture"))]
pub mod fixture;
pub mod grant;
mod guest;
mod host;
mod kind;
pub mod rate_limit;
pub mod record;
mod secret;
mod settings;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
mod url;

pub use call::{Call, json_reply, success, with_renewal};
pub use guest::{About, Connector, Exported, key_values, unsupported};
pub use host::{Host, WitHost, header, header_value};
pub use kind::{KINDS, kind_from_name, kind_name};
pub use secret::Secret;
pub use settings::{RawSettings, SettingsError};
pub use url::BaseUrl;
