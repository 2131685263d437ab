//! Rules D: the push family (the dialer): selected hub records created and updated
//! at a target connection, never deleted or deactivated there.
//!
//! D1 (selection) and D4 (create or update only) are decided here; which group or list a
//! record lands in at the target (D2, D3) is the target connector's mapping of the hub's
//! kinds.

mod act;
pub mod decide;
pub mod report;

use ccsync_config::Family;
use ccsync_store::{RecordView, RunId, Store};

pub use act::external_id;

use super::{Cx, FamilyPlan, Rules, Step};

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
}
