//! Writes, for every kind the plugin declares it writes: a create is found again by its
//! external id, a second create with the same external id makes no duplicate, and an update
//! lands.
//!
//! A push recovers a lost create reply by `find` (README, "How a run works"), so a connector
//! whose `find` misses what it created, or whose create duplicates, makes the dialer hold two
//! accounts for one agent. The records are named `ccsync-conformance-<kind>` with the external
//! id of the same name, the same on every run: a second run against the same endpoint finds
//! them instead of adding more (and a fixture replays them).

use ccsync_model::{ConnectorError, Entity, Kind};
use ccsync_runtime::{CallError, Connector};

use super::Kit;
use super::report::Outcome;
use super::unsupported::sample;

/// Runs the write checks of every declared kind; `enabled` false (`--no-writes`) skips them.
pub(super) async fn run(kit: &mut Kit, enabled: bool) {
    let kinds = kit.description().writes.clone();
    if kinds.is_empty() {
        kit.report.add(
            "write.*",
            Outcome::Skip("the plugin declares no writable kind".into()),
        );
        return;
    }
    for kind in kinds {
        if !enabled {
            kit.report
                .add(id(kind, "*"), Outcome::Skip("--no-writes".into()));
            continue;
        }
        kind_checks(kit, kind).await;
    }
}

fn id(kind: Kind, check: &str) -> String {
    format!("write.{}.{check}", kind.as_str())
}

fn external_id(kind: Kind) -> String {
    format!("ccsync-conformance-{}", kind.as_str())
}

async fn kind_checks(kit: &mut Kit, kind: Kind) {
    let check = id(kind, "create-find");
    let mut connector = match kit.connect(&check).await {
        Ok(connector) => connector,
        Err(e) => {
            kit.report
                .add(&check, Outcome::Fail(format!("configure failed: {e}")));
            return;
        }
    };
    let external = external_id(kind);
    let created = connector.create(sample(kind), &external).await;
    let id_created = match kit.note(&check, created) {
        Ok(id) => id,
        Err(e) => {
            kit.report
                .add(&check, Outcome::Fail(format!("create: {e}")));
            for dependent in ["idempotent", "update"] {
                kit.report.add(
                    id(kind, dependent),
                    Outcome::Skip(format!("{check} failed")),
                );
            }
            return;
        }
    };
    let found = connector.find(kind, &external).await;
    let outcome = match kit.note(&check, found) {
        Ok(Some(found)) if found == id_created => Outcome::Pass,
        Ok(Some(other)) => Outcome::Fail(format!(
            "create returned id {id_created:?}, find by its external id {other:?}"
        )),
        Ok(None) => Outcome::Fail(format!(
            "find by external id {external:?} found nothing after create returned {id_created:?}"
        )),
        Err(e) => Outcome::Fail(format!("find: {e}")),
    };
    kit.report.add(check, outcome);

    let check = id(kind, "idempotent");
    let outcome = idempotent(kit, &check, &mut connector, kind, &id_created).await;
    kit.report.add(&check, outcome);

    let check = id(kind, "update");
    let outcome = update(kit, &check, &mut connector, kind, &id_created).await;
    kit.report.add(&check, outcome);
}

async fn idempotent(
    kit: &mut Kit,
    check: &str,
    connector: &mut Connector,
    kind: Kind,
    id_created: &str,
) -> Outcome {
    let again = connector.create(sample(kind), &external_id(kind)).await;
    match again {
        Ok(id) if id != id_created => {
            return Outcome::Fail(format!(
                "a second create with the same external id made another record ({id:?} besides \
                 {id_created:?})"
            ));
        }
        Ok(_)
        | Err(CallError::Connector {
            error: ConnectorError::Rejected(_),
            ..
        }) => {}
        Err(e) => return Outcome::Fail(format!("a second create: {}", kit.observe(check, &e))),
    }
    if !kit.description().reads.contains(&kind) {
        return Outcome::Pass;
    }
    // The platform's own view: how many records carry the kit's name.
    let name = sample(kind).display_name();
    let mut count = 0;
    let mut cursor: Option<String> = None;
    for _ in 0..kit.max_pages {
        let read = connector.read(kind, cursor.as_deref(), None).await;
        let page = match kit.note(check, read) {
            Ok(page) => page,
            Err(e) => return Outcome::Fail(format!("reading the records back: {e}")),
        };
        count += page
            .items
            .iter()
            .filter(|e| e.display_name() == name)
            .count();
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    if count > 1 {
        Outcome::Fail(format!("the platform holds {count} records named {name:?}"))
    } else {
        Outcome::Pass
    }
}

async fn update(
    kit: &mut Kit,
    check: &str,
    connector: &mut Connector,
    kind: Kind,
    id_created: &str,
) -> Outcome {
    let mut changed = sample(kind);
    let marker = "ccsync-conformance-updated";
    match &mut changed {
        Entity::User(user) => user.last_name = Some(marker.into()),
        Entity::Team(team) => team.features = vec![marker.into()],
        Entity::SecurityProfile(profile) => profile.permissions = vec![marker.into()],
        Entity::Campaign(item) | Entity::Disposition(item) | Entity::AgentStatus(item) => {
            item.extra = vec![("note".into(), marker.into())];
        }
    }
    let updated = connector.update(id_created, changed).await;
    if let Err(e) = kit.note(check, updated) {
        return Outcome::Fail(format!("update: {e}"));
    }
    let got = connector.get(kind, id_created).await;
    match got {
        Ok(Some(entity)) => {
            let landed = match &entity {
                Entity::User(user) => user.last_name.as_deref() == Some(marker),
                // What else a platform keeps of a team, profile or list item varies; the call
                // succeeding is what the contract promises.
                _ => true,
            };
            if landed {
                Outcome::Pass
            } else {
                Outcome::Fail(format!(
                    "update returned ok, but get({id_created:?}) does not show the change"
                ))
            }
        }
        Ok(None) => Outcome::Fail(format!(
            "get({id_created:?}) finds nothing after the update"
        )),
        Err(CallError::Connector {
            error: ConnectorError::Unsupported(_),
            ..
        }) => Outcome::Pass,
        Err(e) => Outcome::Fail(format!("get: {}", kit.observe(check, &e))),
    }
}
