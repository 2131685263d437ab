//! Rules W: the IEX WFM employee accounts of a hub store, projected from a tenant's user
//! records. W1 (nothing is written back to a source) and W2 (scheduled,
//! `manual = false` refusing on-demand runs) hold for the engine as a whole; W3–W6 live here.

mod act;
pub mod decide;
pub mod report;

use ccsync_config::{Family, FlowConfig};
use ccsync_model::{Entity, Kind};
use ccsync_store::{AccountBatch, AccountChanges, RecordView, RunId, Store};

pub use act::Projection;
use act::project;
use decide::{Input, decide, ineligible, is_wfm_team, shows_schedule};

use super::{Cx, FamilyPlan, Rules, SingleDecision, SingleUser, Step, Subject, TargetAction};

/// The WFM family, bound to one WFM hub store.
#[derive(Debug, Clone)]
pub struct Wfm {
    store: String,
}

impl Wfm {
    /// The family keeping the accounts of WFM store `store`.
    pub fn new(store: &str) -> Wfm {
        Wfm {
            store: store.to_owned(),
        }
    }
}

impl Rules for Wfm {
    fn while_paused(&self) -> Option<&'static str> {
        Some(report::WHILE_PAUSED)
    }

    fn deactivates(&self) -> bool {
        true
    }

    fn empty_plan(&self) -> FamilyPlan {
        FamilyPlan::new(Family::Wfm, report::LABEL, report::NOUN, &self.store)
    }

    fn active(&self, store: &Store, tenant: &str) -> anyhow::Result<u64> {
        Ok(store.count_active_accounts(&self.store, tenant)?)
    }

    fn any_active(&self, store: &Store, tenant: &str) -> anyhow::Result<bool> {
        Ok(store.any_active_account(&self.store, tenant)?)
    }

    fn notes(&self, store: &Store, flow: &FlowConfig, tenant: &str) -> anyhow::Result<Vec<String>> {
        let active = self.active(store, tenant)?;
        let mut notes = vec![format!(
            "accounts: {active} active in store {} for tenant {tenant}",
            self.store
        )];
        notes.extend(report::no_teams(flow));
        Ok(notes)
    }

    fn plan<'a>(&'a self, cx: Cx<'a>, view: RecordView<'a>) -> Step<'a, FamilyPlan> {
        let projection = Projection::Preview(view);
        Box::pin(async move { project(cx.store, cx.flow, &self.store, cx.tenant, projection) })
    }

    fn apply<'a>(&'a self, cx: Cx<'a>, run: RunId) -> Step<'a, FamilyPlan> {
        let projection = Projection::Apply(run);
        Box::pin(async move { project(cx.store, cx.flow, &self.store, cx.tenant, projection) })
    }

    fn single_user(&self) -> Option<&dyn SingleUser> {
        Some(self)
    }
}

impl SingleUser for Wfm {
    fn noun(&self) -> &'static str {
        report::NOUN
    }

    fn matched(&self, store: &Store, tenant: &str, user_id: &str) -> anyhow::Result<String> {
        let account = store.account(&self.store, tenant, user_id)?;
        Ok(report::matched(
            &self.store,
            tenant,
            user_id,
            account.as_ref(),
        ))
    }

    fn single(
        &self,
        store: &Store,
        flow: &FlowConfig,
        subject: Subject<'_>,
    ) -> anyhow::Result<SingleDecision> {
        let Subject { user, record, team } = subject;
        let (tenant, id) = (record.tenant.as_str(), record.source_id.as_str());
        let existing = store.account(&self.store, tenant, id)?;
        let last = store
            .last_account_decisions(&self.store, tenant, &[id])?
            .remove(id);
        let profile_shows_schedule = match &user.security_profile_id {
            Some(profile) => match store.record(tenant, Kind::SecurityProfile, profile)? {
                Some(stored) => match stored.entity {
                    Entity::SecurityProfile(p) => Some(shows_schedule(&p.permissions)),
                    _ => None,
                },
                None => None,
            },
            None => None,
        };
        let team_has_wfm = team.is_some_and(|(t, _)| is_wfm_team(t));
        let input = Input {
            store: &self.store,
            flow: &flow.name,
            required: &flow.required_fields,
            record,
            user,
            team_has_wfm,
            profile_shows_schedule,
            existing: existing.as_ref(),
            last_decision: last.as_ref(),
        };
        let change = decide(&input);
        let team_text = report::team_text(user.team_id.as_deref(), team, team_has_wfm);
        let (in_scope, scope) = match ineligible(&input) {
            None => {
                let visible = change
                    .as_ref()
                    .and_then(|c| c.account.as_ref())
                    .or(existing.as_ref())
                    .is_some_and(|a| a.schedule_visible);
                let schedule = if visible {
                    "visible"
                } else {
                    "not visible (no `WFM > MyZone > View Personal Schedule`)"
                };
                (
                    true,
                    format!(
                        "of WFM store {}: {team_text}; schedule {schedule}",
                        self.store
                    ),
                )
            }
            Some(reason) => (
                false,
                format!(
                    "of WFM store {}: {reason} ({team_text}); the hub record is still synced",
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
                changes: AccountChanges::Wfm(vec![change]),
            }),
        })
    }
}

/// The WFM stores the flows of a config keep.
pub fn stores(config: &ccsync_config::Config) -> Vec<&str> {
    let mut stores: Vec<&str> = config
        .flows()
        .values()
        .filter(|flow| flow.family == Family::Wfm)
        .map(|flow| flow.target.name())
        .collect();
    stores.sort_unstable();
    stores.dedup();
    stores
}
