//! The pure rules of the mapping family (P1–P4): from one hub user, its link and what the
//! directory holds, to how the user's link stands. No I/O; unit-tested by rule id.
//!
//! - P1: a user is mapped to the one enabled directory user with the same email, trimmed and
//!   case-folded.
//! - P2: a user whose role lacks `User Mapping: Map` is skipped, with that reason.
//! - P3: no match, or several, leaves the user unmapped (ambiguous, with the candidates);
//!   auto-mapping tries once more on the next run, then leaves the user for manual mapping.
//! - P4: a link an operator pinned is never overridden; an ignored user is left alone; a
//!   pinned target that disappears from the directory (or is disabled) is flagged, not
//!   dropped.
//! - A mapped user is looked at again when its email changes at the source (the link keeps a
//!   hash of the email it was made by), and, when the run read the whole directory, when its
//!   directory user is gone, disabled or has another email now.

use ccsync_model::User;
use ccsync_store::{Link, LinkMethod, LinkStatus, RecordState, RecordStatus};
use sha2::{Digest, Sha256};

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
pub const NO_MATCH: &str = "no enabled directory user has this email";
/// Why a user whose email matches several directory users is not mapped.
pub const SEVERAL: &str = "several directory users have this email: pick one by hand";
/// Said once automatic mapping gives up on a user (rule P3).
pub const LEFT_FOR_MANUAL: &str = "left for manual mapping: `ccsync links search` and `links pin`";

/// Why a mapped user is looked at again.
pub const EMAIL_CHANGED: &str = "the email changed at the source";
/// Why a mapped user is looked at again: its directory user is gone.
pub const TARGET_GONE: &str = "the directory user it was mapped to is gone";
/// Why a mapped user is looked at again: its directory user is disabled.
pub const TARGET_DISABLED: &str = "the directory user it was mapped to is disabled";
/// Why a mapped user is looked at again: its directory user has another email.
pub const TARGET_EMAIL_CHANGED: &str = "the directory user it was mapped to has another email";
/// The flag on a pinned link whose directory user is gone (rule P4: flagged, not dropped).
pub const PINNED_GONE: &str = "flagged: the pinned directory user is gone";
/// The flag on a pinned link whose directory user is disabled.
pub const PINNED_DISABLED: &str = "flagged: the pinned directory user is disabled";

/// An email as compared (rule P1): trimmed and case-folded; `None` when blank.
pub fn normalized(email: Option<&str>) -> Option<String> {
    email
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty())
}

/// What a link remembers of the email it was last decided on: a hash, so the links hold no
/// second copy of an address.
pub fn basis(email: &str) -> String {
    hex::encode(Sha256::digest(email.as_bytes()))
}

/// One directory user, as a full read of the directory shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    /// Its email, normalized.
    pub email: Option<String>,
    /// Whether it is enabled.
    pub active: bool,
}

/// What the run knows of the linked directory user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// The run did not read the whole directory: only look-ups by email.
    Unknown,
    /// The run read the whole directory; `None`: the user is not in it.
    Known(Option<&'a DirectoryUser>),
}

/// What the run does for one user before any look-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Before {
    /// Left as it is: not a user to map now (pinned, ignored, mapped, given up, inactive).
    Leave,
    /// Not mapped, for this reason, without a look-up (P2, no email).
    Unmapped(&'static str),
    /// Look the directory up for this (normalized) email.
    LookUp(LookUp),
    /// A pinned link, flagged (or, with `None`, no longer flagged): rule P4.
    Flag(Option<&'static str>),
}

/// A look-up to make for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookUp {
    /// The user's normalized email.
    pub email: String,
    /// Why a settled user is looked at again; its attempts start over.
    pub again: Option<&'static str>,
}

/// Everything [`before`] looks at for one user.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub record: &'a RecordState,
    pub user: &'a User,
    /// Whether the user's role grants [`USER_MAPPING_MAP`].
    pub may_map: bool,
    pub link: Option<&'a Link>,
    /// The linked directory user, as far as the run knows it.
    pub target: Target<'a>,
}

