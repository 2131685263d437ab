//! One run of a flow, whatever its family: read -> stage -> safety -> apply -> family.
//!
//! 1. **Read and stage**: every page of every kind of the flow, through the connector (on a
//!    task of its own, with retries), while this task stages the pages already read: each
//!    record is encoded once and compared by hash with the hub; only a changed one is planned
//!    (its fields old -> new, its log entry) and staged, in the store's staging area (a TEMP
//!    table: nothing durable is written yet). An unchanged record costs no write.
//! 2. **Safety**: how many records the read would deactivate, and how many objects the flow's
//!    rule family would deactivate at its target (its plan over the staged read laid on the
//!    hub); a run over the flow's thresholds on either stops here, having changed nothing,
//!    and one approval covers both.
//! 3. **Apply**: the records a complete full read did not return are deactivated, then the
//!    staged changes are committed in chunks, each in one transaction with its provisioning
//!    log entries and run counters, as planned unless another writer changed one of its
//!    records meanwhile (then the chunk is planned again). A kind's last commit advances its
//!    watermark, so a crash at any instant loses nothing (the next run reads again from the
//!    old watermark) and duplicates nothing (what was applied is unchanged the second time).
//! 4. **Family**: the flow's [`Rules`] act on the hub records at their target.
//!
//! Only a complete full read deactivates records that vanished at the source; a read with
//! invalid records, or one that returned suspiciously fewer records than the last complete
//! full read (`max_shrink_percent`), is partial and deactivates nothing by absence.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use ccsync_config::FlowConfig;
use ccsync_model::{InvalidRecord, Kind, Page};
use ccsync_runtime::Connector;
use ccsync_store::{
    CursorUpdate, Deactivations, PageBatch, RecordStatus, RecordView, RunCounts, RunId, RunMode,
    RunStatus, StagedChange, StagedCommit, StagedRecord, Store,
};
use serde::Serialize;

use super::SHOWN_ACTIONS;
use super::pages::Pages;
use super::plan::{Action, Creations, PlannedAction, plan_gone, plan_page};
use super::progress::Progress;
use super::retry::RetryPolicy;
use super::rules::{self, Cx, FamilyPlan, Rules};

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
    /// The flow's rule family at its target: what the run did there (or, for a dry run or a
    /// run that stopped for approval, would do).
    pub family: Option<FamilyPlan>,
    /// Things the operator should know (a partial read, a safety stop).
    pub notes: Vec<String>,
    pub error: Option<String>,
    #[serde(serialize_with = "seconds")]
    pub elapsed: Duration,
}

impl RunReport {
    /// The report of `run`, which failed before reading anything.
    pub fn failed(flow: &FlowConfig, run: RunId, mode: RunMode, error: String) -> RunReport {
        RunReport {
            flow: flow.name.clone(),
            run: Some(run),
            mode,
            dry_run: false,
            status: RunStatus::Failed,
            counts: RunCounts::default(),
            actions: Vec::new(),
            actions_truncated: false,
            family: None,
            notes: Vec::new(),
            error: Some(error),
            elapsed: Duration::ZERO,
        }
    }
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// One transaction's worth of a run: planned actions, and for a kind's last commit its
/// cursor.
struct Chunk {
    kind: Kind,
    actions: Vec<PlannedAction>,
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
    /// How many records the read staged.
    count: u64,
    /// Whether the read was a full one.
    full: bool,
}

/// Runs one flow against one connector instance.
pub struct FlowRunner<'a> {
    pub store: &'a mut Store,
    /// The source's connector; `None` only while a read has it on its own task.
    pub connector: Option<Connector>,
    pub flow: &'a FlowConfig,
    /// The source connection's tenant: part of every record key.
    pub tenant: &'a str,
    pub retry: RetryPolicy,
    pub progress: &'a Progress,
    /// The flow's target connection, for a family that acts on one.
    pub target: Option<&'a mut Connector>,
}

