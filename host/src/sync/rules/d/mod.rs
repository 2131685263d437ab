//! Rules D: the push family (the dialer): selected hub records created and updated
//! at a target connection, never deleted or deactivated there.
//!
//! Every rule is decided here, in [`decide`]: D1 (selection), D2 and D3 (the group or list a
//! record lands in: the vocabulary is the host's, the target connector maps it onto its
//! platform) and D4 (create or update only).

mod act;
pub mod decide;
pub mod report;

use ccsync_config::{Family, FlowConfig};
use ccsync_store::{RecordView, RunId, Store};

pub use act::{external_id, target_users};

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

    fn notes(&self, store: &Store, flow: &FlowConfig, tenant: &str) -> anyhow::Result<Vec<String>> {
        flow.kinds
            .iter()
            .map(|kind| {
                let summary = store.selection_summary(&flow.name, tenant, kind.as_str())?;
                Ok(report::selection_note(&flow.name, *kind, &summary))
            })
            .collect()
    }

    fn plan<'a>(&'a self, cx: Cx<'a>, view: RecordView<'a>) -> Step<'a, FamilyPlan> {
        Box::pin(act::push(cx, &self.target, view, None))
    }

    fn apply<'a>(&'a self, cx: Cx<'a>, run: RunId) -> Step<'a, FamilyPlan> {
        Box::pin(act::push(cx, &self.target, RecordView::Hub, Some(run)))
    }
}
