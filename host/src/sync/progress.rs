//! A progress line for a run, drawn only when stderr is a terminal.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ccsync_model::Kind;
use indicatif::{ProgressBar, ProgressStyle};

/// Counts records read and changes applied, and shows them with a rate.
pub struct Progress {
    bar: ProgressBar,
    flow: String,
    applied: AtomicU64,
}

impl Progress {
    /// A progress line for `flow`, drawn only if stderr is a terminal.
    pub fn for_terminal(flow: &str) -> Self {
        let bar = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg}: {pos} read ({per_sec}), {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        } else {
            ProgressBar::hidden()
        };
        Progress {
            bar,
            flow: flow.to_owned(),
            applied: AtomicU64::new(0),
        }
    }

    /// A progress that draws nothing (tests, the daemon).
    pub fn hidden() -> Self {
        Progress {
            bar: ProgressBar::hidden(),
            flow: String::new(),
            applied: AtomicU64::new(0),
        }
    }

    pub fn start_kind(&self, kind: Kind) {
        self.bar.set_message(format!("{} {kind}", self.flow));
    }

    pub fn read(&self, records: u64) {
        self.bar.inc(records);
    }

    pub fn applied(&self, changes: u64) {
        let total = self.applied.fetch_add(changes, Ordering::Relaxed) + changes;
        if changes > 0 {
            self.bar
                .set_message(format!("{} applying ({total} changes)", self.flow));
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
