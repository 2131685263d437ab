//! The directory as a pure function of (seed, users, mail domain), derived from the ACD
//! simulator's people: agent `i` of an ACD tenant of the same seed is, most of the time, a
//! `User` extension with the same names and the agent's user name as email, with the variety
//! [`assumed`](super::assumed) lists at its per-mille rates.
//!
//! Extensions are materialised (ids and extension numbers follow generation order), since
//! email look-ups need an index over the whole directory anyway.

use super::assumed::{
    ABSENT_PER_MILLE, BUSINESS_PHONE_PER_MILLE, DEPARTMENT_PER_MILLE, DEPARTMENTS,
    DIGITAL_USER_PER_MILLE, DIRECTORY_ONLY_PER_MILLE, MOBILE_PHONE_PER_MILLE, NO_EMAIL_PER_MILLE,
    SECOND_ACCOUNT_PER_MILLE, SERVICE_EMAIL_PER_MILLE, SERVICE_PER_MILLE, SERVICE_TYPES,
    SPACED_EMAIL_PER_MILLE, STATUS_SHARES, UPPER_CASE_EMAIL_PER_MILLE,
};
use super::model::{Contact, DirectoryRecord, Extension, ExtensionStatus, ExtensionType, Origin};
use super::{FIRST_EXTENSION_ID, FIRST_EXTENSION_NUMBER};
use crate::acd::{FIRST_NAMES, LAST_NAMES, Person, base_person};
use crate::rng::SplitMix64;

// Streams of their own ("RC" + n), unrelated to the ACD's.
const STREAM_PERSON: u64 = 0x5243_0001;
const STREAM_DIRECTORY_ONLY: u64 = 0x5243_0002;
const STREAM_SERVICE: u64 = 0x5243_0003;
const STREAM_ADDED: u64 = 0x5243_0004;

/// Names of service extensions, numbered.
const SERVICE_NAMES: &[&str] = &[
    "Sales Queue",
    "Support Queue",
    "Main Menu",
    "After Hours",
    "Lobby Phone",
    "Park",
];

/// Hands out ids and extension numbers in generation order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Numbering {
    next: u64,
}

impl Numbering {
    pub(crate) fn new() -> Self {
        Self { next: 0 }
    }

    /// The next (id, extension number).
    pub(crate) fn take(&mut self) -> (u64, String) {
        let position = self.next;
        self.next += 1;
        (
            FIRST_EXTENSION_ID + position,
            (FIRST_EXTENSION_NUMBER + position).to_string(),
        )
    }
}

/// The whole generated directory, in id order, and the numbering after it.
pub(crate) fn generate(seed: u64, users: u64, domain: &str) -> (Vec<DirectoryRecord>, Numbering) {
    let mut numbering = Numbering::new();
    let mut records = Vec::new();
    // The administrator whose JWT the app uses: always there, never an ACD person.
    let (id, number) = numbering.take();
    records.push(DirectoryRecord {
        extension: person_extension(
            id,
            number,
            ("Sim", "Admin"),
            Some(format!("admin@{domain}")),
            ExtensionType::User,
            ExtensionStatus::Enabled,
            &mut SplitMix64::for_record(seed, STREAM_DIRECTORY_ONLY, u64::MAX),
        ),
        origin: Origin::DirectoryOnly,
    });
    for index in 0..users {
        let person = base_person(seed, index, domain);
        let mut rng = SplitMix64::for_record(seed, STREAM_PERSON, index);
        if rng.chance(ABSENT_PER_MILLE) {
            continue;
        }
        let email = person_email(&mut rng, &person);
        let kind = if rng.chance(DIGITAL_USER_PER_MILLE) {
            ExtensionType::DigitalUser
        } else {
            ExtensionType::User
        };
        let status = status(&mut rng);
        let names = (person.first_name, person.last_name);
        let (id, number) = numbering.take();
        records.push(DirectoryRecord {
            extension: person_extension(id, number, names, email, kind, status, &mut rng),
            origin: Origin::Agent {
                agent_id: person.agent_id,
            },
        });
        if rng.chance(SECOND_ACCOUNT_PER_MILLE) {
            // Same address, perhaps in another case, so only a case-folded compare sees both.
            let email = Some(if rng.chance(500) {
                person.user_name.to_ascii_uppercase()
            } else {
                person.user_name.clone()
            });
            let status = self::status(&mut rng);
            let (id, number) = numbering.take();
            records.push(DirectoryRecord {
                extension: person_extension(
                    id,
                    number,
                    names,
                    email,
                    ExtensionType::User,
                    status,
                    &mut rng,
                ),
                origin: Origin::SecondAccount {
                    agent_id: person.agent_id,
                },
            });
        }
    }
    for k in 0..users * DIRECTORY_ONLY_PER_MILLE / 1000 {
        let (id, number) = numbering.take();
        records.push(DirectoryRecord {
            extension: directory_only_user(seed, STREAM_DIRECTORY_ONLY, k, id, number, domain),
            origin: Origin::DirectoryOnly,
        });
    }
    for k in 0..users * SERVICE_PER_MILLE / 1000 {
        let (id, number) = numbering.take();
        records.push(DirectoryRecord {
            extension: service_extension(seed, k, id, number, domain),
            origin: Origin::Service,
        });
    }
    (records, numbering)
}

