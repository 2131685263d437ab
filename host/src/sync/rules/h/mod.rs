//! Rules H: the hybrid WFO accounts of a hub store, projected from an inContact Central
//! tenant's user records (H1–H4, [`decide`]), with the billing report (H5) and the CSV export
//! (H6) in [`report`], and the operator's acts on an account (lock, deactivate, ...) in
//! `ccsync wfo`.

mod act;
pub mod decide;
pub mod report;

use ccsync_config::{Family, FlowConfig};
use ccsync_model::{Entity, Kind};
use ccsync_store::{AccountBatch, AccountChanges, RecordView, RunId, Store};

pub use act::operate;
use decide::{IWFO_ENABLED, Input, decide, is_wfo_profile};

use super::{Cx, FamilyPlan, Rules, SingleDecision, SingleUser, Step, Subject, TargetAction};

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

    fn any_active(&self, store: &Store, tenant: &str) -> anyhow::Result<bool> {
        Ok(store.any_active_wfo_account(&self.store, tenant)?)
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
    fn single_user(&self) -> Option<&dyn SingleUser> {
        Some(self)
    }
}

impl SingleUser for Wfo {
    fn noun(&self) -> &'static str {
        report::NOUN
    }

    fn matched(&self, store: &Store, tenant: &str, user_id: &str) -> anyhow::Result<String> {
        let account = store
            .wfo_accounts_by_ids(&self.store, tenant, &[user_id])?
            .remove(user_id);
        Ok(match account {
            Some(a) => format!(
                "; WFO account {}/{tenant}/{user_id} ({}{}{})",
                self.store,
                a.status,
                if a.locked { ", locked" } else { "" },
                if a.billed() { ", billed" } else { "" }
            ),
            None => format!("; no WFO account in {}", self.store),
        })
    }

    fn single(
        &self,
        store: &Store,
        flow: &FlowConfig,
        subject: Subject<'_>,
    ) -> anyhow::Result<SingleDecision> {
        let Subject { user, record, team } = subject;
        let (tenant, id) = (record.tenant.as_str(), record.source_id.as_str());
        let existing = store
            .wfo_accounts_by_ids(&self.store, tenant, &[id])?
            .remove(id);
        let profile = match &user.security_profile_id {
            Some(profile) => match store.record(tenant, Kind::SecurityProfile, profile)? {
                Some(stored) => match stored.entity {
                    Entity::SecurityProfile(p) => Some(p.name),
                    _ => None,
                },
                None => None,
            },
            None => None,
        };
        let team_name = team.map(|(t, _)| t.name.as_str());
        let input = Input {
            store: &self.store,
            flow: &flow.name,
            record,
            user,
            team: team_name,
            profile: profile.as_deref(),
            existing: existing.as_ref(),
        };
        let change = decide(&input);
        let wfo_user = profile.as_deref().is_some_and(is_wfo_profile);
        let team_text = match (team_name, team) {
            (Some(name), Some((_, from))) if name == IWFO_ENABLED => {
                format!("team {name:?} ({from}): recorded and billed")
            }
            (Some(name), Some((_, from))) => format!("team {name:?} ({from}): not recorded"),
            _ => "no team the hub knows: not recorded".to_owned(),
        };
        let (in_scope, scope) = match (&existing, wfo_user) {
            (Some(_), _) => (
                true,
                format!("of WFO store {}: has an account; {team_text}", self.store),
            ),
            (None, true) => (
                true,
                format!(
                    "of WFO store {}: a WFO user profile; {team_text}",
                    self.store
                ),
            ),
            (None, false) => (
                false,
                format!(
                    "of WFO store {}: the security profile is neither iWFOUser nor iWFOAdmin, \
                     so the user is no WFO user; the hub record is still synced",
                    self.store
                ),
            ),
        };
        Ok(SingleDecision {
            in_scope,
            scope,
            action: change.as_ref().map(TargetAction::from),
            write: change.map(|change| AccountBatch {
                store: self.store.clone(),
                changes: AccountChanges::Wfo(vec![change]),
            }),
        })
    }
}