impl FlowRunner<'_> {
    /// What the flow's family acts with.
    fn cx(&mut self, mode: RunMode) -> Cx<'_> {
        Cx {
            store: self.store,
            flow: self.flow,
            tenant: self.tenant,
            target: self.target.as_deref_mut(),
            retry: self.retry,
            full: mode == RunMode::Full,
        }
    }

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
            family: None,
            notes: Vec::new(),
            error: None,
            elapsed: Duration::ZERO,
        };
        let outcome = match rules::for_flow(self.flow) {
            Ok(rules) => self.read_gate_apply(options, &*rules, &mut report).await,
            Err(e) => Err(e),
        };
        // Released whatever the outcome (an applied read released it before its family
        // acted): a daemon does not hold a stopped run's read until the flow's next run.
        if let Err(e) = self.store.stage_end() {
            tracing::warn!(flow = %self.flow.name, "could not release the staging area: {e:#}");
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

    /// Reads every kind, passes the safety gate, applies the records (a dry run: plans them),
    /// then lets the family act.
    async fn read_gate_apply(
        &mut self,
        options: RunOptions,
        rules: &dyn Rules,
        report: &mut RunReport,
    ) -> anyhow::Result<()> {
        let phase = Instant::now();
        self.store.stage_begin(self.tenant)?;
        let mut reads = Vec::new();
        for kind in self.kinds() {
            reads.push(self.read_kind(kind, options.mode).await?);
        }
        tracing::debug!(flow = %self.flow.name, elapsed = ?phase.elapsed(), "read and staged");
        let phase = Instant::now();

        let full = options.mode == RunMode::Full;
        let mut planned = Deactivations::default();
        for read in &mut reads {
            read.sweep = full && read.invalid.is_empty();
            if read.sweep
                && let Some(note) = self.shrunk(read)?
            {
                read.sweep = false;
                report.status = RunStatus::Partial;
                report.notes.push(note);
            }
            planned.records += self.store.staged_deactivations(self.tenant, read.kind)?;
            if read.sweep {
                planned.records += self.store.count_unstaged_active(self.tenant, read.kind)?;
            }
        }
        // The base of the percentage limit, counted only when the run deactivates records:
        // counting a large tenant's active records is the one cost of an incremental run
        // that grows with the tenant.
        let mut active = 0;
        if planned.records > 0 {
            for read in &reads {
                active += self
                    .store
                    .count(self.tenant, read.kind, RecordStatus::Active)?;
            }
        }
        let swept: Vec<Kind> = reads.iter().filter(|r| r.sweep).map(|r| r.kind).collect();
        // The family's plan over the records as this run will leave them: what the gate
        // counts, and what a dry run shows. A real run needs no preview from a family that
        // never deactivates, nor from one with nothing active at its target (a first sync).
        let can_deactivate = rules.deactivates() && rules.any_active(self.store, self.tenant)?;
        let preview = if options.dry_run || can_deactivate {
            let view = RecordView::Planned { swept: &swept };
            Some(rules.plan(self.cx(options.mode), view).await?)
        } else {
            None
        };
        if let Some(preview) = &preview {
            planned.target = preview.summary.deactivated;
            // The base of the percentage limit, counted only when the family deactivates.
            let target_active = if planned.target > 0 {
                rules.active(self.store, self.tenant)?
            } else {
                0
            };
            if !self.gate(options, planned, active, target_active, preview, report)? {
                report.family = Some(preview.clone());
                return Ok(());
            }
        } else if !self.gate(options, planned, active, 0, &rules.empty_plan(), report)? {
            return Ok(());
        }

        tracing::debug!(flow = %self.flow.name, elapsed = ?phase.elapsed(), "safety gate");
        let phase = Instant::now();
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
        self.store.stage_end()?;
        tracing::debug!(flow = %self.flow.name, elapsed = ?phase.elapsed(), "records applied");
        let phase = Instant::now();
        report.family = match (report.run, preview) {
            (Some(run), _) if !options.dry_run => {
                Some(rules.apply(self.cx(options.mode), run).await?)
            }
            (_, preview) => preview,
        };
        tracing::debug!(flow = %self.flow.name, elapsed = ?phase.elapsed(), "family acted");
        Ok(())
    }

    /// The one safety gate of a run: records at the hub and the family's objects at its
    /// target, each against the flow's limits. Over either, a real run goes on only with an
    /// operator's approval of an earlier run that planned at least as much (one approval
    /// covers both, and only the next run); otherwise it stops, having changed nothing, and
    /// asks for one. A real run spends a pending approval whether it needs it or not. A dry
    /// run only says what a real run would do. Returns whether the run may apply.
    fn gate(
        &mut self,
        options: RunOptions,
        planned: Deactivations,
        active: u64,
        target_active: u64,
        preview: &FamilyPlan,
        report: &mut RunReport,
    ) -> anyhow::Result<bool> {
        let excess: Vec<String> = [
            self.over_threshold(planned.records, active, "records"),
            self.over_threshold(
                planned.target,
                target_active,
                &format!("{} of {}", preview.label, preview.target),
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        let excess = (!excess.is_empty()).then(|| excess.join("; "));
        let run = match report.run {
            Some(run) if !options.dry_run => run,
            _ => {
                if let Some(excess) = excess {
                    let note = match self.store.pending_approval(&self.flow.name)? {
                        Some(a) if a.allows(planned) => format!(
                            "{excess}; approved by the operator (run {}): the next real run \
                             applies it",
                            a.run
                        ),
                        _ => format!("{excess}; a real run would stop for approval"),
                    };
                    report.notes.push(note);
                }
                return Ok(true);
            }
        };
        let approval = self.store.take_approval(&self.flow.name, run)?;
        let Some(excess) = excess else {
            return Ok(true);
        };
        match approval {
            Some(approval) if approval.allows(planned) => {
                report.notes.push(format!(
                    "{excess}; approved by the operator (run {})",
                    approval.run
                ));
                Ok(true)
            }
            _ => {
                self.store.request_approval(run, &self.flow.name, planned)?;
                let reason = format!(
                    "{excess}; the run stopped before changing anything: approve it with \
                     `ccsync approve {run}`"
                );
                report.notes.push(reason.clone());
                report.status = RunStatus::NeedsApproval;
                report.error = Some(reason);
                Ok(false)
            }
        }
    }

    /// Why a full read looks suspiciously short, if it does: it returned fewer records than
    /// the last complete full read of the flow (or, before one, than the hub holds active) by
    /// more than the flow's `max_shrink_percent`. Such a read (a source answering with a
    /// partial list) never deactivates by absence; the next full read, compared with it, does
    /// when the source returns the smaller size again.
    fn shrunk(&self, read: &KindRead) -> anyhow::Result<Option<String>> {
        let (base, what) = match self
            .store
            .cursor(&self.flow.name, read.kind)?
            .and_then(|c| c.full_count)
        {
            Some(count) => (count, "the last complete full read returned"),
            None => (
                self.store
                    .count(self.tenant, read.kind, RecordStatus::Active)?,
                "the hub holds active",
            ),
        };
        let kind = read.kind;
        let count = read.count;
        let limit = u64::from(self.flow.safety.max_shrink_percent.get());
        let shrunk = base > 0 && count < base && (base - count) * 100 > base * limit;
        Ok(shrunk.then(|| {
            format!(
                "the full read returned {count} {kind} records where {what} {base}, a shrink \
                 of more than {limit}%: nothing was deactivated for being absent"
            )
        }))
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
            count: 0,
            full: mode == RunMode::Full,
        };
        // The connector reads on a task of its own while this one stages what it read, so
        // the WebAssembly read and the staging (encoding, hashing, SQLite) overlap on two
        // cores. At most two pages wait between them, so memory stays flat.
        let Some(mut connector) = self.connector.take() else {
            bail!("reading {kind} records: the source connector is already reading");
        };
        let (pages_tx, mut pages_rx) = tokio::sync::mpsc::channel::<Page>(2);
        let (policy, flow) = (self.retry, self.flow.name.clone());
        let reader = tokio::spawn(async move {
            let read = async {
                let mut pages = Pages::new(&mut connector, &policy, &flow, kind, since.as_deref());
                while let Some(page) = pages.next().await? {
                    if pages_tx.send(page).await.is_err() {
                        break; // The stager stopped on an error of its own.
                    }
                }
                anyhow::Ok(())
            }
            .await;
            (connector, read)
        });
        let mut staged = Ok(());
        while let Some(page) = pages_rx.recv().await {
            let count = page.items.len() as u64;
            if let Err(e) = stage_page(self.store, self.tenant, kind, page.items) {
                staged = Err(e);
                break;
            }
            self.progress.read(count);
            read.invalid.extend(page.invalid);
            if page.watermark.is_some() {
                read.watermark = page.watermark;
            }
        }
        drop(pages_rx);
        let (connector, result) = reader
            .await
            .with_context(|| format!("reading {kind} records: the read task failed"))?;
        self.connector = Some(connector);
        staged?;
        result?;
        read.count = self.store.read_count(kind);
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
        // The report shows the first planned actions, read back from staging.
        let room = SHOWN_ACTIONS.saturating_sub(report.actions.len());
        let shown = self.store.staged_log_entries(kind, room)?;
        let staged = self.store.staged_count(kind)?;
        report.actions_truncated |= staged > shown.len() as u64;
        report
            .actions
            .extend(shown.into_iter().filter_map(PlannedAction::from_log_entry));
        let chunk = |actions: Vec<PlannedAction>, cursor| Chunk {
            kind,
            actions,
            counts: RunCounts::default(),
            cursor,
        };
        // The records a complete full read did not return are deactivated first: they are
        // found by walking the hub's active records, before this read's records join them.
        // A chunk at a time, so a tenant that lost most of its records at once never sits in
        // memory whole.
        if read.sweep {
            let mut after: Option<String> = None;
            loop {
                let gone =
                    self.store
                        .unstaged_active(self.tenant, kind, after.as_deref(), CHUNK)?;
                let Some(last) = gone.last() else { break };
                after = Some(last.source_id.clone());
                self.commit(chunk(plan_gone(gone), None), options, report)?;
            }
        }
        match (options.dry_run, report.run) {
            (false, Some(run)) => {
                let mut after: Option<String> = None;
                let target = (run, self.flow.name.as_str(), self.tenant);
                while let Some(commit) =
                    self.store
                        .commit_staged(target, kind, after.as_deref(), CHUNK)?
                {
                    match commit {
                        StagedCommit::Committed { last, counts } => {
                            report.counts += &counts;
                            self.progress.applied(counts.read);
                            after = Some(last);
                        }
                        StagedCommit::Stale { last } => {
                            self.replan(kind, after.as_deref(), &last, options, report)?;
                            after = Some(last);
                        }
                    }
                }
            }
            _ => {
                let counts = self.store.staged_counts(kind)?;
                report.counts += &counts;
                self.progress.applied(counts.read);
            }
        }

        // What the read returned unchanged was never staged: it is counted (read and
        // unchanged) with the kind's last commit.
        let unchanged = read.count.saturating_sub(staged);
        let invalid = plan_page(
            Vec::new(),
            &read.invalid,
            &HashMap::new(),
            Creations::Listed,
        )
        .actions;
        for part in invalid.chunks(CHUNK) {
            self.commit(chunk(part.to_vec(), None), options, report)?;
        }
        // The kind's last commit carries the watermark: the read is only behind us once
        // everything it returned is applied. A partial read keeps the old watermark so the
        // records it could not map are read again. A complete full read also leaves its size,
        // the base of the next full read's shrink guard, whether or not it shrank: one short
        // read never deactivates by absence, and the next full read that confirms the smaller
        // size does (within the deactivation limits), so the guard never sticks.
        let complete = read.invalid.is_empty();
        let cursor = complete.then(|| CursorUpdate {
            page_cursor: None,
            watermark: Some(read.watermark.clone()),
            full_count: read.full.then_some(read.count),
        });
        let mut last = chunk(Vec::new(), cursor);
        last.counts = RunCounts {
            read: unchanged,
            unchanged,
            ..RunCounts::default()
        };
        self.commit(last, options, report)
    }

    /// Plans the staged changes of `kind` after `after` through `last` again, against the hub
    /// as it is now (another writer changed one of their records since the read planned them),
    /// and commits them.
    fn replan(
        &mut self,
        kind: Kind,
        after: Option<&str>,
        last: &str,
        options: RunOptions,
        report: &mut RunReport,
    ) -> anyhow::Result<()> {
        let mut chunk = self.store.staged_chunk(kind, after, CHUNK)?;
        chunk.retain(|staged| staged.entity.id() <= last);
        let ids: Vec<&str> = chunk.iter().map(|s| s.entity.id()).collect();
        let stored = self.store.records_by_ids(self.tenant, kind, &ids)?;
        let read = ids.len() as u64;
        let plan = plan_page(chunk, &[], &stored, Creations::Listed);
        let counts = RunCounts {
            read,
            unchanged: plan.unchanged,
            ..RunCounts::default()
        };
        let chunk = Chunk {
            kind,
            actions: plan.actions,
            counts,
            cursor: None,
        };
        self.commit(chunk, options, report)
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
            batch.counts = counts;
            batch.cursor = cursor;
        }
        for mut action in actions {
            let write = action.write.take();
            // An action the report shows is copied into the log; the others are moved.
            let entry = if report.actions.len() < SHOWN_ACTIONS {
                let entry = batch.is_some().then(|| action.log_entry());
                report.actions.push(action);
                entry
            } else {
                report.actions_truncated = true;
                batch.is_some().then(|| action.into_log_entry())
            };
            if let Some(batch) = &mut batch {
                batch.log.extend(entry);
                batch.writes.extend(write);
            }
        }
        if let Some(batch) = batch {
            let empty = batch.writes.is_empty()
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

/// Plans one page of a read against the hub and stages what it changes: each record is
/// encoded once, compared by hash with what the hub holds, and only a changed one is planned
/// (against its stored version, for the fields it changes) and staged with its log entry.
fn stage_page(
    store: &mut Store,
    tenant: &str,
    kind: Kind,
    items: Vec<ccsync_model::Entity>,
) -> anyhow::Result<()> {
    let ids: Vec<String> = items.iter().map(|e| e.id().to_owned()).collect();
    let known = store.hashes_by_ids(tenant, kind, &ids)?;
    let changed: Vec<StagedRecord> = items
        .into_iter()
        .map(StagedRecord::new)
        .filter(|record| {
            !known.get(record.entity.id()).is_some_and(|(hash, status)| {
                *hash == record.encoded.hash && *status == record.status()
            })
        })
        .collect();
    let stored_ids: Vec<&str> = changed
        .iter()
        .map(|record| record.entity.id())
        .filter(|id| known.contains_key(*id))
        .collect();
    let stored = store.records_by_ids(tenant, kind, &stored_ids)?;
    let changes: Vec<StagedChange> = plan_page(changed, &[], &stored, Creations::Staged)
        .actions
        .into_iter()
        .filter_map(|mut action| {
            let write = action.write.take()?;
            let planned_over = known.get(write.entity.id()).cloned();
            Some(StagedChange {
                log: action.into_log_entry(),
                write,
                planned_over,
            })
        })
        .collect();
    let returned: Vec<&str> = ids.iter().map(String::as_str).collect();
    store.stage(kind, &returned, &changes)?;
    Ok(())
}