/// An extension added through the control API before its caller customises it: a
/// directory-only user, numbered `k` among the added ones.
pub(crate) fn added_user(seed: u64, k: u64, id: u64, number: String, domain: &str) -> Extension {
    directory_only_user(seed, STREAM_ADDED, k, id, number, domain)
}

/// The directory's email of an ACD person: the agent's user name, now and then missing, in
/// upper case or with spaces around it.
fn person_email(rng: &mut SplitMix64, person: &Person) -> Option<String> {
    if rng.chance(NO_EMAIL_PER_MILLE) {
        return None;
    }
    let email = if rng.chance(UPPER_CASE_EMAIL_PER_MILLE) {
        person.user_name.to_ascii_uppercase()
    } else {
        person.user_name.clone()
    };
    Some(if rng.chance(SPACED_EMAIL_PER_MILLE) {
        format!(" {email}  ")
    } else {
        email
    })
}

fn status(rng: &mut SplitMix64) -> ExtensionStatus {
    let roll = rng.below(1000);
    let mut acc = 0;
    for (status, share) in STATUS_SHARES {
        acc += share;
        if roll < acc {
            return *status;
        }
    }
    // The shares add up to 1000 (tested in `assumed`), so this is only reached if they do not.
    ExtensionStatus::Enabled
}

fn person_extension(
    id: u64,
    extension_number: String,
    (first, last): (&str, &str),
    email: Option<String>,
    kind: ExtensionType,
    status: ExtensionStatus,
    rng: &mut SplitMix64,
) -> Extension {
    Extension {
        id,
        extension_number,
        name: format!("{first} {last}"),
        kind,
        status,
        contact: Contact {
            first_name: Some(first.to_owned()),
            last_name: Some(last.to_owned()),
            email,
            business_phone: rng
                .chance(BUSINESS_PHONE_PER_MILLE)
                .then(|| phone(rng, "+1650")),
            mobile_phone: rng
                .chance(MOBILE_PHONE_PER_MILLE)
                .then(|| phone(rng, "+1415")),
            department: rng
                .chance(DEPARTMENT_PER_MILLE)
                .then(|| (*rng.pick(DEPARTMENTS)).to_owned()),
        },
    }
}

fn directory_only_user(
    seed: u64,
    stream: u64,
    k: u64,
    id: u64,
    number: String,
    domain: &str,
) -> Extension {
    let mut rng = SplitMix64::for_record(seed, stream, k);
    let first = *rng.pick(FIRST_NAMES);
    let last = *rng.pick(LAST_NAMES);
    let tag = if stream == STREAM_ADDED { "new" } else { "rc" };
    let email = (!rng.chance(NO_EMAIL_PER_MILLE)).then(|| {
        format!(
            "{}.{}.{tag}{k}@{domain}",
            first.to_ascii_lowercase(),
            last.to_ascii_lowercase()
        )
    });
    let status = status(&mut rng);
    person_extension(
        id,
        number,
        (first, last),
        email,
        ExtensionType::User,
        status,
        &mut rng,
    )
}

