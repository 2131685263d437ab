//! The directory's paging checked against a plain scan, on a tenant edited every way the
//! control API can.

use super::*;
use crate::acd::population::AcdPopulation;

fn directory(seed: u64, agents: u64) -> Directory {
    Directory::new(
        seed,
        agents,
        "t.example.com".into(),
        t0(),
        Box::new(AcdPopulation),
    )
}

fn t0() -> Timestamp {
    "2025-01-01T00:00:00Z".parse().unwrap()
}

fn later(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(t0().as_millisecond() + ms).unwrap()
}

fn ids(records: &[Record]) -> Vec<u64> {
    records
        .iter()
        .map(|r| match r {
            Record::Agent(a) | Record::Malformed(a, _) => a.agent_id,
        })
        .collect()
}

/// The reference: every current record, filtered, by a plain scan.
fn naive(dir: &Directory, filter: &Filter) -> Vec<u64> {
    let mut all: BTreeMap<u64, Entry> = (0..dir.base_len)
        .map(|i| {
            (
                FIRST_AGENT_ID + i,
                Entry {
                    agent: dir.generate(i),
                    malformation: None,
                },
            )
        })
        .collect();
    for (&k, slot) in &dir.overlay {
        match slot {
            Slot::Present(e) => {
                all.insert(k, (**e).clone());
            }
            Slot::Removed => {
                all.remove(&k);
            }
        }
    }
    all.into_iter()
        .filter(|(_, e)| filter.matches(e))
        .map(|(k, _)| k)
        .collect()
}

fn paged(dir: &Directory, filter: &Filter, top: u64) -> Vec<u64> {
    let mut out = Vec::new();
    loop {
        let (total, page) = dir.page(filter, out.len() as u64, top);
        assert_eq!(total, naive(dir, filter).len() as u64);
        if page.is_empty() {
            return out;
        }
        out.extend(ids(&page));
    }
}

fn edited_directory() -> Directory {
    let mut dir = directory(11, 300);
    for (n, id) in [100_000, 100_001, 100_050, 100_051, 100_299]
        .into_iter()
        .enumerate()
    {
        let mut agent = dir.get(id).unwrap();
        agent.is_active = n % 2 == 0;
        agent.last_updated = later(10 + n as i64);
        dir.put(agent);
    }
    assert!(dir.remove(100_002));
    assert!(dir.remove(100_051));
    assert!(dir.remove(100_120));
    let added = dir.new_agent(later(20));
    dir.put(added);
    let broken = dir.new_agent(later(21));
    dir.put_malformed(broken, Malformation::MissingAgentId);
    let mut last = dir.new_agent(later(22));
    last.is_active = false;
    dir.put(last);
    dir
}

#[test]
fn paging_with_any_filter_and_page_size_matches_a_full_scan() {
    let dir = edited_directory();
    let filters = [
        Filter::default(),
        Filter {
            is_active: Some(true),
            ..Filter::default()
        },
        Filter {
            is_active: Some(false),
            ..Filter::default()
        },
        Filter {
            updated_since: Some(t0()),
            ..Filter::default()
        },
        Filter {
            updated_since: Some(later(12)),
            is_active: Some(false),
            ..Filter::default()
        },
        Filter {
            updated_since: Some(later(-1)),
            ..Filter::default()
        },
        Filter {
            well_formed_only: true,
            ..Filter::default()
        },
    ];
    for filter in &filters {
        for top in [1, 7, 64, 1000] {
            assert_eq!(
                paged(&dir, filter, top),
                naive(&dir, filter),
                "{filter:?} top {top}"
            );
        }
    }
}

#[test]
fn updated_since_the_creation_instant_returns_only_changed_agents() {
    let dir = edited_directory();
    let since = Filter {
        updated_since: Some(t0()),
        ..Filter::default()
    };
    let changed = paged(&dir, &since, 100);
    assert_eq!(
        changed,
        vec![
            100_000, 100_001, 100_050, 100_299, 100_300, 100_301, 100_302
        ]
    );
}

#[test]
fn removed_agents_are_gone_and_cannot_be_removed_twice() {
    let mut dir = edited_directory();
    assert_eq!(dir.get(100_002), None);
    assert!(!dir.remove(100_002));
    assert!(!dir.remove(99_999));
    assert!(dir.remove(100_300));
    assert_eq!(dir.get(100_300), None);
    assert!(!dir.all().iter().any(|a| a.agent_id == 100_002));
}

#[test]
fn added_agents_get_ids_above_the_base_range() {
    let mut dir = directory(1, 10);
    let a = dir.new_agent(later(1));
    assert_eq!(
        dir.new_agent(later(2)).agent_id,
        a.agent_id,
        "not taken until stored"
    );
    dir.put(a);
    let b = dir.new_agent(later(2));
    assert_eq!(b.agent_id, 100_011);
    assert_eq!(dir.get(100_010).unwrap().last_updated, later(1));
}

#[test]
fn ids_lists_well_formed_agents_by_position() {
    let dir = edited_directory();
    let all: Vec<u64> = dir.all().iter().map(|a| a.agent_id).collect();
    assert_eq!(dir.ids(0, 3), all[..3].to_vec());
    assert_eq!(dir.ids(295, 100), all[295..].to_vec());
}

#[test]
fn a_million_agent_directory_pages_without_scanning() {
    let dir = directory(42, 1_000_000);
    let (total, page) = dir.page(&Filter::default(), 999_990, 100);
    assert_eq!(total, 1_000_000);
    assert_eq!(ids(&page), (1_099_990..1_100_000).collect::<Vec<_>>());
}
