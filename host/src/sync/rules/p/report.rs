//! How the mapping family speaks to the operator.

use std::collections::HashMap;

use ccsync_store::LinkStatus;

/// What the family keeps, in reports.
pub const LABEL: &str = "user links";
/// One of them.
pub const NOUN: &str = "link";

/// How a mapping flow's links stand, for `ccsync status` (rule P5: mapped or unmapped, per
/// user).
pub fn links_note(flow: &str, counts: &HashMap<LinkStatus, u64>) -> String {
    let count = |status| counts.get(&status).copied().unwrap_or(0);
    let waiting = count(LinkStatus::Unmapped) + count(LinkStatus::Ambiguous);
    let mut note = format!(
        "links: {} mapped, {} unmapped, {} ambiguous, {} ignored",
        count(LinkStatus::Mapped),
        count(LinkStatus::Unmapped),
        count(LinkStatus::Ambiguous),
        count(LinkStatus::Ignored)
    );
    if waiting > 0 {
        note += &format!(" (why: `ccsync links list {flow} --status unmapped`)");
    }
    note
}
