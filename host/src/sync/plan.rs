//! Planning: what a run intends to do with each record it read, before anything is written.
//!
//! A plan is computed page by page (pages stream; a tenant is never held in memory), and for
//! a full read once more at the end, for the records the source no longer has. Applying a
//! plan and printing it (`--dry-run`) use the same [`PlannedAction`]s, so what an operator
//! sees in a dry run is exactly what a real run does.

use std::collections::HashMap;

use ccsync_model::{Entity, InvalidRecord};
use ccsync_store::{
    FieldChange, LogAction, NewLogEntry, RecordStatus, RecordWrite, StagedRecord, StoredRecord,
};
use serde::Serialize;

use super::diff::diff;

/// What a run intends to do with one record.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    /// First seen: store it.
    Create,
    /// Stored and changed: update these fields.
    Update,
    /// Active in the hub, but inactive or gone at the source: deactivate (never delete).
    Deactivate,
    /// Deactivated in the hub, active at the source again: reactivate (never duplicate).
    Reactivate,
    /// The source could not give a usable record: skip it, log why.
    Invalid,
}

impl Action {
    /// The action's name, as in JSON output.
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Deactivate => "deactivate",
            Action::Reactivate => "reactivate",
            Action::Invalid => "invalid",
        }
    }

    /// The action a log entry of a record records, if it is one a plan makes.
    fn from_log(action: LogAction) -> Option<Action> {
        Some(match action {
            LogAction::Create => Action::Create,
            LogAction::Update => Action::Update,
            LogAction::Deactivate => Action::Deactivate,
            LogAction::Reactivate => Action::Reactivate,
            LogAction::Invalid => Action::Invalid,
            _ => return None,
        })
    }

    fn log_action(&self) -> LogAction {
        match self {
            Action::Create => LogAction::Create,
            Action::Update => LogAction::Update,
            Action::Deactivate => LogAction::Deactivate,
            Action::Reactivate => LogAction::Reactivate,
            Action::Invalid => LogAction::Invalid,
        }
    }
}

/// One intended change, with everything needed to apply it and to show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedAction {
    #[serde(flatten)]
    pub action: Action,
    /// The source's id of the record (absent for an invalid record with no readable id).
    pub source_id: Option<String>,
    /// A human name for the record.
    pub display: String,
    /// Why, where the action alone does not say it.
    pub reason: Option<String>,
    /// Changed fields, old -> new.
    pub changes: Vec<FieldChange>,
    /// What to store (none for an invalid record).
    #[serde(skip)]
    pub write: Option<RecordWrite>,
}

impl PlannedAction {
    /// The provisioning log entry this action leaves.
    pub fn log_entry(&self) -> NewLogEntry {
        self.clone().into_log_entry()
    }

    /// The planned action a staged log entry stands for (what a report shows of a plan that
    /// was staged); `None` for an entry no plan makes.
    pub fn from_log_entry(entry: NewLogEntry) -> Option<PlannedAction> {
        Some(PlannedAction {
            action: Action::from_log(entry.action)?,
            display: entry
                .display
                .or_else(|| entry.source_id.clone())
                .unwrap_or_default(),
            source_id: entry.source_id,
            reason: entry.reason,
            changes: entry.changes,
            write: None,
        })
    }

    /// The provisioning log entry this action leaves, taking the action's fields.
    pub fn into_log_entry(self) -> NewLogEntry {
        NewLogEntry {
            source_id: self.source_id,
            display: Some(self.display),
            action: self.action.log_action(),
            reason: self.reason,
            changes: self.changes,
        }
    }
}

/// The plan for one page: the actions, and how many records need no change.
#[derive(Debug, Default)]
pub struct PagePlan {
    pub actions: Vec<PlannedAction>,
    pub unchanged: u64,
}

fn status_for(entity: &Entity) -> RecordStatus {
    if entity.active() {
        RecordStatus::Active
    } else {
        RecordStatus::Deactivated
    }
}

/// Whether a plan lists what each creation changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Creations {
    /// Listed in each action: a plan committed page by page logs and shows them.
    Listed,
    /// Left out: a staged creation is logged as its record, which the store reads back as
    /// the changes (`ccsync_store::log::created_changes`), so listing them for staging only
    /// cost a first sync one JSON tree per record.
    Staged,
}

/// Plans one page: each record against what the hub holds for it.
pub fn plan_page(
    items: Vec<StagedRecord>,
    invalid: &[InvalidRecord],
    stored: &HashMap<String, StoredRecord>,
    creations: Creations,
) -> PagePlan {
    let mut plan = PagePlan::default();
    for StagedRecord { entity, encoded } in items {
        let existing = stored.get(entity.id());
        let status = status_for(&entity);
        let (action, reason) = match existing {
            None => (
                Action::Create,
                (status == RecordStatus::Deactivated).then(|| "inactive at the source".to_owned()),
            ),
            Some(old) if old.hash == encoded.hash && old.status == status => {
                plan.unchanged += 1;
                continue;
            }
            Some(old) => match (old.status, status) {
                (RecordStatus::Active, RecordStatus::Deactivated) => (
                    Action::Deactivate,
                    Some("inactive at the source".to_owned()),
                ),
                (RecordStatus::Deactivated, RecordStatus::Active) => (
                    Action::Reactivate,
                    Some("active at the source again".to_owned()),
                ),
                _ => (Action::Update, None),
            },
        };
        let changes = match (existing, creations) {
            (None, Creations::Staged) => Vec::new(),
            (existing, _) => diff(existing.map(|r| &r.entity), &entity),
        };
        plan.actions.push(PlannedAction {
            action,
            source_id: Some(entity.id().to_owned()),
            display: entity.display_name(),
            reason,
            changes,
            write: Some(RecordWrite {
                entity,
                encoded,
                status,
            }),
        });
    }
    for record in invalid {
        plan.actions.push(PlannedAction {
            action: Action::Invalid,
            source_id: record.id.clone(),
            display: record.id.clone().unwrap_or_else(|| "(no id)".into()),
            reason: Some(record.reason.clone()),
            changes: Vec::new(),
            write: None,
        });
    }
    plan
}

