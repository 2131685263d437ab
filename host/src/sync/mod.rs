//! The sync engine: read -> plan -> apply.

pub mod diff;
