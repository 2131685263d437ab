//! The pure rules of the mapping family (P1–P4): from one hub user, its link and what the
//! directory holds for its email, to how the user's link stands. No I/O; unit-tested by rule
//! id.
//!
//! - P1: a user is mapped to the directory user with the same email, trimmed and case-folded.
//! - P2: a user whose role lacks `User Mapping: Map` is skipped, with that reason.
//! - P3: no match, or several, leaves the user unmapped (ambiguous, with the candidates);
//!   auto-mapping tries once more on the next run, then leaves the user for manual mapping.
//! - P4: a link an operator pinned is never overridden; an ignored user is left alone.

use ccsync_model::User;
use ccsync_store::{Link, LinkMethod, LinkStatus, RecordState, RecordStatus};

/// The permission that lets a user be mapped (rule P2).
pub const USER_MAPPING_MAP: &str = "User Mapping: Map";
/// How many automatic look-ups an unmapped user gets before it is left for manual mapping
/// (rule P3: the first, and once more on the next run).
pub const AUTO_ATTEMPTS: u32 = 2;

/// Why a user is not mapped.
pub const NO_PERMISSION: &str = "role lacks `User Mapping: Map` (rule P2)";
/// Why a user without an email is not mapped.
pub const NO_EMAIL: &str = "no email at the source: map it by hand";
/// Why a user whose email matches nobody is not mapped.
pub const NO_MATCH: &str = "no directory user has this email";
/// Why a user whose email matches several directory users is not mapped.
pub const SEVERAL: &str = "several directory users have this email: pick one by hand";
/// Said once automatic mapping gives up on a user (rule P3).
pub const LEFT_FOR_MANUAL: &str = "left for manual mapping: `ccsync links search` and `links pin`";

/// An email as compared (rule P1): trimmed and case-folded; `None` when blank.
pub fn normalized(email: Option<&str>) -> Option<String> {
    email
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty())
}

/// What the run does for one user before any look-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Before {
    /// Left as it is: not a user to map now (pinned, ignored, mapped, given up, inactive).
    Leave,
    /// Not mapped, for this reason, without a look-up (P2, no email).
    Unmapped(&'static str),
    /// Look the directory up for this (normalized) email.
    LookUp(String),
}

/// Everything [`before`] looks at for one user.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub record: &'a RecordState,
    pub user: &'a User,
    /// Whether the user's role grants [`USER_MAPPING_MAP`].
    pub may_map: bool,
    pub link: Option<&'a Link>,
}

/// Whether a user needs a look-up, or is decided without one.
pub fn before(input: &Input<'_>) -> Before {
    if let Some(link) = input.link {
        let settled = link.method == Some(LinkMethod::Manual)
            || matches!(link.status, LinkStatus::Ignored | LinkStatus::Mapped)
            || link.attempts >= AUTO_ATTEMPTS;
        if settled {
            return Before::Leave;
        }
    }
    if input.record.status == RecordStatus::Deactivated {
        return Before::Leave;
    }
    if !input.may_map {
        return Before::Unmapped(NO_PERMISSION);
    }
    match normalized(input.user.email.as_deref()) {
        Some(email) => Before::LookUp(email),
        None => Before::Unmapped(NO_EMAIL),
    }
}

/// How a looked-up user's link stands: mapped to the one directory user with its email,
/// or unmapped (none) or ambiguous (several, with the candidates), one more attempt counted.
pub fn after_look_up(old: Option<&Link>, base: Link, matches: &[String]) -> Link {
    let attempts = old.map_or(0, |l| l.attempts) + 1;
    let gave_up = |reason: &str| {
        if attempts >= AUTO_ATTEMPTS {
            format!("{reason}; {LEFT_FOR_MANUAL}")
        } else {
            reason.to_owned()
        }
    };
    match matches {
        [one] => Link {
            target_id: Some(one.clone()),
            method: Some(LinkMethod::Email),
            status: LinkStatus::Mapped,
            attempts: 0,
            reason: None,
            candidates: Vec::new(),
            ..base
        },
        [] => Link {
            target_id: None,
            method: None,
            status: LinkStatus::Unmapped,
            attempts,
            reason: Some(gave_up(NO_MATCH)),
            candidates: Vec::new(),
            ..base
        },
        several => Link {
            target_id: None,
            method: None,
            status: LinkStatus::Ambiguous,
            attempts,
            reason: Some(gave_up(SEVERAL)),
            candidates: several.to_vec(),
            ..base
        },
    }
}

