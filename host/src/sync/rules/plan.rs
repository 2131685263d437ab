//! What a rule family did, or would do, at its target: the part of a run report every family
//! fills the same way, so reports, dry runs and `ccsync plan` print any family without naming
//! it.

use std::fmt;

use ccsync_config::Family;
use ccsync_store::{AccountChange, FieldChange, LogAction, WfoChange};
use serde::Serialize;

use crate::sync::SHOWN_ACTIONS;

/// What a family changed (or, previewed, would change) at its target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PlanSummary {
    pub created: u64,
    pub updated: u64,
    pub deactivated: u64,
    pub reactivated: u64,
    /// Skips logged by this run (a repeated skip is not logged again, nor counted).
    pub skipped: u64,
    /// Records the target refused (the others went on).
    pub rejected: u64,
    /// Objects at the target left as they were.
    pub unchanged: u64,
}

impl PlanSummary {
    /// Counts one action.
    pub fn count(&mut self, action: LogAction) {
        match action {
            LogAction::Create => self.created += 1,
            LogAction::Deactivate => self.deactivated += 1,
            LogAction::Reactivate => self.reactivated += 1,
            LogAction::Skip => self.skipped += 1,
            LogAction::Error | LogAction::Invalid => self.rejected += 1,
            _ => self.updated += 1,
        }
    }

    /// How many actions (skips included) there are.
    pub fn actions(&self) -> u64 {
        self.created
            + self.updated
            + self.deactivated
            + self.reactivated
            + self.skipped
            + self.rejected
    }
}

impl fmt::Display for PlanSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} create, {} update, {} deactivate, {} reactivate, {} unchanged, {} newly skipped",
            self.created,
            self.updated,
            self.deactivated,
            self.reactivated,
            self.unchanged,
            self.skipped
        )?;
        if self.rejected > 0 {
            write!(f, ", {} rejected", self.rejected)?;
        }
        Ok(())
    }
}

/// One action of a family at its target, as reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetAction {
    pub source_id: String,
    pub display: Option<String>,
    pub action: LogAction,
    pub reason: Option<String>,
    /// Changed fields, old -> new.
    pub changes: Vec<FieldChange>,
}

impl From<&WfoChange> for TargetAction {
    fn from(change: &WfoChange) -> Self {
        Self {
            source_id: change.source_id.clone(),
            display: change.display.clone(),
            action: change.action,
            reason: change.reason.clone(),
            changes: change.changes.clone(),
        }
    }
}

impl From<&AccountChange> for TargetAction {
    fn from(change: &AccountChange) -> Self {
        Self {
            source_id: change.source_id.clone(),
            display: change.display.clone(),
            action: change.action,
            reason: change.reason.clone(),
            changes: change.changes.clone(),
        }
    }
}

/// The plan of one family at one target for one tenant: what the family did or would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FamilyPlan {
    pub family: Family,
    /// What the family keeps, for reports (`WFM accounts`).
    pub label: &'static str,
    /// What one of them is called (`account`).
    pub noun: &'static str,
    /// The hub store or connection it acts on.
    pub target: String,
    pub summary: PlanSummary,
    /// The actions, up to [`SHOWN_ACTIONS`], in source id order.
    pub actions: Vec<TargetAction>,
    /// Whether `actions` was cut short.
    pub actions_truncated: bool,
    /// What the family wants the operator to know about how it went (how a mapping reached
    /// the directory, and why).
    pub notes: Vec<String>,
}

impl FamilyPlan {
    /// An empty plan of `family` at `target`.
    pub fn new(
        family: Family,
        label: &'static str,
        noun: &'static str,
        target: &str,
    ) -> FamilyPlan {
        FamilyPlan {
            family,
            label,
            noun,
            target: target.to_owned(),
            summary: PlanSummary::default(),
            actions: Vec::new(),
            actions_truncated: false,
            notes: Vec::new(),
        }
    }

    /// Counts an action and keeps it for display while there is room.
    pub fn push(&mut self, action: TargetAction) {
        self.push_with(action.action, || action);
    }

    /// Counts an `action` and keeps it for display while there is room, built by `make` only
    /// then: a first sync counts every account it creates and shows a few.
    pub fn push_with(&mut self, action: LogAction, make: impl FnOnce() -> TargetAction) {
        self.summary.count(action);
        if self.actions.len() < SHOWN_ACTIONS {
            self.actions.push(make());
        } else {
            self.actions_truncated = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_counts_every_action_and_builds_only_those_it_shows() {
        let mut plan = FamilyPlan::new(Family::Wfm, "WFM accounts", "account", "wfm");
        let mut built = 0;
        for i in 0..SHOWN_ACTIONS + 5 {
            plan.push_with(LogAction::Create, || {
                built += 1;
                TargetAction {
                    source_id: i.to_string(),
                    display: None,
                    action: LogAction::Create,
                    reason: None,
                    changes: Vec::new(),
                }
            });
        }
        assert_eq!(plan.summary.created, (SHOWN_ACTIONS + 5) as u64);
        assert_eq!((plan.actions.len(), built), (SHOWN_ACTIONS, SHOWN_ACTIONS));
        assert!(plan.actions_truncated);
    }
}
