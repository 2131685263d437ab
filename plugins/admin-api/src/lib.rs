//! `ccsync-admin-api`: what every ccsync connector for the NICE Admin API shares.
//!
//! The CXone Mpower ACD (`cxone-acd`) and inContact Central (`central`) serve the same Admin
//! API (`/agents`, `/teams`, `/security-profiles`, …) and differ only in how a client signs in
//! and learns where the API lives. This library holds the common part: which endpoint serves
//! each kind ([`endpoint`]), the paging cursor, turning a list reply into a page, mapping each
//! record onto the contract's entity with the wire's varying types accepted (through
//! `connector-kit`'s `fields`), how the Admin API explains a failure ([`classify`]), the list-request flow with
//! one token renewal on a 401 ([`Client`]) and the two settings every Admin API connector takes
//! ([`settings`]). Each connector plugs its own sign-in in through [`Auth`] ("a bearer token
//! and the API base to send it to") and keeps its own settings, `describe` and component glue;
//! what every connector shares, Admin API or not (the contract's bindings, the host, error
//! classification, token-grant pieces, secrets, base URLs, reading the `configure` pairs, typed
//! record fields), is `connector-kit`'s.
//!
//! # Bindings
//!
//! The contract's imported interfaces (`types`, `http`, `log`), the [`Host`] the requests go
//! through and the shared error classification are connector-kit's; the library works on
//! those types, so the connectors bind their `connector` export to them with wit-bindgen's
//! `with` option and need no conversion code.
//!
//! [`Host`]: connector_kit::Host

#![warn(missing_docs)]

mod auth;
pub mod classify;
mod client;
mod cursor;
pub mod endpoint;
mod mapping;
mod page;
mod platform;
pub mod settings;
mod wire;

pub use auth::{Access, Auth, classify_grant_failure};
pub use client::Client;
pub use platform::Platform;
