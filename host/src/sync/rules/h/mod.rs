//! Rules H: the hybrid WFO accounts of a hub store, projected from an inContact Central
//! tenant's user records (H1–H4, [`decide`]), with the billing report (H5) and the CSV export
//! (H6) in [`report`], and the operator's acts on an account (lock, deactivate, ...) in
//! `ccsync wfo`.

mod act;
pub mod decide;
pub mod report;

use ccsync_config::{Family, FlowConfig};
use ccsync_store::{RecordView, RunId, Store};

pub use act::operate;

use super::{Cx, FamilyPlan, Rules, Step};

/// The WFO hybrid family, bound to one WFO hub store.
#[derive(Debug, Clone)]
pub struct Wfo {
    store: String,
}

impl Wfo {
    /// The family keeping the accounts of WFO store `store`.
    pub fn new(store: &str) -> Wfo {
        Wfo {
            store: store.to_owned(),
        }
    }
}

impl Rules for Wfo {
    fn while_paused(&self) -> Option<&'static str> {
        Some(report::WHILE_PAUSED)
    }

    fn deactivates(&self) -> bool {
        true
    }

    fn empty_plan(&self) -> FamilyPlan {
        FamilyPlan::new(Family::Wfo, report::LABEL, report::NOUN, &self.store)
    }

    fn active(&self, store: &Store, tenant: &str) -> anyhow::Result<u64> {
        Ok(store.count_active_wfo_accounts(&self.store, tenant)?)
    }

    fn notes(
        &self,
        store: &Store,
        _flow: &FlowConfig,
        tenant: &str,
    ) -> anyhow::Result<Vec<String>> {
        let accounts = store.list_wfo_accounts(&self.store, Some(tenant))?;
        let billing = report::billing(&accounts);
        Ok(vec![format!(
            "accounts: {} in store {} for tenant {tenant}; {} billed ({} locked, {} deactivated \
             in WFO but still billed: `ccsync wfo billing`)",
            billing.accounts,
            self.store,
            billing.billed.len(),
            billing.locked,
            billing.deactivated_but_billed
        )])
    }

    fn plan<'a>(&'a self, cx: Cx<'a>, view: RecordView<'a>) -> Step<'a, FamilyPlan> {
        Box::pin(async move { act::project(cx.store, cx.flow, &self.store, cx.tenant, view, None) })
    }

    fn apply<'a>(&'a self, cx: Cx<'a>, run: RunId) -> Step<'a, FamilyPlan> {
        Box::pin(async move {
            act::project(
                cx.store,
                cx.flow,
                &self.store,
                cx.tenant,
                RecordView::Hub,
                Some(run),
            )
        })
    }
}
