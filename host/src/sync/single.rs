//! Single-user sync ("provisioning on demand"): one user of a flow's source brought into the
//! hub now, with each step shown to the operator: read, scope, match, diff, action.
//!
//! The connector contract has no get-by-id, so the user is found by reading the flow's user
//! pages from the start (`since = None`), stopping at the page that holds them. Only that user
//! is planned and applied, through the planner ([`plan_page`]) and write path
//! ([`Store::commit_page`], in a run of mode `single`) of every run; the flow's rule family
//! decides the user's scope and its change at the family's target ([`Rules::single`]), which
//! is committed in the same transaction as the record. Where the flow syncs teams, the user's
//! team is read from the source now, as a run would (teams are read whole every run); the
//! team's hub record is left to the flow's next run, which reaches the same decision.
//!
//! A single-user sync never deactivates by absence (a user it does not find is reported, and
//! only a complete full read may conclude a user is gone) and never moves a watermark: the
//! flow's next incremental run reads exactly what it would have read without it.

use std::collections::HashMap;

use anyhow::{Context, bail};
use ccsync_config::FlowConfig;
use ccsync_model::{Entity, InvalidRecord, Kind, Page, Team};
use ccsync_runtime::Connector;
use ccsync_store::{
    AccountBatch, PageBatch, RecordState, RecordStatus, RunCounts, RunId, RunMode, RunStatus,
    StagedRecord, Store, StoredRecord,
};
use serde::Serialize;

use super::pages::Pages;
use super::plan::{Action, Creations, PlannedAction, plan_page};
use super::retry::RetryPolicy;
use super::rules::{self, SingleUser, Subject, TargetAction};

/// One step of a single-user sync and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// `read`, `scope`, `match`, `diff` or `action`, in that order.
    pub name: &'static str,
    /// The step's result in a few words (`found`, `in scope`, `record update, account none`).
    pub outcome: String,
    /// The particulars, continuing the outcome's sentence.
    pub detail: String,
}

/// What a single-user sync did (or, for a dry run, would do).
#[derive(Debug, Clone, Serialize)]
pub struct SingleUserReport {
    pub flow: String,
    pub tenant: String,
    /// The source id asked for.
    pub user: String,
    /// The run's id; none for a dry run, which records nothing.
    pub run: Option<RunId>,
    pub dry_run: bool,
    pub status: RunStatus,
    /// Whether the source returned the user (as a usable record or an invalid one).
    pub found: bool,
    pub steps: Vec<Step>,
    /// The hub record's action; none when it is unchanged or the user was not found.
    pub record_action: Option<PlannedAction>,
    /// Where the flow's family acts (a hub store or a connection).
    pub family_target: String,
    /// The family's action at its target; none when nothing changes there.
    pub family_action: Option<TargetAction>,
    pub error: Option<String>,
}

impl SingleUserReport {
    /// The human form: one line per step, then what was written.
    pub fn text(&self) -> String {
        let mut out = format!(
            "flow {} (single user {}{})\n",
            self.flow,
            self.user,
            if self.dry_run { ", dry run" } else { "" }
        );
        for step in &self.steps {
            out += &format!("{:<8}{} {}\n", step.name, step.outcome, step.detail);
        }
        if let Some(run) = self.run {
            out += &format!("run {run} {}\n", self.status);
        }
        if let Some(error) = &self.error {
            out += &format!("error: {error}\n");
        }
        out
    }

    fn step(&mut self, name: &'static str, outcome: impl Into<String>, detail: impl Into<String>) {
        self.steps.push(Step {
            name,
            outcome: outcome.into(),
            detail: detail.into(),
        });
    }
}

/// Where the read found the user.
enum Found {
    User { entity: Box<Entity>, page: u32 },
    Invalid { record: InvalidRecord, page: u32 },
    Absent { pages: u32, users: u64 },
}

/// Syncs one user of one flow against one connector instance.
pub struct SingleUserSync<'a> {
    pub store: &'a mut Store,
    pub connector: &'a mut Connector,
    pub flow: &'a FlowConfig,
    /// The source connection's tenant: part of every record key.
    pub tenant: &'a str,
    pub retry: RetryPolicy,
}

