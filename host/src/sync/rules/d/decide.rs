//! The pure rules of the push family (D1–D4): from one hub record, its link and whether the
//! operator selected it, to what the flow does at its target, and what the record looks like
//! there. No I/O; unit-tested by rule id.
//!
//! - D1: only records the operator selected are pushed; a record never selected is out of
//!   the flow's scope: nothing is written for it, at the target or in its links.
//! - D2: users land in the [`CALL_CENTER_AGENTS`] group, with no password (the hub never holds
//!   one): they need one set at the target before they can log in.
//! - D3: campaigns, dispositions and agent statuses land in their lists ([`list_of`]).
//! - D4: create or update only. There is no decision that deactivates or deletes at the
//!   target: a record deselected, or gone or inactive at the source, stays there, and its
//!   link says so (once).
//! - A record is pushed again only when its content hash differs from the hash this flow last
//!   pushed, so what a flow pushes never depends on which flow last refreshed the hub.

use ccsync_config::WriteAction;
use ccsync_model::{Entity, Kind};
use ccsync_store::{Link, LinkStatus, RecordState, RecordStatus};

/// The group pushed users land in at the dialer (rule D2).
pub const CALL_CENTER_AGENTS: &str = "Call Center Agents";
/// The list pushed campaigns land in (rule D3; an ACD's skills are its campaigns).
pub const CC_CAMPAIGNS: &str = "CC Campaigns";
/// The list pushed dispositions land in (rule D3).
pub const CC_DISPOSITIONS: &str = "CC Dispositions";
/// The list pushed agent statuses land in (rule D3).
pub const CC_AGENT_STATUS: &str = "CC Agent Status";

/// The list a named item of `kind` lands in at the dialer (rule D3); `None` for the kinds
/// that are not named items.
pub fn list_of(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Campaign => Some(CC_CAMPAIGNS),
        Kind::Disposition => Some(CC_DISPOSITIONS),
        Kind::AgentStatus => Some(CC_AGENT_STATUS),
        Kind::User | Kind::Team | Kind::SecurityProfile => None,
    }
}

/// A hub record as the flow writes it at the target: a user in [`CALL_CENTER_AGENTS`] and
/// without a password flag (D2: the hub holds no password, and sends none), a named item in
/// its list (D3); anything else as the hub holds it.
pub fn at_target(entity: &Entity) -> Entity {
    let mut entity = entity.clone();
    let kind = entity.kind();
    match &mut entity {
        Entity::User(user) => {
            user.groups = vec![CALL_CENTER_AGENTS.to_owned()];
            user.password_set = None;
        }
        Entity::Campaign(item) | Entity::Disposition(item) | Entity::AgentStatus(item) => {
            item.group = list_of(kind).map(str::to_owned);
        }
        Entity::Team(_) | Entity::SecurityProfile(_) => {}
    }
    entity
}

/// Why a linked record is left as it is at the target (rule D4).
pub const DESELECTED: &str = "deselected: stays at the target (rule D4)";
/// Why a linked record gone or inactive at the source is left at the target (rule D4).
pub const GONE: &str = "gone or inactive at the source: stays at the target (rule D4)";
/// Why a selected record is not created: the flow's `actions` leave out `create`.
pub const NO_CREATE: &str = "not created: the flow's actions leave out create";
/// Why a changed record is not updated: the flow's `actions` leave out `update`.
pub const NO_UPDATE: &str = "not updated: the flow's actions leave out update";

/// An update of a user at the target, with the groups the target holds kept (rule D2 asks for
/// [`CALL_CENTER_AGENTS`]; a group an administrator added there by hand stays).
pub fn keeping_groups(pushed: Entity, current: Option<&Entity>) -> Entity {
    match (pushed, current) {
        (Entity::User(mut user), Some(Entity::User(now))) => {
            let mut groups = now.groups.clone();
            for group in user.groups {
                if !groups.contains(&group) {
                    groups.push(group);
                }
            }
            user.groups = groups;
            Entity::User(user)
        }
        (pushed, _) => pushed,
    }
}

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
    use ccsync_model::User;
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

    #[test]
    fn d2_users_land_in_call_center_agents_without_a_password() {
        let user = User {
            id: "42".into(),
            groups: vec!["Supervisors".into()],
            password_set: Some(true),
            ..User::default()
        };
        let Entity::User(pushed) = at_target(&Entity::User(user)) else {
            panic!("a user stays a user");
        };
        assert_eq!(pushed.groups, [CALL_CENTER_AGENTS]);
        assert_eq!(pushed.password_set, None);
    }

    #[test]
    fn d2_an_update_keeps_the_groups_an_administrator_added_at_the_target() {
        let pushed = at_target(&Entity::User(User {
            id: "42".into(),
            ..User::default()
        }));
        let now = Entity::User(User {
            id: "T-1".into(),
            groups: vec!["Supervisors".into()],
            ..User::default()
        });
        let Entity::User(user) = keeping_groups(pushed, Some(&now)) else {
            panic!("a user stays a user");
        };
        assert_eq!(user.groups, ["Supervisors", CALL_CENTER_AGENTS]);
    }

    #[test]
    fn d3_campaigns_dispositions_and_agent_statuses_land_in_their_cc_lists() {
        let item = ccsync_model::NamedItem {
            id: "7".into(),
            name: "Sales".into(),
            active: true,
            ..Default::default()
        };
        for (entity, list) in [
            (Entity::Campaign(item.clone()), CC_CAMPAIGNS),
            (Entity::Disposition(item.clone()), CC_DISPOSITIONS),
            (Entity::AgentStatus(item), CC_AGENT_STATUS),
        ] {
            match at_target(&entity) {
                Entity::Campaign(i) | Entity::Disposition(i) | Entity::AgentStatus(i) => {
                    assert_eq!(i.group.as_deref(), Some(list));
                    assert_eq!(i.name, "Sales");
                }
                other => panic!("a named item stays one: {other:?}"),
            }
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
