//! Builders shared by the unit tests of several concerns.

use ccsync_model::{Entity, Kind, User};

use crate::{
    LogAction, NewLogEntry, PageBatch, RecordStatus, RecordWrite, RunCounts, RunId, RunMode, Store,
};

pub(crate) const FLOW: &str = "wfm";
pub(crate) const TENANT: &str = "acme";

pub(crate) fn user(id: &str, username: &str) -> Entity {
    Entity::User(User {
        id: id.into(),
        username: Some(username.into()),
        email: Some(format!("{username}@example.com")),
        active: true,
        ..User::default()
    })
}

pub(crate) fn store_with_run() -> (Store, RunId) {
    let mut store = Store::open_in_memory().unwrap();
    let run = store.start_run(FLOW, RunMode::Full, false).unwrap();
    (store, run)
}

/// A page that creates the given users as new active records, logs and counts them.
pub(crate) fn create_page(run: RunId, ids: &[&str]) -> PageBatch {
    let mut batch = PageBatch::new(run, FLOW, TENANT, Kind::User);
    for id in ids {
        batch.writes.push(RecordWrite::new(
            user(id, &format!("u{id}")),
            RecordStatus::Active,
        ));
        batch.log.push(NewLogEntry {
            source_id: Some((*id).to_owned()),
            display: Some(format!("u{id}")),
            action: LogAction::Create,
            reason: None,
            changes: Vec::new(),
        });
    }
    batch.counts = RunCounts {
        read: ids.len() as u64,
        created: ids.len() as u64,
        ..RunCounts::default()
    };
    batch
}
