//! Rules P: the mapping family (presence): hub users linked to the users of a
//! directory connection (RingCentral's), by email and by hand; nothing is written to either
//! platform. P5 (each tenant's own schedule) is every flow's own `interval`.

mod act;

pub use act::BATCH;
pub mod decide;
pub mod report;

use ccsync_config::{Family, FlowConfig};
use ccsync_store::{RecordView, RunId, Store};

use super::{Cx, FamilyPlan, Rules, Step};

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

    fn notes(
        &self,
        store: &Store,
        flow: &FlowConfig,
        _tenant: &str,
    ) -> anyhow::Result<Vec<String>> {
        let counts = store.count_links(&flow.name)?;
        Ok(vec![report::links_note(&flow.name, &counts)])
    }

    fn plan<'a>(&'a self, cx: Cx<'a>, view: RecordView<'a>) -> Step<'a, FamilyPlan> {
        Box::pin(act::map(cx, &self.target, view, None))
    }

    fn apply<'a>(&'a self, cx: Cx<'a>, run: RunId) -> Step<'a, FamilyPlan> {
        Box::pin(act::map(cx, &self.target, RecordView::Hub, Some(run)))
    }
}
