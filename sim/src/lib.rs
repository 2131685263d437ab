//! Simulators of the platforms' HTTP APIs, served on loopback.
//!
//! They exist so that end-to-end tests, benchmarks, the `ccsync demo` command and integrators can
//! exercise connectors against something that answers like the real platform (shapes, paging,
//! errors, rate limits) while staying deterministic, fast at any tenant size and controllable:
//! tests change records, inject faults and count requests through a control API.
//!
//! Today: the NICE CXone ACD Admin API ([`acd`]), the source of the WFM sync, and an Ivinex
//! account ([`ivinex`]), the target of the dialer push, whose REST model is the project's own.

#![warn(missing_docs)]

pub mod acd;
mod clock;
mod guard;
mod iso;
pub mod ivinex;
mod rng;
mod server;
mod tokens;
mod traffic;

pub use acd::{AcdSim, AcdSimConfig};
pub use ivinex::{IvinexSim, IvinexSimConfig};