/// How a user decided without a look-up stands.
pub fn unmapped(base: Link, reason: &str) -> Link {
    Link {
        target_id: None,
        method: None,
        status: LinkStatus::Unmapped,
        reason: Some(reason.to_owned()),
        candidates: Vec::new(),
        ..base
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccsync_model::Entity;

    fn user(email: Option<&str>) -> User {
        User {
            id: "42".into(),
            email: email.map(str::to_owned),
            active: true,
            ..User::default()
        }
    }

    fn state(user: &User, status: RecordStatus) -> RecordState {
        RecordState {
            tenant: "acme".into(),
            source_id: user.id.clone(),
            entity: Entity::User(user.clone()),
            status,
            source_active: true,
        }
    }

    fn decide(user: &User, may_map: bool, link: Option<&Link>) -> Before {
        let record = state(user, RecordStatus::Active);
        before(&Input {
            record: &record,
            user,
            may_map,
            link,
        })
    }

    fn base() -> Link {
        Link::new("presence", "acme", "user", "42")
    }

    #[test]
    fn p1_emails_compare_trimmed_and_case_folded() {
        let user = user(Some("  Ann.Lee@Example.COM "));
        assert_eq!(
            decide(&user, true, None),
            Before::LookUp("ann.lee@example.com".into())
        );
        let mapped = after_look_up(None, base(), &["rc-7".into()]);
        assert_eq!(mapped.status, LinkStatus::Mapped);
        assert_eq!(mapped.method, Some(LinkMethod::Email));
        assert_eq!(mapped.target_id.as_deref(), Some("rc-7"));
    }

    #[test]
    fn p2_a_user_whose_role_lacks_user_mapping_map_is_skipped_with_that_reason() {
        let user = user(Some("ann@example.com"));
        assert_eq!(decide(&user, false, None), Before::Unmapped(NO_PERMISSION));
    }

    #[test]
    fn p3_no_match_or_several_leave_the_user_unmapped_tried_once_more_then_left() {
        let none = after_look_up(None, base(), &[]);
        assert_eq!((none.status, none.attempts), (LinkStatus::Unmapped, 1));
        let user = user(Some("ann@example.com"));
        assert!(matches!(
            decide(&user, true, Some(&none)),
            Before::LookUp(_)
        ));
        let several = after_look_up(Some(&none), base(), &["a".into(), "b".into()]);
        assert_eq!(several.status, LinkStatus::Ambiguous);
        assert_eq!(several.candidates, ["a", "b"]);
        assert!(
            several
                .reason
                .as_deref()
                .unwrap()
                .contains("left for manual")
        );
        assert_eq!(decide(&user, true, Some(&several)), Before::Leave);
    }

    #[test]
    fn p4_a_pinned_or_ignored_link_is_left_alone() {
        let user = user(Some("ann@example.com"));
        let pinned = Link {
            method: Some(LinkMethod::Manual),
            status: LinkStatus::Mapped,
            target_id: Some("rc-1".into()),
            ..base()
        };
        assert_eq!(decide(&user, true, Some(&pinned)), Before::Leave);
        let ignored = Link {
            status: LinkStatus::Ignored,
            ..base()
        };
        assert_eq!(decide(&user, true, Some(&ignored)), Before::Leave);
    }
}
