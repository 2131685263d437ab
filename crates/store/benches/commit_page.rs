//! Measures the store's write path the way a full sync drives it: 100,000 users in pages of
//! 1,000, each page looked up with `records_by_ids` and committed with `commit_page`, on a
//! database file in a temporary directory. Three full runs: the initial load (every record
//! created and logged), an unchanged re-read (seen marks only) and a re-read with 10% changed.
//!
//! Run with `cargo bench -p ccsync-store`; set `CCSYNC_BENCH_RECORDS` to change the volume.

use std::time::{Duration, Instant};

use ccsync_model::{Entity, Kind, User};
use ccsync_store::{
    FieldChange, LogAction, NewLogEntry, PageBatch, RecordStatus, RecordWrite, RunCounts, RunMode,
    RunStatus, Store,
};

const PAGE: usize = 1_000;
const FLOW: &str = "wfm";
const TENANT: &str = "acme";

fn user(i: usize, revision: usize) -> Entity {
    Entity::User(User {
        id: format!("{i:08}"),
        username: Some(format!("agent.{i}")),
        first_name: Some(format!("First{i}")),
        last_name: Some(format!("Last{i}-r{revision}")),
        email: Some(format!("agent.{i}@example.com")),
        active: true,
        team_id: Some(format!("team-{}", i % 50)),
        security_profile_id: Some(format!("profile-{}", i % 7)),
        roles: vec!["Agent".into(), "WFM User".into()],
        permissions: vec![
            "WFM > MyZone > View Personal Schedule".into(),
            "User Mapping: Map".into(),
        ],
        primary_phone: Some(format!("+1555{i:07}")),
        phones: vec![format!("+1555{i:07}")],
        employee_id: Some(format!("E{i}")),
        site_id: Some(format!("S{}", i % 12)),
        groups: vec![],
        password_set: None,
        extra: vec![("location".into(), "Dallas".into())],
    })
}

/// Wall time and this thread's on-CPU time: on a shared machine the wall time says how long
/// it took, the CPU time what it cost.
#[derive(Default, Clone, Copy)]
struct Spent {
    wall: Duration,
    cpu: Duration,
}

#[derive(Default)]
struct Timing {
    lookup: Spent,
    commit: Spent,
}

/// Nanoseconds this thread spent on a CPU (Linux schedstat); zero where unavailable.
fn cpu_now() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

fn measure<T>(spent: &mut Spent, f: impl FnOnce() -> T) -> T {
    let (wall, cpu) = (Instant::now(), cpu_now());
    let out = f();
    spent.wall += wall.elapsed();
    spent.cpu += cpu_now() - cpu;
    out
}

/// One full run over `total` users, `revision_of(i)` giving each user's current revision.
fn full_run(store: &mut Store, total: usize, revision_of: impl Fn(usize) -> usize) -> Timing {
    let run = store.start_run(FLOW, RunMode::Full, false).unwrap();
    let mut timing = Timing::default();
    for start in (0..total).step_by(PAGE) {
        let entities: Vec<Entity> = (start..(start + PAGE).min(total))
            .map(|i| user(i, revision_of(i)))
            .collect();
        let ids: Vec<&str> = entities.iter().map(Entity::id).collect();

        let stored = measure(&mut timing.lookup, || {
            store.records_by_ids(TENANT, Kind::User, &ids).unwrap()
        });

        let mut batch = PageBatch::new(run, FLOW, TENANT, Kind::User);
        batch.counts.read = entities.len() as u64;
        for entity in entities {
            let encoded = entity.encode();
            let action = match stored.get(entity.id()) {
                None => LogAction::Create,
                Some(old) if old.hash != encoded.hash => LogAction::Update,
                Some(_) => {
                    batch.counts.unchanged += 1;
                    continue;
                }
            };
            let changes = match (&action, stored.get(entity.id()), &entity) {
                (LogAction::Update, Some(old), Entity::User(new)) => {
                    let Entity::User(old) = &old.entity else {
                        unreachable!("users only")
                    };
                    vec![FieldChange {
                        field: "last_name".into(),
                        old: old.last_name.clone().into(),
                        new: new.last_name.clone().into(),
                    }]
                }
                _ => Vec::new(),
            };
            match action {
                LogAction::Create => batch.counts.created += 1,
                _ => batch.counts.updated += 1,
            }
            batch.log.push(NewLogEntry {
                source_id: Some(entity.id().to_owned()),
                display: Some(entity.display_name()),
                action,
                reason: None,
                changes,
            });
            batch.writes.push(RecordWrite {
                entity,
                encoded,
                status: RecordStatus::Active,
            });
        }

        measure(&mut timing.commit, || store.commit_page(&batch).unwrap());
    }
    store
        .finish_run(run, RunStatus::Succeeded, &RunCounts::default(), None)
        .unwrap();
    timing
}

fn report(label: &str, total: usize, timing: &Timing) {
    let line = |what: &str, spent: Spent| {
        let rate = |d: Duration| total as f64 / d.as_secs_f64();
        format!(
            "{what} {:>7.0}/s wall ({:>5.0} ms), {:>7.0}/s cpu",
            rate(spent.wall),
            spent.wall.as_secs_f64() * 1e3,
            rate(spent.cpu),
        )
    };
    println!(
        "{label:<26} {} | {}",
        line("commit_page", timing.commit),
        line("records_by_ids", timing.lookup)
    );
}

fn main() {
    // `cargo test --benches` runs this with `--bench` absent: keep that a quick smoke run.
    let benching = std::env::args().any(|a| a == "--bench");
    let total: usize = match std::env::var("CCSYNC_BENCH_RECORDS") {
        Ok(n) => n.parse().expect("CCSYNC_BENCH_RECORDS must be a number"),
        Err(_) if benching => 100_000,
        Err(_) => 2_000,
    };
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("bench.db")).unwrap();
    println!("{total} users in pages of {PAGE}, file-backed store, WAL, synchronous=NORMAL");

    let initial = full_run(&mut store, total, |_| 0);
    report("full run 1: all created", total, &initial);
    let unchanged = full_run(&mut store, total, |_| 0);
    report("full run 2: all unchanged", total, &unchanged);
    let some_changed = full_run(&mut store, total, |i| usize::from(i % 10 == 0));
    report("full run 3: 10% updated", total, &some_changed);

    // A full read that changes nothing stages only the ids it returned; the records it did
    // not return are found by walking the hub's active ids against them. Return all but every
    // tenth record, as if they were gone at the source.
    let t = Instant::now();
    store.stage_begin(TENANT).unwrap();
    let returned: Vec<Entity> = (0..total)
        .filter(|i| i % 10 != 0)
        .map(|i| user(i, 1))
        .collect();
    for page in returned.chunks(PAGE) {
        let ids: Vec<&str> = page.iter().map(Entity::id).collect();
        store.stage(Kind::User, &ids, &[]).unwrap();
    }
    let staged = t.elapsed();
    let t = Instant::now();
    let gone = store.count_unstaged_active(TENANT, Kind::User).unwrap();
    println!(
        "staging {} records: {:.0} records/s; count_unstaged_active: {} records in {:.1} ms",
        returned.len(),
        returned.len() as f64 / staged.as_secs_f64(),
        gone,
        t.elapsed().as_secs_f64() * 1e3
    );
}
