//! How a family walks a tenant's records: in chunks in key order, or only the users changed
//! since its projection last completed, and, applied, with the next chunk decided on a
//! thread of its own while this one commits the last.

use std::collections::HashMap;
use std::sync::mpsc;

use anyhow::{Context, anyhow};
use ccsync_config::Family;
use ccsync_model::{Entity, Kind};
use ccsync_store::{ProjectionMark, RecordState, RecordView, RunId, Store};

/// The records of one kind of a tenant as a view shows them, walked a chunk at a time in id
/// order: every family walks the hub this way, so a tenant of a million users is never held
/// whole.
pub(crate) struct Chunks<'v> {
    view: RecordView<'v>,
    tenant: &'v str,
    kind: Kind,
    size: usize,
    after: Option<String>,
}

impl<'v> Chunks<'v> {
    /// A walk over `kind` of `tenant` in chunks of `size`.
    pub(crate) fn new(view: RecordView<'v>, tenant: &'v str, kind: Kind, size: usize) -> Self {
        Chunks {
            view,
            tenant,
            kind,
            size,
            after: None,
        }
    }

    /// The next chunk; `None` after the last.
    pub(crate) fn next(&mut self, store: &Store) -> anyhow::Result<Option<Vec<RecordState>>> {
        let records = store
            .records_after(
                self.view,
                self.tenant,
                self.kind,
                self.after.as_deref(),
                self.size,
            )
            .with_context(|| {
                format!(
                    "reading the {} records of tenant {}",
                    self.kind, self.tenant
                )
            })?;
        self.after = records.last().map(|last| last.source_id.clone());
        Ok((!records.is_empty()).then_some(records))
    }
}

/// The most user records a projection decides by id; a projection with more changed users
/// walks the tenant whole (in key order, cheaper per record than look-ups by id, and with no
/// id list in memory).
const DELTA_LIMIT: usize = 20_000;

/// The user records a family's projection decides in one run, chunk by chunk: the whole
/// tenant, or only the users that changed since the projection last completed (see
/// `ccsync_store::projections`).
pub(crate) struct UserWalk<'v> {
    walk: Walk<'v>,
    /// Where the projection stands once this walk is decided and written.
    mark: ProjectionMark,
    /// Where it stood before.
    last: Option<ProjectionMark>,
    family: Family,
    store_name: &'v str,
    tenant: &'v str,
}

enum Walk<'v> {
    Whole(Chunks<'v>),
    Ids {
        view: RecordView<'v>,
        tenant: &'v str,
        ids: std::vec::IntoIter<String>,
        size: usize,
    },
}

impl<'v> UserWalk<'v> {
    /// The walk of `family`'s projection of `tenant` into `store_name` as `view` shows it:
    /// only the users changed since the projection's mark, unless there is no mark, it was
    /// made with other settings (`fingerprint`), a record of the `whole_on` kinds changed
    /// (the teams and profiles every user's decision reads), or more than [`DELTA_LIMIT`]
    /// users changed.
    pub(crate) fn start(
        store: &Store,
        view: RecordView<'v>,
        (family, store_name, tenant): (Family, &'v str, &'v str),
        fingerprint: String,
        whole_on: &[Kind],
        size: usize,
    ) -> anyhow::Result<UserWalk<'v>> {
        let mark = ProjectionMark {
            fingerprint,
            through_seq: store.change_seq()?,
        };
        let last = store.projection_mark(family.as_str(), store_name, tenant)?;
        let walk = |walk, mark, last| UserWalk {
            walk,
            mark,
            last,
            family,
            store_name,
            tenant,
        };
        let whole = |mark, last| {
            let chunks = Chunks::new(view, tenant, Kind::User, size);
            Ok(walk(Walk::Whole(chunks), mark, last))
        };
        let since = match &last {
            Some(last) if last.fingerprint == mark.fingerprint => last.through_seq,
            _ => return whole(mark, last),
        };
        for &kind in whole_on {
            if !store
                .ids_changed_in_view(view, tenant, kind, since)?
                .is_empty()
            {
                return whole(mark, last);
            }
        }
        // Counted before the ids are listed, so a large change is never held as an id list.
        let staged = match view {
            RecordView::Planned { swept } => {
                let gone = if swept.contains(&Kind::User) {
                    store.count_unstaged_active(tenant, Kind::User)?
                } else {
                    0
                };
                store.staged_count(Kind::User)? + gone
            }
            RecordView::Hub => 0,
        };
        let changed = store.count_changed_since(tenant, Kind::User, since)?;
        if staged + changed > DELTA_LIMIT as u64 {
            return whole(mark, last);
        }
        let ids = store.ids_changed_in_view(view, tenant, Kind::User, since)?;
        if ids.len() > DELTA_LIMIT {
            return whole(mark, last);
        }
        let ids = Walk::Ids {
            view,
            tenant,
            ids: ids.into_iter(),
            size,
        };
        Ok(walk(ids, mark, last))
    }

    /// Records, once every chunk of the walk is decided and written by `run`, that the
    /// projection has got through the changes this walk covered (a walk that moved nothing
    /// writes nothing).
    pub(crate) fn finish(self, store: &mut Store, run: RunId) -> anyhow::Result<()> {
        if self.last.as_ref() != Some(&self.mark) {
            let family = self.family.as_str();
            store.set_projection_mark(family, self.store_name, self.tenant, &self.mark, run)?;
        }
        Ok(())
    }

    /// Whether the walk reads the hub as stored (rather than as a staged read would leave it).
    fn reads_hub(&self) -> bool {
        let view = match &self.walk {
            Walk::Whole(chunks) => &chunks.view,
            Walk::Ids { view, .. } => view,
        };
        matches!(view, RecordView::Hub)
    }

    /// The next chunk of user records; `None` after the last.
    pub(crate) fn next(&mut self, store: &Store) -> anyhow::Result<Option<Vec<RecordState>>> {
        match &mut self.walk {
            Walk::Whole(chunks) => chunks.next(store),
            Walk::Ids {
                view,
                tenant,
                ids,
                size,
            } => loop {
                let chunk: Vec<String> = ids.by_ref().take(*size).collect();
                if chunk.is_empty() {
                    return Ok(None);
                }
                let records = store
                    .records_by_ids_in_view(*view, tenant, Kind::User, &chunk)
                    .with_context(|| format!("reading the changed users of tenant {tenant}"))?;
                if !records.is_empty() {
                    return Ok(Some(records));
                }
            },
        }
    }
}

