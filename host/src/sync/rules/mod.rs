//! The rule families: what a flow does with the hub records once its source is read into them.
//!
//! Every flow runs the same engine (read -> stage -> safety -> apply the records), then hands
//! the hub over to its family, which acts at its own target: W keeps WFM accounts, P links hub
//! users to a directory connection, D pushes records to a target connection, H keeps hybrid
//! WFO accounts.
//! Each family is one folder with the same files (`decide.rs`: the pure rules, unit-tested by
//! rule id; `act.rs`: its I/O on the hub or the target; `report.rs`: how it speaks to the
//! operator) and one [`Rules`] value; the engine, the single-user path and the reports reach
//! a family only through that trait and never name one. Adding a family is adding a folder and
//! a line in [`for_flow`] and [`FAMILIES`].

pub mod d;
pub mod h;
pub mod p;
mod plan;
pub mod w;

pub use plan::{FamilyPlan, PlanSummary, TargetAction};

use std::future::Future;
use std::pin::Pin;

use ccsync_config::{Family, FlowConfig};
use ccsync_model::{Team, User};
use ccsync_runtime::Connector;
use std::collections::HashMap;

use anyhow::Context;
use ccsync_model::{Entity, Kind};
use ccsync_store::{AccountBatch, ProjectionMark, RecordState, RecordView, RunId, Store};

use super::RetryPolicy;

/// A family's step in a run: a future borrowing the run's context (not `Send`: the store's
/// connection is not `Sync`).
pub type Step<'a, T> = Pin<Box<dyn Future<Output = anyhow::Result<T>> + 'a>>;

/// What a family acts with in a run.
pub struct Cx<'a> {
    /// The hub.
    pub store: &'a mut Store,
    /// The flow.
    pub flow: &'a FlowConfig,
    /// The source connection's tenant: part of every record key.
    pub tenant: &'a str,
    /// The flow's target connection, started with its own settings, secrets and allowed
    /// origins, for a family that acts on one (map, push); `None` for a hub target.
    pub target: Option<&'a mut Connector>,
    /// How calls to the target are retried.
    pub retry: RetryPolicy,
    /// Whether the run is a full reconciliation: a family that can also reconciles its
    /// target in full (a mapping reads the whole directory).
    pub full: bool,
}

/// The families this engine runs: the config refuses a flow of any other at load.
pub const FAMILIES: &[Family] = &[Family::Wfm, Family::Wfo, Family::Presence, Family::Dialer];

/// One family's rules, bound to one flow's target.
pub trait Rules {
    /// What pausing the flow means for the people it serves, if the family knows (a WFM
    /// flow: agents cannot see their schedules).
    fn while_paused(&self) -> Option<&'static str>;

    /// Whether the family can deactivate anything at its target. Only such a family's plan is
    /// previewed for the safety gate before a run writes (a family that never deactivates,
    /// such as a push, plans only once).
    fn deactivates(&self) -> bool;

    /// An empty plan of this family at its target.
    fn empty_plan(&self) -> FamilyPlan;

    /// How many objects at the target are active for `tenant`: the base of the flow's
    /// percentage threshold for the family's deactivations.
    fn active(&self, store: &Store, tenant: &str) -> anyhow::Result<u64>;

    /// Whether any object at the target is active for `tenant`: whether the family could
    /// deactivate anything, which decides whether a real run previews its plan for the gate.
    /// A family with many objects answers without counting them.
    fn any_active(&self, store: &Store, tenant: &str) -> anyhow::Result<bool> {
        Ok(self.active(store, tenant)? > 0)
    }

    /// What the family would do over the records `view` shows, writing nothing to the hub or
    /// the target (it may read the target). Over [`RecordView::Planned`] it is a dry run's
    /// plan; the safety gate counts its deactivations before a run writes anything.
    fn plan<'a>(&'a self, cx: Cx<'a>, view: RecordView<'a>) -> Step<'a, FamilyPlan>;

    /// Acts on the hub records (and the target) as `run`, and reports what it did.
    fn apply<'a>(&'a self, cx: Cx<'a>, run: RunId) -> Step<'a, FamilyPlan>;

    /// What the family has to tell the operator about the flow in `ccsync status` (a push
    /// flow's selection; a mapping's links), one line each.
    fn notes(&self, store: &Store, flow: &FlowConfig, tenant: &str) -> anyhow::Result<Vec<String>>;

    /// The family's part in a single-user sync, if it takes part: only a family that keeps
    /// hub accounts does; a sync of one user of a map or push flow is refused before it reads.
    fn single_user(&self) -> Option<&dyn SingleUser> {
        None
    }
}

/// A family's decisions in a single-user sync.
pub trait SingleUser {
    /// What one object of the family at its target is called (`account`).
    fn noun(&self) -> &'static str;

    /// What the family holds for one user now, continuing the `match` step's sentence
    /// (`; WFM account wfm/acme/42 (active)`).
    fn matched(&self, store: &Store, tenant: &str, user_id: &str) -> anyhow::Result<String>;

    /// The family's decision for one user of a single-user sync, from the record as the
    /// record plan leaves it.
    fn single(
        &self,
        store: &Store,
        flow: &FlowConfig,
        subject: Subject<'_>,
    ) -> anyhow::Result<SingleDecision>;
}

/// One user of a single-user sync, as the family sees it.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub user: &'a User,
    /// The hub record as the record plan leaves it.
    pub record: &'a RecordState,
    /// The user's team as the source has it now (the hub's, where the flow reads no teams),
    /// with where it came from.
    pub team: Option<&'a (Team, &'static str)>,
}

/// A family's decision for one user of a single-user sync.
#[derive(Debug, Clone)]
pub struct SingleDecision {
    /// Whether the user is in the family's scope.
    pub in_scope: bool,
    /// Why, for the `scope` step.
    pub scope: String,
    /// The action at the target, for reports.
    pub action: Option<TargetAction>,
    /// What to commit with the user's record, in the same transaction.
    pub write: Option<AccountBatch>,
}

/// The rules that govern `flow`: its family bound to its target. An error only for a family
/// this engine does not run, which the config already refuses at load.
pub fn for_flow(flow: &FlowConfig) -> anyhow::Result<Box<dyn Rules>> {
    match (flow.family, &flow.target) {
        (Family::Wfm, ccsync_config::Target::Hub(store)) => Ok(Box::new(w::Wfm::new(&store.name))),
        (Family::Wfo, ccsync_config::Target::Hub(store)) => Ok(Box::new(h::Wfo::new(&store.name))),
        (Family::Presence, ccsync_config::Target::Connection(target)) => {
            Ok(Box::new(p::Presence::new(target)))
        }
        (Family::Dialer, ccsync_config::Target::Connection(target)) => {
            Ok(Box::new(d::Dialer::new(target)))
        }
        (family, target) => anyhow::bail!(
            "flow {}: family {family} (rules {}) at target {} is not built in this ccsync",
            flow.name,
            family.rules(),
            target.name()
        ),
    }
}

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
