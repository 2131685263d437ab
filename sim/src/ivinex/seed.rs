//! The account as ccsync first finds it: administrators, supervisors and a few agents, and
//! some campaigns, dispositions and statuses, all made by hand in the Ivinex UI (no external
//! id), so reads show that not everything at the target came from ccsync. A pure function of
//! the seed.

use jiff::Timestamp;

use super::account::Account;
use super::error::IvinexError;
use super::model::{CALL_CENTER_AGENTS, Item, Record, RecordKind, User};
use crate::rng::SplitMix64;

/// The first id the account hands out; ids are one sequence for every kind.
pub const FIRST_ID: u64 = 1001;

/// When the initial records were made (2025-01-01T00:00:00Z).
pub const SEEDED_AT: Timestamp = Timestamp::constant(1_735_689_600, 0);

/// The domain of the initial users' email addresses.
const DOMAIN: &str = "ivinex-demo.example.com";

const FIRST_NAMES: [&str; 8] = [
    "Maria", "James", "Aisha", "Chen", "Olga", "Pedro", "Grace", "Tomas",
];
const LAST_NAMES: [&str; 8] = [
    "Lopez", "Okafor", "Nguyen", "Schmidt", "Rossi", "Kowalski", "Haddad", "Brennan",
];

/// Stream numbers of the seeded generator, one per use.
const STREAM_PEOPLE: u64 = 1;
const STREAM_ITEMS: u64 = 2;

/// The initial account for `seed`.
pub(crate) fn account(seed: u64) -> Result<Account, IvinexError> {
    let mut account = Account::new(FIRST_ID);
    let mut people = SplitMix64::for_record(seed, STREAM_PEOPLE, 0);
    user(
        &mut account,
        "admin",
        ("System", "Administrator"),
        &["Administrators"],
        true,
    )?;
    for groups in [&["Supervisors"][..], &["Supervisors", CALL_CENTER_AGENTS]] {
        let name = person(&mut people);
        user(&mut account, &login(&name), name, groups, true)?;
    }
    let name = person(&mut people);
    user(
        &mut account,
        &login(&name),
        name,
        &["Quality Assurance"],
        true,
    )?;
    // Two to four agents an administrator added before ccsync; the last one has left.
    let agents = 2 + people.below(3);
    for n in 0..agents {
        let name = person(&mut people);
        user(
            &mut account,
            &login(&name),
            name,
            &[CALL_CENTER_AGENTS],
            n + 1 < agents,
        )?;
    }
    let mut items = SplitMix64::for_record(seed, STREAM_ITEMS, 0);
    let campaigns = ["Spring Renewals", "Win-Back", "Survey Q3", "Past Due"];
    for name in pick(&mut items, &campaigns, 2) {
        item(
            &mut account,
            RecordKind::Campaign,
            name,
            "Outbound Campaigns",
            true,
        )?;
    }
    item(
        &mut account,
        RecordKind::Campaign,
        "Inbound Support (manual)",
        "CC Campaigns",
        true,
    )?;
    for name in ["Sale", "No Answer", "Callback Requested"] {
        item(
            &mut account,
            RecordKind::Disposition,
            name,
            "Standard Dispositions",
            true,
        )?;
    }
    item(
        &mut account,
        RecordKind::Disposition,
        "Do Not Call",
        "CC Dispositions",
        false,
    )?;
    for name in ["Available", "Offline"] {
        item(
            &mut account,
            RecordKind::AgentStatus,
            name,
            "System Statuses",
            true,
        )?;
    }
    let status = *items.pick(&["Lunch (manual)", "Coaching (manual)"]);
    item(
        &mut account,
        RecordKind::AgentStatus,
        status,
        "CC Agent Status",
        true,
    )?;
    Ok(account)
}

fn person(rng: &mut SplitMix64) -> (&'static str, &'static str) {
    (*rng.pick(&FIRST_NAMES), *rng.pick(&LAST_NAMES))
}

/// `maria.lopez` style logins.
fn login((first, last): &(&str, &str)) -> String {
    format!("{}.{}", first.to_lowercase(), last.to_lowercase())
}

/// `count` distinct names of `from`, in the seed's order.
fn pick<'a>(rng: &mut SplitMix64, from: &[&'a str], count: usize) -> Vec<&'a str> {
    let mut left: Vec<&str> = from.to_vec();
    let mut chosen = Vec::with_capacity(count);
    while chosen.len() < count && !left.is_empty() {
        let at = rng.below(left.len() as u64) as usize;
        chosen.push(left.remove(at));
    }
    chosen
}

/// Adds a user by hand; a login already taken gets the next number (`maria.lopez2`).
fn user(
    account: &mut Account,
    username: &str,
    (first, last): (&str, &str),
    groups: &[&str],
    active: bool,
) -> Result<u64, IvinexError> {
    let taken = account
        .users()
        .iter()
        .filter(|u| u.username.starts_with(username))
        .count();
    let username = match taken {
        0 => username.to_owned(),
        n => format!("{username}{}", n + 1),
    };
    account.add(RecordKind::User, |id| {
        Record::User(User {
            id,
            external_id: None,
            email: Some(format!("{username}@{DOMAIN}")),
            username,
            first_name: Some(first.to_owned()),
            last_name: Some(last.to_owned()),
            active,
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            password_set: true,
            created_at: SEEDED_AT,
            updated_at: SEEDED_AT,
        })
    })
}

fn item(
    account: &mut Account,
    kind: RecordKind,
    name: &str,
    list: &str,
    active: bool,
) -> Result<u64, IvinexError> {
    account.add(kind, |id| {
        Record::Item(Item {
            id,
            external_id: None,
            name: name.to_owned(),
            active,
            list: list.to_owned(),
            created_at: SEEDED_AT,
            updated_at: SEEDED_AT,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_account_and_another_seed_another() {
        let names = |seed| {
            account(seed)
                .unwrap()
                .users()
                .into_iter()
                .map(|u| u.username)
                .collect::<Vec<_>>()
        };
        assert_eq!(names(7), names(7));
        assert!((1..20).any(|seed| names(seed) != names(0)));
    }

    #[test]
    fn initial_records_are_hand_made_with_unique_usernames_and_passwords_set() {
        for seed in 0..50 {
            let account = account(seed).unwrap();
            let users = account.users();
            assert!(users.len() >= 6);
            assert!(
                users
                    .iter()
                    .all(|u| u.external_id.is_none() && u.password_set)
            );
            let mut names: Vec<String> = users.iter().map(|u| u.username.to_lowercase()).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), users.len(), "seed {seed}");
            for kind in RecordKind::ITEMS {
                let items = account.items(kind);
                assert!(items.iter().all(|i| kind.lists().any(|l| l == i.list)));
                assert!(items.iter().any(|i| i.list.starts_with("CC ")));
            }
        }
    }
}