/// Records read per chunk by [`flags_by_id`].
const FLAG_CHUNK: usize = 1000;

/// One flag per record of `kind` of `tenant`, by id, as `view` shows them (a team's
/// feature, a profile's permission).
pub(crate) fn flags_by_id(
    store: &Store,
    view: RecordView<'_>,
    tenant: &str,
    kind: Kind,
    flag: impl Fn(Entity) -> Option<(String, bool)>,
) -> anyhow::Result<HashMap<String, bool>> {
    let mut flags = HashMap::new();
    let mut chunks = Chunks::new(view, tenant, kind, FLAG_CHUNK);
    while let Some(chunk) = chunks.next(store)? {
        flags.extend(chunk.into_iter().filter_map(|record| flag(record.entity)));
    }
    Ok(flags)
}

/// Decided chunks that may wait for the writer: the decider runs at most this far ahead, so a
/// projection holds a few chunks whatever the tenant's size.
const PIPELINE_DEPTH: usize = 1;

/// The projection loop of every family that keeps accounts in the hub: walks `walk`'s user
/// records a chunk at a time, decides each chunk with `decide` (its changes, in the order to
/// write them), and, when `run` is set, writes each chunk's changes with `write` in a
/// transaction of their own, then records that the projection got through (see
/// [`UserWalk::finish`]).
///
/// Applied to a store on disk, deciding and writing overlap: this thread reads and decides
/// the next chunk through a [`Store::reader`] while a thread of its own commits the last. That
/// is safe because the chunks are disjoint sets of users and an account's decision reads only
/// its own user's rows: no decision reads what a pending commit writes. (The writer is the one
/// moved to a thread because it allocates little: what the decisions allocate stays in this
/// thread's memory, which a later run reuses.) A preview, which reads the staging area only
/// this connection sees, and a store in memory decide and write in turn on this thread.
pub(crate) fn project_users<C: Send>(
    store: &mut Store,
    mut walk: UserWalk<'_>,
    run: Option<RunId>,
    mut decide: impl FnMut(&Store, Vec<RecordState>) -> anyhow::Result<Vec<C>>,
    mut write: impl FnMut(&mut Store, RunId, Vec<C>) -> anyhow::Result<()> + Send,
) -> anyhow::Result<()> {
    let pipelined = match run {
        Some(run) if walk.reads_hub() => store.reader()?.map(|reader| (run, reader)),
        _ => None,
    };
    let Some((run, reader)) = pipelined else {
        while let Some(records) = walk.next(store)? {
            let changes = decide(store, records)?;
            if let Some(run) = run
                && !changes.is_empty()
            {
                write(store, run, changes)?;
            }
        }
        return match run {
            Some(run) => walk.finish(store, run),
            None => Ok(()),
        };
    };
    let writing = &mut *store;
    std::thread::scope(|scope| {
        let (decided, to_write) = mpsc::sync_channel::<Vec<C>>(PIPELINE_DEPTH);
        let writer = scope.spawn(move || -> anyhow::Result<()> {
            // Returning on an error drops the channel, which stops the decider.
            for changes in to_write {
                write(writing, run, changes)?;
            }
            Ok(())
        });
        let mut decided_all = Ok(());
        loop {
            // The writer ends early only when a write failed: deciding the rest is wasted
            // (chunks without changes never meet the closed channel).
            if writer.is_finished() {
                break;
            }
            let changes = match walk.next(&reader) {
                Ok(Some(records)) => decide(&reader, records),
                Ok(None) => break,
                Err(e) => Err(e),
            };
            match changes {
                Ok(changes) if changes.is_empty() => {}
                // A closed channel means the writer failed: its error is the one reported.
                Ok(changes) => {
                    if decided.send(changes).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    decided_all = Err(e);
                    break;
                }
            }
        }
        drop(decided);
        writer
            .join()
            .map_err(|_| anyhow!("the thread writing the projection's chunks panicked"))??;
        decided_all
    })?;
    walk.finish(store, run)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::thread::{self, ThreadId};

    use ccsync_model::User;
    use ccsync_store::{PageBatch, RecordStatus, RecordWrite, RunMode};

    use super::*;

    const TENANT: &str = "t";
    const WFM: (Family, &str, &str) = (Family::Wfm, "wfm", TENANT);

    /// A store holding users 1..=5 and a run, in memory or in a file of `dir`.
    fn store_with_users(dir: Option<&std::path::Path>) -> (Store, RunId) {
        let mut store = match dir {
            Some(dir) => Store::open(dir.join("ccsync.db")).unwrap(),
            None => Store::open_in_memory().unwrap(),
        };
        let run = store.start_run("f", RunMode::Full, false).unwrap();
        let mut batch = PageBatch::new(run, "f", TENANT, Kind::User);
        batch.writes = (1..=5)
            .map(|id| {
                let user = User {
                    id: id.to_string(),
                    active: true,
                    ..User::default()
                };
                RecordWrite::new(Entity::User(user), RecordStatus::Active)
            })
            .collect();
        store.commit_page(&batch).unwrap();
        (store, run)
    }

    /// Projects the users in chunks of two: each chunk's "changes" are its ids, written
    /// (unless `fail_write` names the chunk) into the returned list, with the threads that
    /// decided and wrote.
    struct Outcome {
        result: anyhow::Result<()>,
        written: Vec<String>,
        deciders: Vec<ThreadId>,
        writers: Vec<ThreadId>,
    }

    fn project(store: &mut Store, run: RunId, fail_decide: usize, fail_write: usize) -> Outcome {
        let walk = UserWalk::start(store, RecordView::Hub, WFM, "v1".into(), &[], 2).unwrap();
        let written = Mutex::new(Vec::new());
        let writers = Mutex::new(Vec::new());
        let mut deciders = Vec::new();
        let mut decided = 0;
        let result = project_users(
            store,
            walk,
            Some(run),
            |_, records| {
                deciders.push(thread::current().id());
                decided += 1;
                if decided == fail_decide {
                    anyhow::bail!("cannot decide chunk {decided}");
                }
                Ok(records.into_iter().map(|r| r.source_id).collect())
            },
            |_, _, ids: Vec<String>| {
                let mut writers = writers.lock().unwrap();
                writers.push(thread::current().id());
                if writers.len() == fail_write {
                    anyhow::bail!("disk full at chunk {fail_write}");
                }
                written.lock().unwrap().extend(ids);
                Ok(())
            },
        );
        Outcome {
            result,
            written: written.into_inner().unwrap(),
            deciders,
            writers: writers.into_inner().unwrap(),
        }
    }

    fn marked(store: &Store) -> bool {
        store
            .projection_mark("wfm", "wfm", TENANT)
            .unwrap()
            .is_some()
    }

    #[test]
    fn an_applied_projection_on_disk_decides_here_while_another_thread_writes_every_chunk() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, run) = store_with_users(Some(dir.path()));
        let out = project(&mut store, run, 0, 0);
        out.result.unwrap();
        assert_eq!(out.written, ["1", "2", "3", "4", "5"]);
        assert!(out.deciders.iter().all(|t| *t == thread::current().id()));
        assert!(out.writers.iter().all(|t| *t != thread::current().id()));
        assert!(marked(&store), "the projection's mark is recorded");
    }

    #[test]
    fn a_projection_in_memory_decides_and_writes_in_turn_on_this_thread() {
        let (mut store, run) = store_with_users(None);
        let out = project(&mut store, run, 0, 0);
        out.result.unwrap();
        assert_eq!(out.written, ["1", "2", "3", "4", "5"]);
        assert!(out.writers.iter().all(|t| *t == thread::current().id()));
        assert!(marked(&store));
    }

    #[test]
    fn a_failed_write_is_the_error_reported_nothing_is_written_after_it_and_no_mark() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, run) = store_with_users(Some(dir.path()));
        let out = project(&mut store, run, 0, 2);
        let error = out.result.unwrap_err().to_string();
        assert_eq!(error, "disk full at chunk 2");
        assert_eq!(out.written, ["1", "2"]);
        assert_eq!(out.writers.len(), 2, "nothing is written after a failure");
        assert!(
            !marked(&store),
            "a failed projection is walked again next run"
        );
    }

    #[test]
    fn a_failed_decision_is_the_error_reported_after_the_chunks_before_it_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, run) = store_with_users(Some(dir.path()));
        let out = project(&mut store, run, 2, 0);
        let error = out.result.unwrap_err().to_string();
        assert_eq!(error, "cannot decide chunk 2");
        assert_eq!(out.written, ["1", "2"]);
        assert!(!marked(&store));
    }
}
