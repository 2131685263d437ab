//! The pure rules of the push family (D1, D4): from one hub record, its link and whether the
//! operator selected it, to what the flow does at its target. No I/O; unit-tested by rule id.
//!
//! - D1: only records the operator selected are pushed; a record never selected is out of
//!   the flow's scope: nothing is written for it, at the target or in its links.
//! - D4: create or update only. There is no decision that deactivates or deletes at the
//!   target: a record deselected, or gone or inactive at the source, stays there, and its
//!   link says so (once).
//! - A record is pushed again only when its content hash differs from the hash this flow last
//!   pushed, so what a flow pushes never depends on which flow last refreshed the hub.

use ccsync_config::WriteAction;
use ccsync_store::{Link, LinkStatus, RecordState, RecordStatus};

/// Why a linked record is left as it is at the target (rule D4).
pub const DESELECTED: &str = "deselected: stays at the target (rule D4)";
/// Why a linked record gone or inactive at the source is left at the target (rule D4).
pub const GONE: &str = "gone or inactive at the source: stays at the target (rule D4)";
/// Why a selected record is not created: the flow's `actions` leave out `create`.
pub const NO_CREATE: &str = "not created: the flow's actions leave out create";
/// Why a changed record is not updated: the flow's `actions` leave out `update`.
pub const NO_UPDATE: &str = "not updated: the flow's actions leave out update";

/// What the flow does with one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Out of scope and never pushed: nothing to do or log.
    Out,
    /// Pushed as it is now: nothing to do.
    Unchanged,
    /// Create the record at the target. `lookup_first`: an earlier attempt may have stored it
    /// (its reply was lost), so look it up by external id before creating it again.
    Create { lookup_first: bool },
    /// Update the linked target record.
    Update { target_id: String },
    /// Leave the target record alone, and note why on its link.
    Note { reason: &'static str },
}

/// Everything [`decide`] looks at for one record.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub record: &'a RecordState,
    /// The record's content hash now.
    pub hash: &'a str,
    pub link: Option<&'a Link>,
    /// Whether the operator selected the record for the flow (rule D1).
    pub selected: bool,
    /// What the flow may do at its target (its `actions`).
    pub actions: &'a [WriteAction],
}

/// What the flow does with one record.
pub fn decide(input: &Input<'_>) -> Decision {
    let link = input.link;
    if link.is_some_and(|l| l.status == LinkStatus::Ignored) {
        return Decision::Out;
    }
    let target_id = link.and_then(|l| l.target_id.as_deref());
    let note = |reason: &'static str| match link {
        Some(l) if l.reason.as_deref() == Some(reason) => Decision::Unchanged,
        _ => Decision::Note { reason },
    };
    let gone = input.record.status == RecordStatus::Deactivated;
    match (target_id, gone, input.selected) {
        (Some(_), true, _) => note(GONE),
        (Some(_), false, false) => note(DESELECTED),
        (None, true, _) | (None, false, false) => Decision::Out,
        (Some(target_id), false, true) => {
            let pushed = link.and_then(|l| l.pushed_hash.as_deref());
            if pushed == Some(input.hash) {
                Decision::Unchanged
            } else if !input.actions.contains(&WriteAction::Update) {
                note(NO_UPDATE)
            } else {
                Decision::Update {
                    target_id: target_id.to_owned(),
                }
            }
        }
        (None, false, true) if !input.actions.contains(&WriteAction::Create) => note(NO_CREATE),
        (None, false, true) => Decision::Create {
            lookup_first: link.is_some_and(|l| l.attempts > 0),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccsync_model::{Entity, User};
    use ccsync_store::LinkMethod;

    fn record(status: RecordStatus) -> RecordState {
        RecordState {
            tenant: "acme".into(),
            source_id: "42".into(),
            entity: Entity::User(User {
                id: "42".into(),
                active: status == RecordStatus::Active,
                ..User::default()
            }),
            status,
            source_active: status == RecordStatus::Active,
        }
    }

    fn linked(hash: &str) -> Link {
        Link {
            target_id: Some("T-1".into()),
            method: Some(LinkMethod::Created),
            status: LinkStatus::Mapped,
            pushed_hash: Some(hash.into()),
            ..Link::new("dialer", "acme", "user", "42")
        }
    }

    const BOTH: [WriteAction; 2] = [WriteAction::Create, WriteAction::Update];

    fn decide_with(
        status: RecordStatus,
        link: Option<&Link>,
        selected: bool,
        actions: &[WriteAction],
    ) -> Decision {
        let record = record(status);
        decide(&Input {
            record: &record,
            hash: "h1",
            link,
            selected,
            actions,
        })
    }

    fn decide_for(status: RecordStatus, link: Option<&Link>, selected: bool) -> Decision {
        decide_with(status, link, selected, &BOTH)
    }

    #[test]
    fn d1_only_selected_records_are_pushed() {
        assert_eq!(decide_for(RecordStatus::Active, None, false), Decision::Out);
        assert_eq!(
            decide_for(RecordStatus::Active, None, true),
            Decision::Create {
                lookup_first: false
            }
        );
    }

    #[test]
    fn d1_a_changed_record_is_updated_and_an_unchanged_one_is_not_pushed_again() {
        let same = linked("h1");
        assert_eq!(
            decide_for(RecordStatus::Active, Some(&same), true),
            Decision::Unchanged
        );
        let changed = linked("h0");
        assert_eq!(
            decide_for(RecordStatus::Active, Some(&changed), true),
            Decision::Update {
                target_id: "T-1".into()
            }
        );
    }

    #[test]
    fn d4_a_deselected_or_gone_record_stays_at_the_target_noted_once() {
        let link = linked("h1");
        assert_eq!(
            decide_for(RecordStatus::Active, Some(&link), false),
            Decision::Note { reason: DESELECTED }
        );
        assert_eq!(
            decide_for(RecordStatus::Deactivated, Some(&link), true),
            Decision::Note { reason: GONE }
        );
        let noted = Link {
            reason: Some(GONE.into()),
            ..link
        };
        assert_eq!(
            decide_for(RecordStatus::Deactivated, Some(&noted), true),
            Decision::Unchanged
        );
    }

    #[test]
    fn a_create_whose_earlier_attempt_may_have_stored_looks_the_record_up_first() {
        let attempted = Link {
            attempts: 1,
            ..Link::new("dialer", "acme", "user", "42")
        };
        assert_eq!(
            decide_for(RecordStatus::Active, Some(&attempted), true),
            Decision::Create { lookup_first: true }
        );
    }

    #[test]
    fn a_flow_whose_actions_leave_out_create_or_update_notes_why_instead() {
        assert_eq!(
            decide_with(RecordStatus::Active, None, true, &[WriteAction::Update]),
            Decision::Note { reason: NO_CREATE }
        );
        let changed = linked("h0");
        assert_eq!(
            decide_with(
                RecordStatus::Active,
                Some(&changed),
                true,
                &[WriteAction::Create]
            ),
            Decision::Note { reason: NO_UPDATE }
        );
    }

    #[test]
    fn an_ignored_record_is_left_alone() {
        let ignored = Link {
            status: LinkStatus::Ignored,
            ..linked("h0")
        };
        assert_eq!(
            decide_for(RecordStatus::Active, Some(&ignored), true),
            Decision::Out
        );
    }
}