/// Whether a user needs a look-up, or is decided without one.
pub fn before(input: &Input<'_>) -> Before {
    let link = input.link;
    if let Some(link) = link {
        if link.status == LinkStatus::Ignored {
            return Before::Leave;
        }
        if link.method == Some(LinkMethod::Manual) {
            return pinned(link, input.target);
        }
    }
    if input.record.status == RecordStatus::Deactivated {
        return Before::Leave;
    }
    let email = normalized(input.user.email.as_deref());
    let changed = |email: &str| {
        link.is_some_and(|l| l.pushed_hash.as_deref().is_some_and(|b| b != basis(email)))
    };
    if link.is_some_and(|l| l.status == LinkStatus::Mapped) {
        let Some(email) = email else {
            return Before::Leave;
        };
        let again = if changed(&email) {
            Some(EMAIL_CHANGED)
        } else {
            match input.target {
                Target::Unknown => None,
                Target::Known(None) => Some(TARGET_GONE),
                Target::Known(Some(t)) if !t.active => Some(TARGET_DISABLED),
                Target::Known(Some(t)) if t.email.as_deref() != Some(email.as_str()) => {
                    Some(TARGET_EMAIL_CHANGED)
                }
                Target::Known(Some(_)) => None,
            }
        };
        return match again {
            Some(why) => Before::LookUp(LookUp {
                email,
                again: Some(why),
            }),
            None => Before::Leave,
        };
    }
    if !input.may_map {
        return Before::Unmapped(NO_PERMISSION);
    }
    let Some(email) = email else {
        return Before::Unmapped(NO_EMAIL);
    };
    if changed(&email) {
        return Before::LookUp(LookUp {
            email,
            again: Some(EMAIL_CHANGED),
        });
    }
    if link.is_some_and(|l| l.attempts >= AUTO_ATTEMPTS) {
        return Before::Leave;
    }
    Before::LookUp(LookUp { email, again: None })
}

/// A pinned link: flagged when the run read the whole directory and its user is gone or
/// disabled, unflagged when it is back (rule P4).
fn pinned(link: &Link, target: Target<'_>) -> Before {
    let flag = match target {
        Target::Unknown => return Before::Leave,
        Target::Known(None) => Some(PINNED_GONE),
        Target::Known(Some(t)) if !t.active => Some(PINNED_DISABLED),
        Target::Known(Some(_)) => None,
    };
    let current = link.reason.as_deref().and_then(|r| {
        [PINNED_GONE, PINNED_DISABLED]
            .into_iter()
            .find(|f| r.starts_with(f))
    });
    if current == flag {
        Before::Leave
    } else {
        Before::Flag(flag)
    }
}

/// A pinned link with `flag` set on its reason (or cleared), the operator's reason kept.
pub fn flagged(link: Link, flag: Option<&str>) -> Link {
    let own = link.reason.as_deref().map(|r| {
        [PINNED_GONE, PINNED_DISABLED]
            .into_iter()
            .find_map(|f| r.strip_prefix(f))
            .map_or(r, |rest| rest.trim_start_matches("; "))
            .to_owned()
    });
    let reason = match (flag, own) {
        (Some(flag), Some(own)) if !own.is_empty() => Some(format!("{flag}; {own}")),
        (Some(flag), _) => Some(flag.to_owned()),
        (None, own) => own.filter(|o| !o.is_empty()),
    };
    Link { reason, ..link }
}

