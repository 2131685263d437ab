//! The connector compiled natively against the RingCentral simulator over real HTTP, with the
//! host's retry loop played by the test (wait what `rate-limited` says, call again, at most five
//! attempts): a paced run reads everything without meeting a single 429, look-ups find what the
//! simulator predicts, a search survives pacing, and an expired token is renewed.

use std::time::Duration;

use ccsync_sim::ringcentral::{Fault, MatchOutcome, RateLimits};
use ccsync_sim::{RingCentralSim, RingCentralSimConfig};
use connector_kit::testing::LiveHost;
use ringcentral::wit::types::{Entity, Error, Kind, Page, User};
use ringcentral::{Client, Settings};
use tokio::runtime::Runtime;

struct Setup {
    runtime: Runtime,
    sim: RingCentralSim,
    client: Client,
    host: LiveHost,
}

/// A simulator of `users` at time scale 60 (a simulated minute is one real second) with the
/// Medium budget `medium`, and a connector configured for it.
fn setup(users: usize, medium: u32) -> Setup {
    let runtime = Runtime::new().unwrap();
    let mut config = RingCentralSimConfig::new(8, users).with_time_scale(60);
    config.limits = RateLimits {
        medium,
        ..RateLimits::default()
    };
    let sim = runtime.block_on(RingCentralSim::start(config)).unwrap();
    let settings = sim.connection_settings();
    let client =
        Client::new(Settings::parse(settings.iter().map(|(k, v)| (*k, v.as_str()))).unwrap());
    let host = LiveHost::new(Duration::from_secs(30)).unwrap();
    Setup {
        runtime,
        sim,
        client,
        host,
    }
}

/// The host's retry loop for a rate limit: wait what the connector asked, call again; at most
/// five attempts. Returns the result and the waits.
fn with_retries<T>(mut call: impl FnMut() -> Result<T, Error>) -> (Result<T, Error>, u32) {
    let mut waits = 0;
    for _ in 1..5 {
        match call() {
            Err(Error::RateLimited(ms)) => {
                waits += 1;
                std::thread::sleep(Duration::from_millis(ms));
            }
            other => return (other, waits),
        }
    }
    (call(), waits)
}

fn read_all(s: &mut Setup) -> (Vec<User>, Vec<Page>, u32) {
    let (mut users, mut pages, mut waits) = (Vec::new(), Vec::new(), 0);
    let mut cursor: Option<String> = None;
    loop {
        let (page, page_waits) = with_retries(|| {
            s.client
                .read(&mut s.host, Kind::User, cursor.as_deref(), None)
        });
        let page = page.unwrap();
        waits += page_waits;
        users.extend(page.items.iter().map(|e| match e {
            Entity::User(u) => u.clone(),
            other => panic!("{other:?}"),
        }));
        cursor = page.next_cursor.clone();
        pages.push(page);
        if cursor.is_none() {
            return (users, pages, waits);
        }
    }
}

#[test]
fn a_paced_full_read_gets_every_user_without_a_single_429() {
    // About 5,200 extensions: six pages of 1,000 with a budget of two list requests a minute.
    let mut s = setup(5_000, 2);
    let (users, _, waits) = read_all(&mut s);
    let expected: Vec<String> = s
        .sim
        .records()
        .iter()
        .filter(|r| r.extension.kind == ccsync_sim::ringcentral::ExtensionType::User)
        .map(|r| r.extension.id.to_string())
        .collect();
    let read: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
    assert_eq!(read, expected);
    assert!(waits >= 2, "the budget made it wait ({waits})");
    let counters = s.sim.counters();
    assert_eq!((counters.rate_limited, counters.penalties_started), (0, 0));
    s.runtime.block_on(s.sim.shutdown());
}

#[test]
fn batched_look_ups_find_what_the_simulator_predicts_for_every_acd_agent() {
    let mut s = setup(1_000, 5);
    let matches = s.sim.agent_matches();
    let emails: Vec<String> = matches.iter().filter_map(|m| m.email.clone()).collect();
    let mut found: Vec<User> = Vec::new();
    for batch in emails.chunks(50) {
        let (users, _) = with_retries(|| s.client.find_by_email(&mut s.host, batch));
        found.extend(users.unwrap());
    }
    for m in &matches {
        let Some(email) = &m.email else { continue };
        let mut ids: Vec<String> = found
            .iter()
            .filter(|u| {
                u.email
                    .as_deref()
                    .is_some_and(|e| e.trim().eq_ignore_ascii_case(email))
            })
            .map(|u| u.id.clone())
            .collect();
        ids.dedup();
        let predicted: Vec<String> = m.users.iter().map(|e| e.id.to_string()).collect();
        assert_eq!(ids, predicted, "{email}");
    }
    assert!(
        matches
            .iter()
            .any(|m| matches!(m.outcome(), MatchOutcome::Several(_)))
    );
    // One request per 50 addresses, and pacing kept every one of them under the limit.
    let counters = s.sim.counters();
    assert_eq!(counters.medium as usize, emails.len().div_ceil(50));
    assert_eq!((counters.rate_limited, counters.penalties_started), (0, 0));
}

#[test]
fn a_search_over_more_pages_than_a_window_allows_resumes_across_pacing_waits() {
    let mut s = setup(5_000, 2);
    // A rare full name: the search reads the whole directory (six pages, two a window).
    let (found, waits) = with_retries(|| s.client.search_users(&mut s.host, "maria garcia"));
    let found = found.unwrap();
    assert!(waits >= 2, "{waits}");
    assert!(!found.is_empty() && found.len() <= 100);
    assert!(found.iter().all(|u| {
        [&u.first_name, &u.last_name].iter().all(|n| {
            n.as_deref()
                .is_some_and(|n| ["maria", "garcia"].contains(&n.to_lowercase().as_str()))
        })
    }));
    assert_eq!(s.sim.counters().rate_limited, 0);
}

#[test]
fn an_expired_token_is_renewed_once_and_a_malformed_record_is_reported() {
    let mut s = setup(50, 40);
    s.client.check(&mut s.host).unwrap();
    s.sim.expire_tokens();
    let page = s.client.read(&mut s.host, Kind::User, None, None).unwrap();
    assert!(page.invalid.is_empty());
    assert_eq!(s.sim.counters().tokens_issued, 2);
    s.sim
        .fail_next("/extension", 1, Fault::MalformedRecord)
        .unwrap();
    let page = s.client.read(&mut s.host, Kind::User, None, None).unwrap();
    assert_eq!(page.invalid.len(), 1);
    assert!(page.invalid[0].reason.contains("contact is not an object"));
    // A user by id, and none for an id the directory lacks.
    let id = s.sim.records()[1].extension.id.to_string();
    assert!(
        s.client
            .get_user(&mut s.host, Kind::User, &id)
            .unwrap()
            .is_some()
    );
    assert_eq!(
        s.client.get_user(&mut s.host, Kind::User, "12").unwrap(),
        None
    );
}
