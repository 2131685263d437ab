//! The sync engine: read -> stage -> plan -> apply, with the rules that decide each action.

pub mod diff;
pub mod engine;
pub mod pages;
pub mod plan;
pub mod progress;
pub mod retry;
pub mod rules;
pub mod single;

pub use engine::{FlowRunner, RunOptions, RunReport};
pub use progress::Progress;
pub use retry::RetryPolicy;

/// How many planned actions (of records, and of a family at its target) a run report keeps for display;
/// the counts always cover them all.
pub const SHOWN_ACTIONS: usize = 1000;
