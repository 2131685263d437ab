//! One run of a flow: read -> stage -> plan -> apply.
//!
//! 1. **Read**: every page of every kind of the flow, through the connector, with retries,
//!    into the store's staging area (a TEMP table: nothing durable is written yet).
//! 2. **Check**: how many deactivations the read implies; a run over the flow's safety
//!    thresholds stops here, having changed nothing.
//! 3. **Apply**: the staging area in chunks; each chunk is planned against the hub records and
//!    committed in one transaction with its provisioning log entries and run counters. A
//!    kind's last commit advances its watermark, so a crash at any instant loses nothing (the
//!    next run reads again from the old watermark) and duplicates nothing (what was applied
//!    is unchanged the second time).
//!
//! Only a complete full read deactivates records that vanished at the source; a read with
//! invalid records, or one that returned suspiciously fewer records than the hub holds
//! (`max_shrink_percent`), is partial and deactivates nothing by absence.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use ccsync_config::FlowConfig;
use ccsync_model::{InvalidRecord, Kind};
use ccsync_runtime::Connector;
use ccsync_store::{
    CursorUpdate, PageBatch, RecordStatus, RecordView, RunCounts, RunId, RunMode, RunStatus, Store,
};
use serde::Serialize;

use super::SHOWN_ACTIONS;
use super::plan::{Action, PlannedAction, plan_gone, plan_page};
use super::progress::Progress;
use super::retry::{RetryPolicy, read_page};
use super::wfm::{self, AccountsPlan, Projection};

/// Records planned and applied per transaction.
const CHUNK: usize = 1000;

/// What to run.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    pub mode: RunMode,
    /// Plan and report, write nothing.
    pub dry_run: bool,
}

/// What a run did (or, for a dry run, would do).
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub flow: String,
    /// The run's id; none for a dry run, which records nothing.
    pub run: Option<RunId>,
    pub mode: RunMode,
    pub dry_run: bool,
    pub status: RunStatus,
    /// What the plan holds (for a real run, also what was applied).
    pub counts: RunCounts,
    /// The planned actions, up to [`SHOWN_ACTIONS`].
    pub actions: Vec<PlannedAction>,
    /// Whether `actions` was cut short.
    pub actions_truncated: bool,
    /// The WFM account plan, for a flow whose target is a WFM hub store: what the run did to
    /// the accounts (or, for a dry run or a run that stopped for approval, would do).
    pub accounts: Option<AccountsPlan>,
    /// Things the operator should know (a partial read, a safety stop).
    pub notes: Vec<String>,
    pub error: Option<String>,
    #[serde(serialize_with = "seconds")]
    pub elapsed: Duration,
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// One transaction's worth of a run: planned actions, the ids the read returned, and for a
/// kind's last commit its cursor.
struct Chunk {
    kind: Kind,
    actions: Vec<PlannedAction>,
    seen: Vec<String>,
    counts: RunCounts,
    cursor: Option<CursorUpdate>,
}

/// What the read of one kind left in staging.
struct KindRead {
    kind: Kind,
    invalid: Vec<InvalidRecord>,
    watermark: Option<String>,
    /// Whether records this read did not return may be deactivated: only after a complete
    /// full read that did not shrink suspiciously.
    sweep: bool,
}

/// Runs one flow against one connector instance.
pub struct FlowRunner<'a> {
    pub store: &'a mut Store,
    pub connector: &'a mut Connector,
    pub flow: &'a FlowConfig,
    /// The source connection's tenant: part of every record key.
    pub tenant: &'a str,
    pub retry: RetryPolicy,
    pub progress: &'a Progress,
}

