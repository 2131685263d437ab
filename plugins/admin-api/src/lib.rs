//! `ccsync-admin-api`: what every ccsync connector for the NICE Admin API shares.
//!
//! The CXone Mpower ACD (`cxone-acd`) and inContact Central (`central`) serve the same Admin
//! API (`/agents`, `/teams`, `/security-profiles`, …) and differ only in how a client signs in
//! and learns where the API lives. This library holds the common part: which endpoint serves
//! each kind ([`endpoint`]), the paging cursor, turning a list reply into a page, mapping each
//! record onto the contract's entity with the wire's varying types accepted (through
//! `connector-kit`'s `fields`), error classification ([`classify`]), the list-request flow with
//! one token renewal on a 401 ([`Client`]) and the two settings every Admin API connector takes
//! ([`settings`]). Each connector plugs its own sign-in in through [`Auth`] ("a bearer token
//! and the API base to send it to") and keeps its own settings, `describe` and component glue;
//! what every connector shares, Admin API or not (secrets, base URLs, reading the `configure`
//! pairs, typed record fields), is `connector-kit`'s.
//!
//! # Bindings
//!
//! The library generates the bindings of the contract's *imported* interfaces (`types`,
//! `http`, `log`) once, in [`wit`]; each connector generates only its `connector` export and
//! points its `types`, `http` and `log` at these with wit-bindgen's `with` option. So there is
//! one set of Rust types for the records, one `http.send` import and no conversion code, and
//! the library's code (and its unit tests) work on the contract's own types. Natively the
//! imports are stubs that are never called: [`WitHost`] is used in components only.

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
            package ccsync:admin-api;
            world imports {
                import ccsync:connector/types@0.2.0;
                import ccsync:connector/http@0.2.0;
                import ccsync:connector/log@0.2.0;
            }
        ",
        world: "ccsync:admin-api/imports",
        generate_all,
        generate_unused_types: true,
        additional_derives: [PartialEq],
    });
}

/// The contract's imported interfaces, for the connectors' `with` option and for their code.
pub mod wit {
    pub use crate::bindings::ccsync::connector::{http, log, types};
}

mod auth;
pub mod classify;
mod client;
mod cursor;
pub mod endpoint;
mod host;
mod mapping;
mod page;
pub mod settings;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;

pub use auth::{Access, Auth, basic_credentials, classify_grant_failure, grant_refused};
pub use client::Client;
pub use host::{ClientSlot, Host, WitHost, header};
