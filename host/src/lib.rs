//! ccsync keeps contact-center user accounts in step across platforms.
//!
//! The host owns scheduling, storage and the sync rules; each platform is reached through a
//! connector plugin (a WebAssembly component, see `wit/`) run by `ccsync-runtime`. This crate
//! is the application: the command line and the commands behind it.

mod app;
pub mod cli;
mod commands;
mod lock;
pub mod logging;
mod plugins;
mod schedule;
pub mod sync;
