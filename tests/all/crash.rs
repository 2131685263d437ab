//! Crash convergence: `ccsync` killed with SIGKILL at random instants of full syncs, while the
//! source keeps changing, and then one more run: the hub holds exactly the source's records,
//! each created once, and a further run has nothing left to do for the records or the WFM
//! accounts.
//!
//! The instants are drawn over the length of an uninterrupted sync of the same tenant, so they
//! fall in every phase: the read and its staging, the record commits, the accounts'
//! projection. The seed is printed, so a failure can be replayed with
//! `CCSYNC_CRASH_SEED=<seed>`; `CCSYNC_CRASH_USERS` sets the tenant's size (the release check
//! of issue #14 runs it at 100,000: `CCSYNC_CRASH_USERS=100000 cargo test --release -p ccsync
//! --test all crash`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use crate::support::{FLOW, Hub, count, user_entries};

/// Kills before the run that must converge.
const KILLS: usize = 6;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_at_random_instants_then_one_run_leaves_the_sources_records_once_each() {
    let users: usize = env_or("CCSYNC_CRASH_USERS", 3000);
    let seed: u64 = env_or("CCSYNC_CRASH_SEED", fastrand::u64(..));
    let mut rng = fastrand::Rng::with_seed(seed);
    let replay = format!("replay with CCSYNC_CRASH_SEED={seed} CCSYNC_CRASH_USERS={users}");

    // How long an uninterrupted first sync of this tenant takes here.
    let reference = Hub::start(users, 500).await;
    let started = Instant::now();
    let report = reference.sync(&["--full"]).await;
    assert_eq!(report["status"], "succeeded", "{report}");
    let full = started.elapsed();
    drop(reference);

    let hub = Hub::start(users, 500).await;
    let mut killed_running = 0;
    // How long the next run would take uninterrupted: a first sync's length until one
    // completes, then the last completed run's.
    let mut expected = full;
    for round in 0..KILLS {
        let instant = expected.mul_f64(rng.f64() * 1.2);
        let started = Instant::now();
        let mut child = hub.spawn(&["sync", FLOW, "--full", "--json"]);
        tokio::select! {
            status = child.wait() => {
                let status = status.expect("the run's status");
                assert!(status.success(), "round {round}: the run failed ({status}); {replay}");
                expected = started.elapsed();
            }
            () = tokio::time::sleep(instant) => {
                child.kill().await.expect("killing ccsync"); // SIGKILL, then reaped
                killed_running += 1;
            }
        }
        // The source moves on between runs: a tenth of the agents renamed, one deactivated,
        // one new.
        let agents = hub.sim.agents();
        for agent in agents.iter().skip(round).step_by(10) {
            hub.sim
                .update_agent(agent.agent_id, |a| {
                    a.last_name = Some(format!("Renamed{round}"));
                })
                .expect("renaming an agent");
        }
        hub.sim
            .deactivate_agent(agents[(round * 7 + 3) % agents.len()].agent_id)
            .expect("deactivating an agent");
        hub.sim
            .add_agent(|a| a.first_name = Some(format!("New{round}")));
    }
    assert!(killed_running > 0, "no run was killed; {replay}");

    let report = hub.sync(&["--full"]).await;
    assert_eq!(report["status"], "succeeded", "{report}; {replay}");

    // Exactly the source's records, with the source's status.
    let source: BTreeMap<String, bool> = hub
        .sim
        .agents()
        .iter()
        .map(|a| (a.agent_id.to_string(), a.is_active))
        .collect();
    let held: BTreeMap<String, bool> = hub
        .users_by_id()
        .await
        .into_iter()
        .map(|(id, user)| (id, user["status"] == "active"))
        .collect();
    assert_eq!(held, source, "{replay}");

    // Each created once, over every run, killed or not.
    let log = hub.log(&[]).await;
    let mut creates: BTreeMap<&str, usize> = BTreeMap::new();
    for entry in user_entries(&log) {
        if entry["action"] == "create" {
            *creates
                .entry(entry["source_id"].as_str().expect("an id"))
                .or_default() += 1;
        }
    }
    let created: BTreeSet<&str> = creates.keys().copied().collect();
    let expected: BTreeSet<&str> = source.keys().map(String::as_str).collect();
    assert_eq!(created, expected, "{replay}");
    let twice: Vec<_> = creates.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "created more than once: {twice:?}; {replay}"
    );

    // Nothing left to do: no record and no account would change, deciding every account
    // again (the projection's mark is dropped, so the plan walks the tenant whole rather than
    // what changed since the last projection).
    let db = rusqlite::Connection::open(hub.database()).expect("opening the hub's database");
    db.execute("DELETE FROM projections", [])
        .expect("dropping the projection marks");
    drop(db);
    let plan = hub.sync(&["--full", "--dry-run"]).await;
    for counter in ["created", "updated", "deactivated", "reactivated"] {
        assert_eq!(count(&plan, counter), 0, "{counter}: {plan}; {replay}");
    }
    let summary = &plan["family"]["summary"];
    for counter in ["created", "updated", "deactivated", "reactivated"] {
        assert_eq!(
            summary[counter].as_u64().unwrap_or(0),
            0,
            "accounts {counter}: {plan}; {replay}"
        );
    }
    eprintln!(
        "{KILLS} rounds ({killed_running} killed mid-run) over {users} users, a full sync \
         taking {full:.1?}: converged ({replay})"
    );
}
