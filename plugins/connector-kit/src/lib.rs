//! `connector-kit`: what the ccsync connector plugins share, free of any platform's knowledge.
//!
//! - [`wit`]: the contract's imported interfaces (`types`, `http`, `log`), generated once here;
//!   each connector generates only its `connector` export and points its `types`, `http` and
//!   `log` at these with wit-bindgen's `with` option, so every connector and library works on
//!   the same Rust types and the same `http.send` import, with no conversion code;
//! - [`Host`]: what connector code needs from the host, with [`WitHost`] (the imports) for the
//!   component and a scripted fake for the unit tests, so the request flow is the same code
//!   everywhere; [`ClientSlot`] holds a component instance's client;
//! - [`classify`]: HTTP outcomes turned into the contract's `error`, with the few points where
//!   platforms differ as a [`Classifier`](classify::Classifier) each connector fills in;
//! - [`grant`]: the pieces of a token grant the platforms share (Basic credentials, a refused
//!   grant, the token reply, one token renewal per request);
//! - [`Secret`]: a secret setting or token whose `Debug` never prints it;
//! - [`BaseUrl`]: an `http(s)` base URL that paths are appended to;
//! - [`RawSettings`]: the `configure` pairs checked against the keys a connector knows, with
//!   [`SettingsError`]s that name the key;
//! - [`fields`]: typed access to the fields of a JSON record, accepting the varying types
//!   platforms send ids, numbers and flags in, with errors that name the field, so that a
//!   malformed record becomes an invalid-record report instead of a failed page.
//!
//! Natively the imports are stubs that are never called: [`WitHost`] is used in components
//! only, and the native library exists for the connectors' unit tests.

#![warn(missing_docs)]

// The generated code is wit-bindgen's: it needs `unsafe` for the canonical ABI and documents
// only what the WIT documents.
#[allow(unsafe_code, missing_docs, unused_qualifications)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        // The contract's imports without its export: the types are generated even though no
        // function of this world uses them (the connectors' exports do).
        inline: "
            package ccsync:connector-kit;
            world imports {
                import ccsync:connector/types@0.2.0;
                import ccsync:connector/http@0.2.0;
                import ccsync:connector/log@0.2.0;
            }
        ",
        world: "ccsync:connector-kit/imports",
        generate_all,
        generate_unused_types: true,
        additional_derives: [PartialEq],
    });
}

/// The contract's imported interfaces, for the connectors' `with` option and for their code.
pub mod wit {
    pub use crate::bindings::ccsync::connector::{http, log, types};
}

pub mod classify;
mod component;
pub mod fields;
pub mod grant;
mod host;
mod kind;
mod secret;
mod settings;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
mod url;

pub use component::{ClientSlot, key_values, unsupported};
pub use host::{Host, WitHost, header, header_value};
pub use kind::{KINDS, kind_from_name, kind_name};
pub use secret::Secret;
pub use settings::{RawSettings, SettingsError};
pub use url::BaseUrl;