/// Plans the deactivation of records a complete full read did not return.
pub fn plan_gone(unseen: Vec<StoredRecord>) -> Vec<PlannedAction> {
    unseen
        .into_iter()
        .map(|record| PlannedAction {
            action: Action::Deactivate,
            source_id: Some(record.source_id.clone()),
            display: record.entity.display_name(),
            reason: Some("gone from the source".into()),
            changes: vec![FieldChange {
                field: "status".into(),
                old: "active".into(),
                new: "deactivated".into(),
            }],
            write: Some(RecordWrite::new(record.entity, RecordStatus::Deactivated)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccsync_model::User;
    use ccsync_store::Store;

    fn user(id: &str, email: &str, active: bool) -> Entity {
        Entity::User(User {
            id: id.into(),
            username: Some(format!("user{id}")),
            email: Some(email.into()),
            active,
            ..User::default()
        })
    }

    /// Records as a read stages them.
    fn staged(entities: Vec<Entity>) -> Vec<StagedRecord> {
        entities.into_iter().map(StagedRecord::new).collect()
    }

    /// Stores `entities` through a real store, so the plan sees real stored records.
    fn stored(entities: Vec<(Entity, RecordStatus)>) -> HashMap<String, StoredRecord> {
        let mut store = Store::open_in_memory().unwrap();
        let run = store
            .start_run("f", ccsync_store::RunMode::Full, false)
            .unwrap();
        let mut batch = ccsync_store::PageBatch::new(run, "f", "t", ccsync_model::Kind::User);
        let ids: Vec<String> = entities.iter().map(|(e, _)| e.id().to_owned()).collect();
        batch.writes = entities
            .into_iter()
            .map(|(e, s)| RecordWrite::new(e, s))
            .collect();
        store.commit_page(&batch).unwrap();
        store
            .records_by_ids("t", ccsync_model::Kind::User, &ids)
            .unwrap()
    }

    #[test]
    fn unchanged_record_plans_no_action() {
        let known = stored(vec![(user("1", "a@x", true), RecordStatus::Active)]);
        let plan = plan_page(
            staged(vec![user("1", "a@x", true)]),
            &[],
            &known,
            Creations::Listed,
        );
        assert!(plan.actions.is_empty());
        assert_eq!(plan.unchanged, 1);
    }

    #[test]
    fn changed_record_plans_an_update_with_old_and_new() {
        let known = stored(vec![(user("1", "a@x", true), RecordStatus::Active)]);
        let plan = plan_page(
            staged(vec![user("1", "b@x", true)]),
            &[],
            &known,
            Creations::Listed,
        );
        let [action] = plan.actions.as_slice() else {
            panic!("{plan:?}")
        };
        assert_eq!(action.action, Action::Update);
        assert_eq!(action.changes[0].field, "email");
        assert_eq!(action.changes[0].old, "a@x");
        assert_eq!(action.changes[0].new, "b@x");
    }

    #[test]
    fn a_staged_plan_leaves_a_creations_changes_to_the_store_and_lists_an_updates() {
        let known = stored(vec![(user("1", "a@x", true), RecordStatus::Active)]);
        let read = || staged(vec![user("1", "b@x", true), user("2", "c@x", true)]);
        let staged_plan = plan_page(read(), &[], &known, Creations::Staged);
        let listed_plan = plan_page(read(), &[], &known, Creations::Listed);
        let fields = |plan: &PagePlan, i: usize| -> Vec<String> {
            plan.actions[i]
                .changes
                .iter()
                .map(|c| c.field.clone())
                .collect()
        };
        assert_eq!(fields(&staged_plan, 0), ["email"]);
        assert_eq!(fields(&listed_plan, 0), ["email"]);
        assert!(fields(&staged_plan, 1).is_empty());
        assert_eq!(
            fields(&listed_plan, 1),
            ["id", "username", "email", "active"]
        );
    }

    #[test]
    fn inactive_at_source_deactivates_and_active_again_reactivates() {
        let known = stored(vec![
            (user("1", "a@x", true), RecordStatus::Active),
            (user("2", "b@x", false), RecordStatus::Deactivated),
        ]);
        let plan = plan_page(
            staged(vec![user("1", "a@x", false), user("2", "b@x", true)]),
            &[],
            &known,
            Creations::Listed,
        );
        let actions: Vec<_> = plan.actions.iter().map(|a| a.action.clone()).collect();
        assert_eq!(actions, [Action::Deactivate, Action::Reactivate]);
    }

    #[test]
    fn invalid_records_are_planned_as_skips_with_their_reason() {
        let plan = plan_page(
            vec![],
            &[InvalidRecord {
                id: None,
                reason: "agentId is missing".into(),
            }],
            &HashMap::new(),
            Creations::Listed,
        );
        assert_eq!(plan.actions[0].action, Action::Invalid);
        assert_eq!(
            plan.actions[0].reason.as_deref(),
            Some("agentId is missing")
        );
        assert!(plan.actions[0].write.is_none());
    }
}
