//! How the push family speaks to the operator.

use ccsync_model::Kind;
use ccsync_store::SelectionSummary;

/// What the family keeps, in reports.
pub const LABEL: &str = "pushed records";
/// One of them.
pub const NOUN: &str = "record";

/// How a push flow's selection of one kind stands, for `ccsync status` (rule D1: a record new
/// at the source is not pushed until the operator selects it, so say when there are some).
pub fn selection_note(flow: &str, kind: Kind, s: &SelectionSummary) -> String {
    let mut note = format!("{kind}: {} of {} selected", s.selected, s.records);
    if s.last_change.is_none() {
        note += &format!(
            "; nothing is pushed until records are selected (`ccsync select {flow} --kind \
             {kind} --list`)"
        );
    } else if s.new_unselected > 0 {
        note += &format!(
            "; {} new at the source since the selection last changed, not selected \
             (`ccsync select {flow} --kind {kind} --list`)",
            s.new_unselected
        );
    }
    note
}

/// Whether a pushed user can log in at the dialer yet (rule D2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Password {
    /// The target says the user has no password: someone must set one there.
    Needed,
    /// The target says the user has one.
    Set,
    /// The target does not say.
    Unknown,
    /// The linked user is not at the target any more.
    Missing,
}

/// A user the flow pushed, as the target holds it now.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PushedUser {
    /// The hub record's source id.
    pub source_id: String,
    /// The user's id at the target.
    pub target_id: String,
    /// The user's name at the target (its username, or the target id when it has none).
    pub name: String,
    pub password: Password,
}

/// The flow's pushed users (`linked`: source id and target id) against the target's users
/// (by target id: name and password flag), in `linked`'s order.
pub fn pushed_users(
    linked: &[(String, String)],
    at_target: &std::collections::HashMap<String, (String, Option<bool>)>,
) -> Vec<PushedUser> {
    linked
        .iter()
        .map(|(source_id, target_id)| {
            let (name, password) = match at_target.get(target_id) {
                Some((name, Some(false))) => (name.clone(), Password::Needed),
                Some((name, Some(true))) => (name.clone(), Password::Set),
                Some((name, None)) => (name.clone(), Password::Unknown),
                None => (target_id.clone(), Password::Missing),
            };
            PushedUser {
                source_id: source_id.clone(),
                target_id: target_id.clone(),
                name,
                password,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn d2_a_pushed_user_without_a_password_at_the_target_needs_one() {
        let linked = vec![
            ("1".to_owned(), "T1".to_owned()),
            ("2".to_owned(), "T2".to_owned()),
            ("3".to_owned(), "T3".to_owned()),
            ("4".to_owned(), "T4".to_owned()),
        ];
        let at_target = std::collections::HashMap::from([
            ("T1".to_owned(), ("ann".to_owned(), Some(false))),
            ("T2".to_owned(), ("bob".to_owned(), Some(true))),
            ("T3".to_owned(), ("cy".to_owned(), None)),
        ]);
        let states: Vec<Password> = pushed_users(&linked, &at_target)
            .into_iter()
            .map(|u| u.password)
            .collect();
        assert_eq!(
            states,
            [
                Password::Needed,
                Password::Set,
                Password::Unknown,
                Password::Missing
            ]
        );
    }

    #[test]
    fn d1_status_says_how_many_new_source_records_are_not_selected() {
        let summary = SelectionSummary {
            records: 12,
            selected: 9,
            new_unselected: 2,
            last_change: Some(jiff::Timestamp::UNIX_EPOCH),
        };
        let note = selection_note("dialer", Kind::User, &summary);
        assert!(
            note.starts_with("user: 9 of 12 selected; 2 new at the source"),
            "{note}"
        );
        let never = SelectionSummary {
            last_change: None,
            ..summary
        };
        assert!(selection_note("dialer", Kind::Campaign, &never).contains("nothing is pushed"));
    }
}
