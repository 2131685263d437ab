//! Rules D: the push family (seed 004, the dialer): selected hub records created and updated
//! at a target connection, never deleted or deactivated there.
//!
//! D1 (selection) and D4 (create or update only) are decided here; which group or list a
//! record lands in at the target (D2, D3) is the target connector's mapping of the hub's
//! kinds.

mod act;
pub mod decide;
pub mod report;

use anyhow::bail;
use ccsync_config::{Family, FlowConfig};
use ccsync_store::{RecordView, RunId, Store};

pub use act::external_id;

use super::{Cx, FamilyPlan, Rules, SingleDecision, Step, Subject};

/// The push family, bound to one target connection.
#[derive(Debug, Clone)]
pub struct Dialer {
    target: String,
}

impl Dialer {
    /// The family pushing to connection `target`.
    pub fn new(target: &str) -> Dialer {
        Dialer {
            target: target.to_owned(),
        }
    }
}

impl Rules for Dialer {
    fn family(&self) -> Family {
        Family::Dialer
    }

    fn target(&self) -> &str {
        &self.target
    }

    fn noun(&self) -> &'static str {
        report::NOUN
    }

    fn while_paused(&self) -> Option<&'static str> {
        None
    }

    fn deactivates(&self) -> bool {
        false
    }

    fn empty_plan(&self) -> FamilyPlan {
        FamilyPlan::new(Family::Dialer, report::LABEL, report::NOUN, &self.target)
    }

    fn active(&self, _store: &Store, _tenant: &str) -> anyhow::Result<u64> {
        // Nothing is ever deactivated at the target (rule D4), so no threshold applies.
        Ok(0)
    }

    fn plan<'a>(&'a self, cx: Cx<'a>, view: RecordView<'a>) -> Step<'a, FamilyPlan> {
        Box::pin(act::push(cx, &self.target, view, None))
    }

    fn apply<'a>(&'a self, cx: Cx<'a>, run: RunId) -> Step<'a, FamilyPlan> {
        Box::pin(act::push(cx, &self.target, RecordView::Hub, Some(run)))
    }

    fn matched(&self, _store: &Store, _tenant: &str, _user_id: &str) -> anyhow::Result<String> {
        Ok(String::new())
    }

    fn single(
        &self,
        _store: &Store,
        flow: &FlowConfig,
        _subject: Subject<'_>,
    ) -> anyhow::Result<SingleDecision> {
        bail!(
            "flow {} pushes to connection {}: a single-user sync is for flows into a hub store; \
             run `ccsync sync {}`, which pushes only the selected records that changed",
            flow.name,
            self.target,
            flow.name
        )
    }
}
