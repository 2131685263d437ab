//! The contract's versions, one module each (as Zed's extension host keeps one per WIT
//! version): [`v0_2`] is the latest, whose types alone meet the domain; [`v0_1`] converts the
//! previous version's types to the latest at the boundary. [`Plugin`] is an instance of
//! either, with the latest contract's calls; a call the instance's version lacks answers
//! `unsupported`, as a connector that does not implement it would.

pub(crate) mod v0_1;
pub(crate) mod v0_2;

use wasmtime::Store;
use wasmtime::component::{HasSelf, InstancePre, Linker};

pub(crate) use v0_2::{WitDescription, http, log, wit};

use crate::host::HostState;

/// The contract versions this host loads, newest first.
pub const CONTRACT_VERSIONS: [&str; 2] = ["0.2.0", "0.1.0"];

/// Adds the host imports of every version to `linker`.
pub(crate) fn add_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    v0_2::Plugin::add_to_linker::<_, HasSelf<HostState>>(linker, |state| state)?;
    v0_1::Plugin::add_to_linker::<_, HasSelf<HostState>>(linker, |state| state)
}

/// A linked component of one contract version, ready to instantiate.
pub(crate) enum PluginPre {
    /// Speaks the latest contract.
    V0_2(v0_2::PluginPre<HostState>),
    /// Speaks `ccsync:connector@0.1.0`.
    V0_1(v0_1::PluginPre<HostState>),
}

impl PluginPre {
    /// The component's version, from the connector interface it exports: the latest one it
    /// speaks. The error is the latest version's, which says what the component lacks.
    pub(crate) fn new(pre: InstancePre<HostState>) -> wasmtime::Result<PluginPre> {
        match v0_2::PluginPre::new(pre.clone()) {
            Ok(latest) => Ok(PluginPre::V0_2(latest)),
            Err(error) => v0_1::PluginPre::new(pre)
                .map(PluginPre::V0_1)
                .map_err(|_| error),
        }
    }

    /// The contract version the component speaks.
    pub(crate) fn version(&self) -> &'static str {
        match self {
            PluginPre::V0_2(_) => CONTRACT_VERSIONS[0],
            PluginPre::V0_1(_) => CONTRACT_VERSIONS[1],
        }
    }

    pub(crate) async fn instantiate_async(
        &self,
        store: &mut Store<HostState>,
    ) -> wasmtime::Result<Plugin> {
        Ok(match self {
            PluginPre::V0_2(pre) => Plugin::V0_2(pre.instantiate_async(store).await?),
            PluginPre::V0_1(pre) => Plugin::V0_1(pre.instantiate_async(store).await?),
        })
    }
}

/// An instance of a connector component, of either version.
pub(crate) enum Plugin {
    /// Speaks the latest contract.
    V0_2(v0_2::Plugin),
    /// Speaks `ccsync:connector@0.1.0`.
    V0_1(v0_1::Plugin),
}

/// A call's outcome: a trap, or the connector's answer.
type Call<T> = wasmtime::Result<Result<T, wit::Error>>;

/// The answer of a 0.1.0 component to a call its version lacks.
fn lacks<T>(call: &str) -> Call<T> {
    Ok(Err(wit::Error::Unsupported(format!(
        "the component speaks ccsync:connector@0.1.0, which has no `{call}`"
    ))))
}

impl Plugin {
    pub(crate) async fn call_describe(
        &self,
        store: &mut Store<HostState>,
    ) -> wasmtime::Result<WitDescription> {
        match self {
            Plugin::V0_2(p) => p.ccsync_connector_connector().call_describe(store).await,
            Plugin::V0_1(p) => Ok(p
                .ccsync_connector_connector()
                .call_describe(store)
                .await?
                .into()),
        }
    }

    pub(crate) async fn call_configure(
        &self,
        store: &mut Store<HostState>,
        settings: &[wit::KeyValue],
    ) -> Call<()> {
        match self {
            Plugin::V0_2(p) => {
                p.ccsync_connector_connector()
                    .call_configure(store, settings)
                    .await
            }
            Plugin::V0_1(p) => Ok(p
                .ccsync_connector_connector()
                .call_configure(store, &v0_1::settings(settings))
                .await?
                .map_err(Into::into)),
        }
    }

