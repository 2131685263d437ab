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

/// Stages `entities` as a read of `kind` returned them, each one the hub does not hold as it
/// is planned the simplest way (created, updated, deactivated or reactivated by the source's
/// `active`): the host's planner does more, but the store only keeps what it is given.
pub(crate) fn stage_read(store: &mut Store, kind: Kind, entities: &[Entity]) -> crate::Result<()> {
    let tenant = store
        .staging
        .as_ref()
        .map(|s| s.tenant.clone())
        .unwrap_or_default();
    let ids: Vec<&str> = entities.iter().map(Entity::id).collect();
    let known = store.hashes_by_ids(&tenant, kind, &ids)?;
    let mut changes = Vec::new();
    for entity in entities {
        let status = if entity.active() {
            RecordStatus::Active
        } else {
            RecordStatus::Deactivated
        };
        let write = RecordWrite::new(entity.clone(), status);
        let planned_over = known.get(entity.id()).cloned();
        let action = match &planned_over {
            None => LogAction::Create,
            Some((hash, was)) if *hash == write.encoded.hash && *was == status => continue,
            Some((_, RecordStatus::Active)) if status == RecordStatus::Deactivated => {
                LogAction::Deactivate
            }
            Some((_, RecordStatus::Deactivated)) if status == RecordStatus::Active => {
                LogAction::Reactivate
            }
            Some(_) => LogAction::Update,
        };
        changes.push(crate::StagedChange {
            log: NewLogEntry {
                source_id: Some(entity.id().to_owned()),
                display: Some(entity.display_name()),
                action,
                reason: None,
                changes: Vec::new(),
            },
            write,
            planned_over,
        });
    }
    store.stage(kind, &ids, &changes)
}
