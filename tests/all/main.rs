//! The end-to-end tests of ccsync, in one test binary (as wasmtime's `tests/all`): each module
//! drives the real `ccsync` binary against the real connector components (bundled, or the test
//! connectors beside this folder in `tests/plugins/`) and the platform simulators of `sim/`.
//! One binary links once, so the suite builds faster than one binary per file.

mod support;

mod acd_sync;
mod conformance;
mod crash;
mod dialer;
mod docs;
mod flow_engine;
mod log;
mod mapping;
mod plugin_inspect;
mod plugin_new;
mod presence;
mod push;
mod safety;
mod sandbox;
mod scim;
mod serve;
mod signing;
mod single_user;
mod store_open;
mod versions;
mod wfm_accounts;
mod wfo;