impl FlowRunner<'_> {
    /// The kinds of the flow in dependency order (teams and profiles before users).
    fn kinds(&self) -> Vec<Kind> {
        Kind::ALL
            .into_iter()
            .filter(|k| self.flow.kinds.contains(k))
            .collect()
    }

    pub async fn run(&mut self, options: RunOptions) -> anyhow::Result<RunReport> {
        let started = Instant::now();
        let run = if options.dry_run {
            None
        } else {
            Some(
                self.store
                    .start_run(&self.flow.name, options.mode, false)
                    .context("recording the run")?,
            )
        };
        let mut report = RunReport {
            flow: self.flow.name.clone(),
            run,
            mode: options.mode,
            dry_run: options.dry_run,
            status: RunStatus::Succeeded,
            counts: RunCounts::default(),
            actions: Vec::new(),
            actions_truncated: false,
            accounts: None,
            notes: Vec::new(),
            error: None,
            elapsed: Duration::ZERO,
        };
        let mut outcome = self.read_plan_apply(options, &mut report).await;
        // The hub's WFM accounts follow the records this run applied (rules W3-W6); a dry run
        // plans them from the records as its plan would leave them.
        let applied = matches!(report.status, RunStatus::Succeeded | RunStatus::Partial);
        if let (Ok(swept), true, Some(store)) = (&outcome, applied, wfm::wfm_store(self.flow)) {
            let accounts = match run {
                Some(run) => self.project_accounts(run, store, &mut report),
                None => self.plan_accounts(store, swept, &mut report),
            };
            if let Err(e) = accounts {
                outcome = Err(e);
            }
        }
        if let Err(e) = &outcome {
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
        self.progress.finish();
        report.elapsed = started.elapsed();
        Ok(report)
    }

    /// Reads, checks and applies (a dry run: plans) every kind; returns the kinds whose read
    /// was complete and full, whose absent records the plan deactivates.
    async fn read_plan_apply(
        &mut self,
        options: RunOptions,
        report: &mut RunReport,
    ) -> anyhow::Result<Vec<Kind>> {
        self.store.stage_begin(self.tenant)?;
        let mut reads = Vec::new();
        for kind in self.kinds() {
            reads.push(self.read_kind(kind, options.mode).await?);
        }

        let full = options.mode == RunMode::Full;
        let mut deactivations = 0;
        let mut active = 0;
        for read in &mut reads {
            let kind_active = self
                .store
                .count(self.tenant, read.kind, RecordStatus::Active)?;
            read.sweep = full && read.invalid.is_empty();
            if read.sweep
                && let Some(note) = self.shrunk(read.kind, kind_active)?
            {
                read.sweep = false;
                report.status = RunStatus::Partial;
                report.notes.push(note);
            }
            deactivations += self.store.staged_deactivations(self.tenant, read.kind)?;
            if read.sweep {
                deactivations += self.store.unstaged_active(self.tenant, read.kind)?.len() as u64;
            }
            active += kind_active;
        }
        if let Some(excess) = self.over_threshold(deactivations, active, "records") {
            let approval = match report.run {
                Some(run) if !options.dry_run => {
                    self.store
                        .use_approval(&self.flow.name, deactivations, run)?
                }
                _ => None,
            };
            match (approval, report.run) {
                (Some(approval), _) => report.notes.push(format!(
                    "{excess}; approved by the operator (run {})",
                    approval.run
                )),
                (None, Some(run)) if !options.dry_run => {
                    self.store
                        .request_approval(run, &self.flow.name, deactivations)?;
                    let reason = format!(
                        "{excess}; the run stopped before changing anything: approve it with \
                         `ccsync approve {run}`"
                    );
                    report.notes.push(reason.clone());
                    report.status = RunStatus::NeedsApproval;
                    report.error = Some(reason);
                    return Ok(Vec::new());
                }
                (None, _) => report
                    .notes
                    .push(format!("{excess}; a real run would stop for approval")),
            }
        }

        let swept = reads.iter().filter(|r| r.sweep).map(|r| r.kind).collect();
        for read in reads {
            self.apply_kind(&read, options, report).await?;
            if !read.invalid.is_empty() {
                report.status = RunStatus::Partial;
                report.notes.push(format!(
                    "{} invalid {} record(s) at the source: the read is partial, so nothing was \
                     deactivated for being absent and the watermark did not move",
                    read.invalid.len(),
                    read.kind
                ));
            }
        }
        Ok(swept)
    }

    /// Why a full read of `kind` looks suspiciously short, if it does: it returned fewer
    /// records than the hub holds active by more than the flow's `max_shrink_percent`. Such a
    /// read (a source answering with a partial list) never deactivates by absence.
    fn shrunk(&self, kind: Kind, active: u64) -> anyhow::Result<Option<String>> {
        let read = self.store.staged_count(kind)?;
        let limit = u64::from(self.flow.safety.max_shrink_percent.get());
        let shrunk = active > 0 && read < active && (active - read) * 100 > active * limit;
        Ok(shrunk.then(|| {
            format!(
                "the full read returned {read} {kind} records where the hub holds {active} \
                 active, a shrink of more than {limit}%: nothing was deactivated for being absent"
            )
        }))
    }

    /// Projects the applied records onto the WFM store's accounts, behind the same safety
    /// limits as the records: a projection that would deactivate more accounts than the flow
    /// allows (a team losing `WFM Advanced`, say) leaves every account unchanged and waits for
    /// an approval.
    fn project_accounts(
        &mut self,
        run: RunId,
        wfm: &str,
        report: &mut RunReport,
    ) -> anyhow::Result<()> {
        let preview = wfm::project(
            self.store,
            self.flow,
            wfm,
            self.tenant,
            Projection::Preview(RecordView::Hub),
        )?;
        let deactivations = preview.summary.deactivated;
        let active = self.store.count_active_accounts(wfm, self.tenant)?;
        if let Some(excess) = self.over_threshold(deactivations, active, "accounts") {
            match self
                .store
                .use_approval(&self.flow.name, deactivations, run)?
            {
                Some(approval) => report.notes.push(format!(
                    "WFM accounts of store {wfm}: {excess}; approved by the operator (run {})",
                    approval.run
                )),
                None => {
                    self.store
                        .request_approval(run, &self.flow.name, deactivations)?;
                    let reason = format!(
                        "WFM accounts of store {wfm}: {excess}; the records were applied but \
                         every account was left unchanged: approve it with `ccsync approve {run}`"
                    );
                    report.notes.push(reason.clone());
                    report.status = RunStatus::NeedsApproval;
                    report.error = Some(reason);
                    report.accounts = Some(preview);
                    return Ok(());
                }
            }
        }
        let applied = wfm::project(
            self.store,
            self.flow,
            wfm,
            self.tenant,
            Projection::Apply(run),
        )?;
        report.accounts = Some(applied);
        Ok(())
    }

    /// A dry run's account plan: the projection over the records as the run's plan would
    /// leave them (`swept`: the kinds whose absent records it deactivates), with the note a
    /// real run's safety check would give.
    fn plan_accounts(
        &mut self,
        wfm: &str,
        swept: &[Kind],
        report: &mut RunReport,
    ) -> anyhow::Result<()> {
        let view = RecordView::Planned { swept };
        let plan = wfm::project(
            self.store,
            self.flow,
            wfm,
            self.tenant,
            Projection::Preview(view),
        )?;
        let active = self.store.count_active_accounts(wfm, self.tenant)?;
        if let Some(excess) = self.over_threshold(plan.summary.deactivated, active, "accounts") {
            report.notes.push(format!(
                "WFM accounts of store {wfm}: {excess}; a real run would stop for approval"
            ));
        }
        report.accounts = Some(plan);
        Ok(())
    }

    /// How the planned deactivations of `what` exceed the flow's safety limits, if they do.
    fn over_threshold(&self, deactivations: u64, active: u64, what: &str) -> Option<String> {
        let safety = &self.flow.safety;
        let percent = safety.max_deactivation_percent.get() as u64;
        let over_count = deactivations > u64::from(safety.max_deactivations);
        // A first run has nothing active to protect.
        let over_percent = active > 0 && deactivations * 100 > active * percent;
        (over_count || over_percent).then(|| {
            format!(
                "the run would deactivate {deactivations} of {active} active {what}, more than \
                 the flow allows ({} or {percent}%)",
                safety.max_deactivations
            )
        })
    }

    /// Reads every page of one kind into staging.
    async fn read_kind(&mut self, kind: Kind, mode: RunMode) -> anyhow::Result<KindRead> {
        let since = match mode {
            RunMode::Incremental => self
                .store
                .cursor(&self.flow.name, kind)?
                .and_then(|c| c.watermark),
            RunMode::Full | RunMode::Single => None,
        };
        self.progress.start_kind(kind);
        let mut read = KindRead {
            kind,
            invalid: Vec::new(),
            watermark: since.clone(),
            sweep: false,
        };
        let mut cursor: Option<String> = None;
        loop {
            let page = read_page(
                self.connector,
                &self.retry,
                &self.flow.name,
                kind,
                cursor.as_deref(),
                since.as_deref(),
            )
            .await
            .with_context(|| format!("reading {kind} records"))?;
            self.store.stage(kind, &page.items)?;
            self.progress.read(page.items.len() as u64);
            read.invalid.extend(page.invalid);
            if page.watermark.is_some() {
                read.watermark = page.watermark;
            }
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        Ok(read)
    }

    /// Plans and applies the staged records of one kind, then the deactivation of the ones a
    /// complete full read did not return.
    async fn apply_kind(
        &mut self,
        read: &KindRead,
        options: RunOptions,
        report: &mut RunReport,
    ) -> anyhow::Result<()> {
        let kind = read.kind;
        let mut after: Option<String> = None;
        loop {
            let chunk = self.store.staged_chunk(kind, after.as_deref(), CHUNK)?;
            let Some(last) = chunk.last() else { break };
            after = Some(last.id().to_owned());
            let ids: Vec<String> = chunk.iter().map(|e| e.id().to_owned()).collect();
            let stored = self.store.records_by_ids(self.tenant, kind, &ids)?;
            let plan = plan_page(chunk, &[], &stored);
            let counts = RunCounts {
                read: ids.len() as u64,
                unchanged: plan.unchanged,
                ..RunCounts::default()
            };
            let chunk = Chunk {
                kind,
                actions: plan.actions,
                seen: ids,
                counts,
                cursor: None,
            };
            self.commit(chunk, options, report)?;
        }

        let complete = read.invalid.is_empty();
        let mut tail = plan_page(Vec::new(), &read.invalid, &HashMap::new()).actions;
        if read.sweep {
            tail.extend(plan_gone(self.store.unstaged_active(self.tenant, kind)?));
        }
        // The kind's last commit carries the watermark: the read is only behind us once
        // everything it returned is applied. A partial read keeps the old watermark so the
        // records it could not map are read again.
        let cursor = complete.then(|| CursorUpdate {
            page_cursor: None,
            watermark: Some(read.watermark.clone()),
        });
        let chunk = |actions: Vec<PlannedAction>, cursor| Chunk {
            kind,
            actions,
            seen: Vec::new(),
            counts: RunCounts::default(),
            cursor,
        };
        while tail.len() > CHUNK {
            let rest = tail.split_off(CHUNK);
            self.commit(
                chunk(std::mem::replace(&mut tail, rest), None),
                options,
                report,
            )?;
        }
        self.commit(chunk(tail, cursor), options, report)
    }

    /// Counts a chunk of planned actions into the report and, for a real run, commits it.
    fn commit(
        &mut self,
        chunk: Chunk,
        options: RunOptions,
        report: &mut RunReport,
    ) -> anyhow::Result<()> {
        let Chunk {
            kind,
            actions,
            seen,
            mut counts,
            cursor,
        } = chunk;
        for action in &actions {
            match action.action {
                Action::Create => counts.created += 1,
                Action::Update => counts.updated += 1,
                Action::Deactivate => counts.deactivated += 1,
                Action::Reactivate => counts.reactivated += 1,
                Action::Invalid => counts.invalid += 1,
            }
        }
        report.counts += &counts;
        self.progress.applied(actions.len() as u64);
        let mut batch = match (options.dry_run, report.run) {
            (false, Some(run)) => Some(PageBatch::new(run, &self.flow.name, self.tenant, kind)),
            _ => None,
        };
        if let Some(batch) = &mut batch {
            batch.seen = seen;
            batch.counts = counts;
            batch.cursor = cursor;
            batch.log = actions.iter().map(PlannedAction::log_entry).collect();
        }
        for mut action in actions {
            if let (Some(batch), Some(write)) = (&mut batch, action.write.take()) {
                batch.writes.push(write);
            }
            if report.actions.len() < SHOWN_ACTIONS {
                report.actions.push(action);
            } else {
                report.actions_truncated = true;
            }
        }
        if let Some(batch) = batch {
            let empty = batch.writes.is_empty()
                && batch.seen.is_empty()
                && batch.log.is_empty()
                && batch.cursor.is_none()
                && batch.counts.is_zero();
            if !empty {
                self.store.commit_page(&batch)?;
            }
        }
        Ok(())
    }
}