    pub(crate) async fn call_check(&self, store: &mut Store<HostState>) -> Call<()> {
        match self {
            Plugin::V0_2(p) => p.ccsync_connector_connector().call_check(store).await,
            Plugin::V0_1(p) => Ok(p
                .ccsync_connector_connector()
                .call_check(store)
                .await?
                .map_err(Into::into)),
        }
    }

    pub(crate) async fn call_read(
        &self,
        store: &mut Store<HostState>,
        kind: wit::Kind,
        cursor: Option<&str>,
        since: Option<&str>,
    ) -> Call<wit::Page> {
        match self {
            Plugin::V0_2(p) => {
                p.ccsync_connector_connector()
                    .call_read(store, kind, cursor, since)
                    .await
            }
            Plugin::V0_1(p) => Ok(p
                .ccsync_connector_connector()
                .call_read(store, kind.into(), cursor, since)
                .await?
                .map(Into::into)
                .map_err(Into::into)),
        }
    }

    pub(crate) async fn call_create(
        &self,
        store: &mut Store<HostState>,
        entity: &wit::Entity,
        external_id: &str,
    ) -> Call<String> {
        match self {
            Plugin::V0_2(p) => {
                p.ccsync_connector_connector()
                    .call_create(store, entity, external_id)
                    .await
            }
            Plugin::V0_1(p) => Ok(p
                .ccsync_connector_connector()
                .call_create(store, &entity.clone().into())
                .await?
                .map_err(Into::into)),
        }
    }

    pub(crate) async fn call_update(
        &self,
        store: &mut Store<HostState>,
        id: &str,
        entity: &wit::Entity,
    ) -> Call<()> {
        match self {
            Plugin::V0_2(p) => {
                p.ccsync_connector_connector()
                    .call_update(store, id, entity)
                    .await
            }
            Plugin::V0_1(p) => Ok(p
                .ccsync_connector_connector()
                .call_update(store, id, &entity.clone().into())
                .await?
                .map_err(Into::into)),
        }
    }

    pub(crate) async fn call_deactivate(
        &self,
        store: &mut Store<HostState>,
        kind: wit::Kind,
        id: &str,
    ) -> Call<()> {
        match self {
            Plugin::V0_2(p) => {
                p.ccsync_connector_connector()
                    .call_deactivate(store, kind, id)
                    .await
            }
            Plugin::V0_1(p) => Ok(p
                .ccsync_connector_connector()
                .call_deactivate(store, kind.into(), id)
                .await?
                .map_err(Into::into)),
        }
    }

    pub(crate) async fn call_search_users(
        &self,
        store: &mut Store<HostState>,
        query: &str,
    ) -> Call<Vec<wit::User>> {
        match self {
            Plugin::V0_2(p) => {
                p.ccsync_connector_connector()
                    .call_search_users(store, query)
                    .await
            }
            Plugin::V0_1(p) => Ok(p
                .ccsync_connector_connector()
                .call_search_users(store, query)
                .await?
                .map(|users| users.into_iter().map(Into::into).collect())
                .map_err(Into::into)),
        }
    }

    pub(crate) async fn call_find_by_email(
        &self,
        store: &mut Store<HostState>,
        emails: &[String],
    ) -> Call<Vec<wit::User>> {
        match self {
            Plugin::V0_2(p) => {
                p.ccsync_connector_connector()
                    .call_find_by_email(store, emails)
                    .await
            }
            Plugin::V0_1(p) => Ok(p
                .ccsync_connector_connector()
                .call_find_by_email(store, emails)
                .await?
                .map(|users| users.into_iter().map(Into::into).collect())
                .map_err(Into::into)),
        }
    }

    pub(crate) async fn call_find(
        &self,
        store: &mut Store<HostState>,
        kind: wit::Kind,
        external_id: &str,
    ) -> Call<Option<String>> {
        match self {
            Plugin::V0_2(p) => {
                p.ccsync_connector_connector()
                    .call_find(store, kind, external_id)
                    .await
            }
            Plugin::V0_1(_) => lacks("find"),
        }
    }

    pub(crate) async fn call_get(
        &self,
        store: &mut Store<HostState>,
        kind: wit::Kind,
        id: &str,
    ) -> Call<Option<wit::Entity>> {
        match self {
            Plugin::V0_2(p) => {
                p.ccsync_connector_connector()
                    .call_get(store, kind, id)
                    .await
            }
            Plugin::V0_1(_) => lacks("get"),
        }
    }
}
