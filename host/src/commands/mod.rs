//! One module per command family; each takes its parsed arguments and does the work.

pub mod accounts;
pub mod bench;
pub mod demo;
pub mod plugin;
pub mod report;
pub mod serve;
pub mod sync;
pub mod trust;