impl SingleUserSync<'_> {
    /// Syncs the user with source id `user_id`; a dry run plans and reports, writing nothing.
    pub async fn run(&mut self, user_id: &str, dry_run: bool) -> anyhow::Result<SingleUserReport> {
        if !self.flow.kinds.contains(&Kind::User) {
            bail!(
                "flow {} does not sync users (its kinds: {}), so it has no user to sync",
                self.flow.name,
                self.flow
                    .kinds
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let rules = rules::for_flow(self.flow)?;
        let Some(single) = rules.single_user() else {
            bail!(
                "flow {} is a {} flow into connection {}: a single-user sync is for flows that \
                 keep hub accounts; run `ccsync sync {}`",
                self.flow.name,
                self.flow.family.shape(),
                self.flow.target.name(),
                self.flow.name
            );
        };
        let run = if dry_run {
            None
        } else {
            Some(
                self.store
                    .start_run(&self.flow.name, RunMode::Single, false)
                    .context("recording the run")?,
            )
        };
        let mut report = SingleUserReport {
            flow: self.flow.name.clone(),
            tenant: self.tenant.to_owned(),
            user: user_id.to_owned(),
            run,
            dry_run,
            status: RunStatus::Succeeded,
            found: false,
            steps: Vec::new(),
            record_action: None,
            family_target: self.flow.target.name().to_owned(),
            family_action: None,
            error: None,
        };
        if let Err(e) = self.steps(user_id, single, &mut report).await {
            report.status = RunStatus::Failed;
            report.error = Some(format!("{e:#}"));
        }
        if let Some(run) = run {
            self.store
                .finish_run(
                    run,
                    report.status,
                    &RunCounts::default(),
                    report.error.as_deref(),
                )
                .context("recording the end of the run")?;
        }
        Ok(report)
    }

    async fn steps(
        &mut self,
        user_id: &str,
        rules: &dyn SingleUser,
        report: &mut SingleUserReport,
    ) -> anyhow::Result<()> {
        let found = self.find(user_id).await?;
        let stored = self
            .store
            .records_by_ids(self.tenant, Kind::User, &[user_id])?;
        let existing = stored.get(user_id);
        let matched = rules.matched(self.store, self.tenant, user_id)?;
        let (entity, page) = match found {
            Found::User { entity, page } => (*entity, page),
            Found::Absent { pages, users } => {
                report.step(
                    "read",
                    "not found",
                    format!("at the source: {users} users on {pages} page(s) read"),
                );
                report.step("scope", "skipped", "the user is not at the source");
                self.match_step(report, user_id, existing, &matched);
                report.step("diff", "skipped", "nothing to compare");
                let kept = match existing {
                    Some(record) => format!("the hub record stays {}", record.status),
                    None => "the hub has no record of the user".to_owned(),
                };
                report.step(
                    "action",
                    "none",
                    format!(
                        "({kept}: a single-user sync never deactivates a user it does not find; \
                         only a complete full read (`ccsync sync {} --full`) deactivates by \
                         absence)",
                        self.flow.name
                    ),
                );
                return Ok(());
            }
            Found::Invalid { record, page } => {
                report.found = true;
                report.step(
                    "read",
                    "invalid",
                    format!("on page {page}: {}", record.reason),
                );
                report.step("scope", "skipped", "the source record cannot be mapped");
                self.match_step(report, user_id, existing, &matched);
                report.step("diff", "skipped", "nothing to compare");
                let mut plan = plan_page(Vec::new(), &[record], &HashMap::new(), Creations::Listed);
                let detail = self.apply(report, &mut plan.actions, 0, None)?;
                report.step(
                    "action",
                    "none",
                    format!("the invalid record is skipped and logged {detail}"),
                );
                report.record_action = plan.actions.pop();
                return Ok(());
            }
        };
        report.found = true;
        report.step("read", "found", format!("on page {page}"));
        let Entity::User(user) = &entity else {
            bail!(
                "the connector returned a {} record (id {}) among the users",
                entity.kind(),
                entity.id()
            );
        };
        let plan = plan_page(
            vec![StagedRecord::new(entity.clone())],
            &[],
            &stored,
            Creations::Listed,
        );
        let record_action = plan.actions.into_iter().next();
        let record_after = after_plan(existing, &entity, record_action.as_ref(), self.tenant);

        // The family decides against the record as the plan leaves it, as the run's family
        // step decides after the run's commits.
        let team = match &user.team_id {
            Some(team_id) => self.team(team_id).await?,
            None => None,
        };
        let subject = Subject {
            user,
            record: &record_after,
            team: team.as_ref(),
        };
        let decision = rules.single(self.store, self.flow, subject)?;
        let scope = if decision.in_scope {
            "in scope"
        } else {
            "out of scope"
        };
        report.step("scope", scope, decision.scope);
        self.match_step(report, user_id, existing, &matched);

        let mut changes: Vec<String> = record_action
            .iter()
            .flat_map(|a| a.changes.iter())
            .map(|c| format!("{}: {} -> {}", c.field, c.old, c.new))
            .collect();
        changes.extend(
            decision
                .action
                .iter()
                .flat_map(|a| a.changes.iter())
                .map(|c| format!("{} {}: {} -> {}", rules.noun(), c.field, c.old, c.new)),
        );
        match (existing, changes.is_empty()) {
            (_, true) => report.step("diff", "unchanged", "the hub matches the source"),
            (None, false) => report.step("diff", "new", changes.join("; ")),
            (Some(_), false) => report.step("diff", "changed", changes.join("; ")),
        }

        let record_word = record_action.as_ref().map_or("none", |a| a.action.as_str());
        let family_word = decision
            .action
            .as_ref()
            .map_or("none", |a| a.action.as_str());
        let outcome = format!("record {record_word}, {} {family_word}", rules.noun());
        let mut actions: Vec<PlannedAction> = record_action.into_iter().collect();
        let unchanged = u64::from(actions.is_empty());
        report.family_action = decision.action;
        let detail = self.apply(report, &mut actions, unchanged, decision.write)?;
        report.step("action", outcome, detail);
        report.record_action = actions.pop();
        Ok(())
    }

    /// The `match` step: the hub record the user has, if any, and what the family holds.
    fn match_step(
        &self,
        report: &mut SingleUserReport,
        user_id: &str,
        record: Option<&StoredRecord>,
        matched: &str,
    ) {
        let key = format!("{}/user/{user_id}", self.tenant);
        let record_text = match record {
            Some(r) => format!(
                "hub record {key} ({}, last written by run {})",
                r.status, r.updated_run
            ),
            None => format!("no hub record {key}"),
        };
        let outcome = if record.is_some() { "matched" } else { "new" };
        report.step("match", outcome, format!("{record_text}{matched}"));
    }

    /// Commits the record's actions (one page of the run) and the family's write in one
    /// transaction, unless this is a dry run; returns what was written, for the `action` step.
    fn apply(
        &mut self,
        report: &SingleUserReport,
        actions: &mut [PlannedAction],
        unchanged: u64,
        family: Option<AccountBatch>,
    ) -> anyhow::Result<String> {
        let Some(run) = report.run else {
            return Ok("(dry run: nothing was written)".to_owned());
        };
        let mut batch = PageBatch::new(run, &self.flow.name, self.tenant, Kind::User);
        batch.counts = RunCounts {
            read: u64::from(report.found),
            unchanged,
            ..RunCounts::default()
        };
        for action in actions.iter_mut() {
            match action.action {
                Action::Create => batch.counts.created += 1,
                Action::Update => batch.counts.updated += 1,
                Action::Deactivate => batch.counts.deactivated += 1,
                Action::Reactivate => batch.counts.reactivated += 1,
                Action::Invalid => batch.counts.invalid += 1,
            }
            batch.log.push(action.log_entry());
            if let Some(write) = action.write.take() {
                batch.writes.push(write);
            }
        }
        batch.accounts = family;
        self.store.commit_page(&batch).with_context(|| {
            format!(
                "writing the hub record of user {} and its family's change",
                report.user
            )
        })?;
        Ok(format!("(applied in run {run})"))
    }

    /// The team with `team_id` and where it came from: read from the source now where the flow
    /// syncs teams (a run reads them whole before deciding any account), else as the hub holds
    /// it. A team the source no longer returns keeps its hub record, as in a run.
    async fn team(&mut self, team_id: &str) -> anyhow::Result<Option<(Team, &'static str)>> {
        let hub = |store: &Store, from| -> anyhow::Result<_> {
            let stored = store.record(self.tenant, Kind::Team, team_id)?;
            Ok(match stored.map(|r| r.entity) {
                Some(Entity::Team(team)) => Some((team, from)),
                _ => None,
            })
        };
        if !self.flow.kinds.contains(&Kind::Team) {
            return hub(self.store, "as the hub holds it");
        }
        let scan = self
            .scan(Kind::Team, |page| {
                page.items.into_iter().find_map(|entity| match entity {
                    Entity::Team(team) if team.id == team_id => Some(team),
                    _ => None,
                })
            })
            .await
            .context("reading team records")?;
        match scan {
            Scan::Found { item, .. } => Ok(Some((item, "read from the source now"))),
            Scan::End { .. } => hub(self.store, "as the hub holds it: not at the source now"),
        }
    }

    /// Reads the flow's user pages from the start until one holds `user_id`.
    async fn find(&mut self, user_id: &str) -> anyhow::Result<Found> {
        let scan = self
            .scan(Kind::User, |page| {
                if let Some(entity) = page.items.into_iter().find(|e| e.id() == user_id) {
                    return Some(Ok(entity));
                }
                page.invalid
                    .into_iter()
                    .find(|r| r.id.as_deref() == Some(user_id))
                    .map(Err)
            })
            .await
            .context("reading user records")?;
        Ok(match scan {
            Scan::Found {
                item: Ok(entity),
                page,
            } => Found::User {
                entity: Box::new(entity),
                page,
            },
            Scan::Found {
                item: Err(record),
                page,
            } => Found::Invalid { record, page },
            Scan::End { pages, records } => Found::Absent {
                pages,
                users: records,
            },
        })
    }

    /// Reads the flow's pages of `kind` from the start until `take` finds what it looks for
    /// on one (the connector contract has no get-by-id).
    async fn scan<T>(
        &mut self,
        kind: Kind,
        mut take: impl FnMut(Page) -> Option<T>,
    ) -> anyhow::Result<Scan<T>> {
        let mut pages = Pages::new(self.connector, &self.retry, &self.flow.name, kind, None);
        let mut records = 0;
        while let Some(page) = pages.next().await? {
            records += page.items.len() as u64;
            if let Some(item) = take(page) {
                return Ok(Scan::Found {
                    item,
                    page: pages.read,
                });
            }
        }
        Ok(Scan::End {
            pages: pages.read,
            records,
        })
    }
}

/// How a [`SingleUserSync::scan`] ended.
enum Scan<T> {
    Found { item: T, page: u32 },
    End { pages: u32, records: u64 },
}

/// The hub record as the planned action leaves it: what the WFM decision looks at (its
/// status and whether the source said it is active). Unchanged, it is the stored record.
fn after_plan(
    existing: Option<&StoredRecord>,
    entity: &Entity,
    action: Option<&PlannedAction>,
    tenant: &str,
) -> RecordState {
    let status = match (existing, action.and_then(|a| a.write.as_ref())) {
        (_, Some(write)) => write.status,
        (Some(record), None) => record.status,
        (None, None) => RecordStatus::Active,
    };
    RecordState {
        tenant: tenant.to_owned(),
        source_id: entity.id().to_owned(),
        entity: entity.clone(),
        status,
        // Unchanged, the stored record has the same content, `active` included.
        source_active: entity.active(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_report_has_one_line_per_step_with_its_outcome_then_the_run() {
        let mut report = SingleUserReport {
            flow: "acd-wfm".into(),
            tenant: "acme".into(),
            user: "7".into(),
            run: Some(RunId(4)),
            dry_run: false,
            status: RunStatus::Succeeded,
            found: true,
            steps: Vec::new(),
            record_action: None,
            family_target: "wfm".into(),
            family_action: None,
            error: None,
        };
        report.step("read", "found", "on page 3");
        report.step("action", "record none, account none", "(applied in run 4)");
        assert_eq!(
            report.text(),
            "flow acd-wfm (single user 7)\n\
             read    found on page 3\n\
             action  record none, account none (applied in run 4)\n\
             run 4 succeeded\n"
        );
    }
}