fn service_extension(seed: u64, k: u64, id: u64, number: String, domain: &str) -> Extension {
    let mut rng = SplitMix64::for_record(seed, STREAM_SERVICE, k);
    let name = format!("{} {}", rng.pick(SERVICE_NAMES), k + 1);
    let kind = *rng.pick(SERVICE_TYPES);
    let email = rng
        .chance(SERVICE_EMAIL_PER_MILLE)
        .then(|| format!("service-{}@{domain}", k + 1));
    Extension {
        id,
        extension_number: number,
        contact: Contact {
            first_name: Some(name.clone()),
            email,
            ..Contact::default()
        },
        name,
        kind,
        status: ExtensionStatus::Enabled,
    }
}

fn phone(rng: &mut SplitMix64, prefix: &str) -> String {
    format!("{prefix}555{:04}", rng.below(10_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_directory_is_a_pure_function_of_seed_and_size() {
        let (a, _) = generate(4, 300, "x.example.com");
        let (b, _) = generate(4, 300, "x.example.com");
        assert_eq!(a, b);
        let (c, _) = generate(5, 300, "x.example.com");
        assert_ne!(a, c);
    }

    #[test]
    fn ids_and_numbers_are_unique_and_ascending() {
        let (records, _) = generate(4, 2000, "x.example.com");
        for pair in records.windows(2) {
            assert!(pair[0].extension.id < pair[1].extension.id);
        }
        let numbers: std::collections::HashSet<_> = records
            .iter()
            .map(|r| r.extension.extension_number.clone())
            .collect();
        assert_eq!(numbers.len(), records.len());
    }

    #[test]
    fn every_kind_of_variety_occurs_in_a_directory_of_two_thousand() {
        let (records, _) = generate(4, 2000, "x.example.com");
        let agent_ids: std::collections::HashSet<_> =
            records.iter().filter_map(|r| r.origin.agent_id()).collect();
        assert!(agent_ids.len() < 2000, "some ACD people are absent");
        let any = |test: &dyn Fn(&DirectoryRecord) -> bool| records.iter().any(test);
        let email = |r: &DirectoryRecord| r.extension.contact.email.clone().unwrap_or_default();
        assert!(any(&|r| matches!(r.origin, Origin::SecondAccount { .. })));
        assert!(any(&|r| matches!(r.origin, Origin::DirectoryOnly)));
        assert!(any(&|r| matches!(r.origin, Origin::Service)));
        assert!(any(&|r| r.extension.kind == ExtensionType::DigitalUser));
        assert!(any(
            &|r| r.extension.contact.email.is_none() && r.extension.kind == ExtensionType::User
        ));
        assert!(any(&|r| email(r).starts_with(' ')));
        assert!(any(&|r| email(r).contains("EXAMPLE")));
        for status in ExtensionStatus::ALL {
            assert!(any(&|r| r.extension.status == status), "{status:?}");
        }
    }

    #[test]
    fn an_agents_extension_carries_the_agents_names_and_user_name() {
        let (records, _) = generate(4, 200, "x.example.com");
        for record in &records {
            if let Origin::Agent { agent_id } = record.origin {
                let person = base_person(4, agent_id - crate::acd::FIRST_AGENT_ID, "x.example.com");
                let contact = &record.extension.contact;
                assert_eq!(contact.first_name.as_deref(), Some(person.first_name));
                assert_eq!(contact.last_name.as_deref(), Some(person.last_name));
                if let Some(email) = record.extension.normalized_email() {
                    assert_eq!(email, person.user_name);
                }
            }
        }
    }
}
