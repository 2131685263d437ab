//! Rules P: the mapping family (seed 003, presence): hub users linked to the users of a
//! directory connection (RingCentral's), by email and by hand; nothing is written to either
//! platform. P5 (each tenant's own schedule) is every flow's own `interval`.

mod act;
pub mod decide;
pub mod report;

use anyhow::bail;
use ccsync_config::{Family, FlowConfig};
use ccsync_store::{RecordView, RunId, Store};

use super::{Cx, FamilyPlan, Rules, SingleDecision, Step, Subject};

/// The mapping family, bound to one directory connection.
#[derive(Debug, Clone)]
pub struct Presence {
    target: String,
}

impl Presence {
    /// The family mapping to the directory of connection `target`.
    pub fn new(target: &str) -> Presence {
        Presence {
            target: target.to_owned(),
        }
    }
}

impl Rules for Presence {
    fn family(&self) -> Family {
        Family::Presence
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
        FamilyPlan::new(Family::Presence, report::LABEL, report::NOUN, &self.target)
    }

    fn active(&self, _store: &Store, _tenant: &str) -> anyhow::Result<u64> {
        // A mapping writes nothing anywhere, so no threshold applies.
        Ok(0)
    }

    fn plan<'a>(&'a self, cx: Cx<'a>, view: RecordView<'a>) -> Step<'a, FamilyPlan> {
        Box::pin(act::map(cx, &self.target, view, None))
    }

    fn apply<'a>(&'a self, cx: Cx<'a>, run: RunId) -> Step<'a, FamilyPlan> {
        Box::pin(act::map(cx, &self.target, RecordView::Hub, Some(run)))
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
            "flow {} maps users to connection {}: a single-user sync is for flows into a hub \
             store; run `ccsync sync {}`, or map the user by hand with `ccsync links search` \
             and `ccsync links pin`",
            flow.name,
            self.target,
            flow.name
        )
    }
}
