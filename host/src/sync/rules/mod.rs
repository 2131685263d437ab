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

mod walk;

pub use plan::{FamilyPlan, PlanSummary, TargetAction};
pub(crate) use walk::{Chunks, UserWalk, flags_by_id, project_users};

use std::future::Future;
use std::pin::Pin;

use ccsync_config::{Family, FlowConfig};
use ccsync_model::{Team, User};
use ccsync_runtime::Connector;
use ccsync_store::{AccountBatch, RecordState, RecordView, RunId, Store};

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