/// How a looked-up user's link stands: mapped to the one enabled directory user with its
/// email, or unmapped (none) or ambiguous (several, with the candidates), one more attempt
/// counted. `matches` are the ids of the enabled directory users with the email.
pub fn after_look_up(old: Option<&Link>, base: Link, look_up: &LookUp, matches: &[String]) -> Link {
    let attempts = match look_up.again {
        Some(_) => 1,
        None => old.map_or(0, |l| l.attempts) + 1,
    };
    let reason = |reason: &str| {
        let mut text = match look_up.again {
            Some(why) => format!("{why}; {reason}"),
            None => reason.to_owned(),
        };
        if attempts >= AUTO_ATTEMPTS {
            text = format!("{text}; {LEFT_FOR_MANUAL}");
        }
        text
    };
    let base = Link {
        pushed_hash: Some(basis(&look_up.email)),
        ..base
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
            reason: Some(reason(NO_MATCH)),
            candidates: Vec::new(),
            ..base
        },
        several => Link {
            target_id: None,
            method: None,
            status: LinkStatus::Ambiguous,
            attempts,
            reason: Some(reason(SEVERAL)),
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

    fn decide_at(user: &User, may_map: bool, link: Option<&Link>, target: Target<'_>) -> Before {
        let record = state(user, RecordStatus::Active);
        before(&Input {
            record: &record,
            user,
            may_map,
            link,
            target,
        })
    }

    fn decide(user: &User, may_map: bool, link: Option<&Link>) -> Before {
        decide_at(user, may_map, link, Target::Unknown)
    }

    fn base() -> Link {
        Link::new("presence", "acme", "user", "42")
    }

    fn look_up(email: &str) -> LookUp {
        LookUp {
            email: email.into(),
            again: None,
        }
    }

    fn mapped_to(email: &str, target: &str) -> Link {
        after_look_up(None, base(), &look_up(email), &[target.into()])
    }

    #[test]
    fn p1_emails_compare_trimmed_and_case_folded() {
        let user = user(Some("  Ann.Lee@Example.COM "));
        assert_eq!(
            decide(&user, true, None),
            Before::LookUp(look_up("ann.lee@example.com"))
        );
        let mapped = mapped_to("ann.lee@example.com", "rc-7");
        assert_eq!(mapped.status, LinkStatus::Mapped);
        assert_eq!(mapped.method, Some(LinkMethod::Email));
        assert_eq!(mapped.target_id.as_deref(), Some("rc-7"));
        assert_eq!(decide(&user, true, Some(&mapped)), Before::Leave);
    }

    #[test]
    fn p2_a_user_whose_role_lacks_user_mapping_map_is_skipped_with_that_reason() {
        let user = user(Some("ann@example.com"));
        assert_eq!(decide(&user, false, None), Before::Unmapped(NO_PERMISSION));
    }

    #[test]
    fn p3_no_match_or_several_leave_the_user_unmapped_tried_once_more_then_left() {
        let ann = look_up("ann@example.com");
        let none = after_look_up(None, base(), &ann, &[]);
        assert_eq!((none.status, none.attempts), (LinkStatus::Unmapped, 1));
        let user = user(Some("ann@example.com"));
        assert!(matches!(
            decide(&user, true, Some(&none)),
            Before::LookUp(_)
        ));
        let several = after_look_up(Some(&none), base(), &ann, &["a".into(), "b".into()]);
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
    fn p3_a_user_left_for_manual_mapping_is_tried_again_when_its_email_changes() {
        let ann = look_up("ann@example.com");
        let first = after_look_up(None, base(), &ann, &[]);
        let given_up = after_look_up(Some(&first), base(), &ann, &[]);
        let renamed = user(Some("ann.lee@example.com"));
        let Before::LookUp(again) = decide(&renamed, true, Some(&given_up)) else {
            panic!("a new email is worth a new look-up");
        };
        assert_eq!(again.again, Some(EMAIL_CHANGED));
        let retried = after_look_up(Some(&given_up), base(), &again, &[]);
        assert_eq!(retried.attempts, 1, "the attempts start over");
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

    #[test]
    fn p4_a_pinned_link_whose_target_disappears_is_flagged_not_dropped() {
        let user = user(Some("ann@example.com"));
        let pinned = Link {
            method: Some(LinkMethod::Manual),
            status: LinkStatus::Mapped,
            target_id: Some("rc-1".into()),
            reason: Some("same person, other address".into()),
            ..base()
        };
        let gone = decide_at(&user, true, Some(&pinned), Target::Known(None));
        assert_eq!(gone, Before::Flag(Some(PINNED_GONE)));
        let flagged = flagged(pinned.clone(), Some(PINNED_GONE));
        assert_eq!(flagged.status, LinkStatus::Mapped);
        assert_eq!(flagged.target_id.as_deref(), Some("rc-1"));
        assert_eq!(
            flagged.reason.as_deref(),
            Some("flagged: the pinned directory user is gone; same person, other address")
        );
        assert_eq!(
            decide_at(&user, true, Some(&flagged), Target::Known(None)),
            Before::Leave,
            "flagged once"
        );
        let back = DirectoryUser {
            email: Some("ann@example.com".into()),
            active: true,
        };
        let known = Target::Known(Some(&back));
        assert_eq!(
            decide_at(&user, true, Some(&flagged), known),
            Before::Flag(None)
        );
        assert_eq!(flagged_reason(flagged), pinned.reason);
    }

    fn flagged_reason(link: Link) -> Option<String> {
        flagged(link, None).reason
    }

    #[test]
    fn a_mapped_user_is_looked_at_again_when_its_email_changes_at_the_source() {
        let mapped = mapped_to("ann@example.com", "rc-7");
        let renamed = user(Some("ann.lee@example.com"));
        assert_eq!(
            decide(&renamed, true, Some(&mapped)),
            Before::LookUp(LookUp {
                email: "ann.lee@example.com".into(),
                again: Some(EMAIL_CHANGED),
            })
        );
    }

    #[test]
    fn a_mapped_user_is_looked_at_again_when_its_directory_user_is_disabled_gone_or_renamed() {
        let mapped = mapped_to("ann@example.com", "rc-7");
        let ann = user(Some("ann@example.com"));
        let disabled = DirectoryUser {
            email: Some("ann@example.com".into()),
            active: false,
        };
        let renamed = DirectoryUser {
            email: Some("a.lee@example.com".into()),
            active: true,
        };
        let same = DirectoryUser {
            email: Some("ann@example.com".into()),
            active: true,
        };
        let again = |target| match decide_at(&ann, true, Some(&mapped), target) {
            Before::LookUp(l) => l.again,
            _ => None,
        };
        assert_eq!(again(Target::Known(None)), Some(TARGET_GONE));
        assert_eq!(again(Target::Known(Some(&disabled))), Some(TARGET_DISABLED));
        assert_eq!(
            again(Target::Known(Some(&renamed))),
            Some(TARGET_EMAIL_CHANGED)
        );
        assert_eq!(
            decide_at(&ann, true, Some(&mapped), Target::Known(Some(&same))),
            Before::Leave
        );
        let why = LookUp {
            email: "ann@example.com".into(),
            again: Some(TARGET_DISABLED),
        };
        let unmapped = after_look_up(Some(&mapped), mapped.clone(), &why, &[]);
        assert_eq!(unmapped.status, LinkStatus::Unmapped);
        assert_eq!(unmapped.attempts, 1);
        assert!(unmapped.reason.unwrap().starts_with(TARGET_DISABLED));
    }
}
