//! The engine that loads connector components: compile once (or load from the cache), link
//! the host imports, and describe what was loaded.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ccsync_model::Description;
use ccsync_plugin::{Manifest, OriginPattern};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, Store};

use crate::bindings::{self, Plugin, PluginPre};
use crate::cache::{CacheError, CacheOutcome, ComponentCache};
use crate::connector::{Connection, Connector, Fault, begin_call};
use crate::host::{HostState, OriginPolicy};
use crate::limits::{Limits, TICK};
use crate::output::OutputGuard;
use crate::redact::Redactor;
use crate::transport::{NetworkTransport, Transport};

/// Why a plugin could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The plugin file could not be read ([`Runtime::load_file`]).
    #[error("cannot read plugin {path}: {source}")]
    Read {
        /// The plugin file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// wasmtime could not compile the bytes as a component (not a component, or invalid).
    #[error("plugin {source_name} is not a usable component: {message}")]
    Compile {
        /// The plugin as the caller named it (its path, usually).
        source_name: String,
        /// wasmtime's error, with its causes.
        message: String,
    },
    /// The component's imports and exports match no supported version of the
    /// `ccsync:connector` contract.
    #[error(
        "plugin {source_name} cannot be linked against the ccsync:connector contract: {message}"
    )]
    Link {
        /// The plugin as the caller named it (its path, usually).
        source_name: String,
        /// wasmtime's error, with its causes.
        message: String,
    },
    /// The load-time `describe()` call faulted, or its description was over a size limit.
    #[error("plugin {source_name}: describe() failed: {fault}")]
    Describe {
        /// The plugin as the caller named it (its path, usually).
        source_name: String,
        /// Why the sandbox stopped the call.
        fault: Fault,
    },
    /// The plugin's `describe()` disagrees with the manifest verified with its signature.
    #[error("{source_name}: {mismatch}")]
    ManifestMismatch {
        /// The plugin as the caller named it (its path, usually).
        source_name: String,
        /// Where the description and the manifest differ.
        mismatch: ccsync_plugin::ManifestMismatch,
    },
    /// Loaded without a manifest, the plugin's `describe()` declares an origin that is not a
    /// valid origin pattern.
    #[error("plugin {source_name} declares an invalid origin {origin:?}: {reason}")]
    BadOrigin {
        /// The plugin as the caller named it (its path, usually).
        source_name: String,
        /// The origin as the plugin declared it.
        origin: String,
        /// Why it is not a valid origin pattern.
        reason: String,
    },
    /// The compiled-component cache could not be opened ([`Runtime::new`]).
    #[error(transparent)]
    Cache(#[from] CacheError),
    /// The engine, the host imports, the HTTP client or the epoch ticker thread could not be
    /// set up ([`Runtime::new`]); the message says which and why.
    #[error("cannot start the plugin engine: {0}")]
    Engine(String),
}

/// How to build a [`Runtime`].
#[derive(Debug, Clone, Default)]
pub struct RuntimeOptions {
    /// The sandbox limits of every instance.
    pub limits: Limits,
    /// Where compiled components are cached; `None` compiles on every load.
    pub cache_dir: Option<PathBuf>,
}

pub(crate) struct Shared {
    pub(crate) engine: Engine,
    pub(crate) limits: Limits,
    pub(crate) transport: Arc<dyn Transport>,
    linker: Linker<HostState>,
    cache: Option<ComponentCache>,
    _ticker: EpochTicker,
}

/// Loads connector components and creates sandboxed instances of them. Cheap to clone.
#[derive(Clone)]
pub struct Runtime {
    shared: Arc<Shared>,
}

/// Advances the engine's epoch every [`TICK`] until dropped.
struct EpochTicker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    fn start(engine: Engine) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("ccsync-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(TICK);
                    engine.increment_epoch();
                }
            })?;
        Ok(EpochTicker {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Runtime {
    /// Starts a runtime: the engine, the linked host imports, the network transport of
    /// `http.send`, the cache (if `cache_dir` is set) and the epoch ticker thread that drives
    /// CPU deadlines.
    pub fn new(options: RuntimeOptions) -> Result<Self, LoadError> {
        let network = NetworkTransport::new(&options.limits).map_err(LoadError::Engine)?;
        Runtime::with_transport(options, Arc::new(network))
    }

    /// [`Runtime::new`] with another [`Transport`] behind `http.send` (recorded responses,
    /// injected faults): every request still passes the sandbox's checks first.
    pub fn with_transport(
        options: RuntimeOptions,
        transport: Arc<dyn Transport>,
    ) -> Result<Self, LoadError> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        config.wasm_component_model(true);
        let engine = Engine::new(&config).map_err(|e| LoadError::Engine(format!("{e:#}")))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .map_err(|e| LoadError::Engine(format!("{e:#}")))?;
        bindings::add_to_linker(&mut linker).map_err(|e| LoadError::Engine(format!("{e:#}")))?;
        let cache = options.cache_dir.map(ComponentCache::open).transpose()?;
        let ticker = EpochTicker::start(engine.clone())
            .map_err(|e| LoadError::Engine(format!("epoch ticker: {e}")))?;
        Ok(Runtime {
            shared: Arc::new(Shared {
                engine,
                limits: options.limits,
                transport,
                linker,
                cache,
                _ticker: ticker,
            }),
        })
    }

    /// The limits every instance runs under.
    pub fn limits(&self) -> &Limits {
        &self.shared.limits
    }

    /// Reads and loads a plugin file whose manifest is not known (inspection, tests): the
    /// origins it may call are the ones its `describe()` declares.
    pub async fn load_file(&self, path: &Path) -> Result<LoadedPlugin, LoadError> {
        let bytes = std::fs::read(path).map_err(|source| LoadError::Read {
            path: path.to_owned(),
            source,
        })?;
        self.load(&bytes, &path.display().to_string(), None).await
    }

    /// Compiles (or loads from the cache) a component, links it and asks it to describe
    /// itself. `source_name` names the plugin in errors until it has described itself.
    ///
    /// With a `manifest` (the one verified with the component's signature) the origins the
    /// plugin may call are the manifest's, and a `describe()` that disagrees with it (another
    /// name, version or kinds, or an origin the manifest does not declare) refuses the load.
    pub async fn load(
        &self,
        bytes: &[u8],
        source_name: &str,
        manifest: Option<&Manifest>,
    ) -> Result<LoadedPlugin, LoadError> {
        let started = Instant::now();
        let engine = &self.shared.engine;
        let compile = || Component::new(engine, bytes);
        let (component, cache) = match &self.shared.cache {
            Some(cache) => cache.load_or_compile(engine, bytes, compile),
            None => compile().map(|c| (c, CacheOutcome::Miss)),
        }
        .map_err(|e| LoadError::Compile {
            source_name: source_name.to_owned(),
            message: format!("{e:#}"),
        })?;
        let load_time = started.elapsed();
        let pre = self
            .shared
            .linker
            .instantiate_pre(&component)
            .and_then(PluginPre::new)
            .map_err(|e| LoadError::Link {
                source_name: source_name.to_owned(),
                message: format!("{e:#}"),
            })?;
        let mut plugin = LoadedPlugin {
            inner: Arc::new(PluginInner {
                shared: self.shared.clone(),
                pre,
                label: Arc::from(source_name),
                description: None,
                declared: Vec::new(),
                cache,
                load_time,
            }),
        };
        let description = plugin
            .describe()
            .await
            .and_then(|d| {
                let redactor = Redactor::default();
                OutputGuard::new(&self.shared.limits, &redactor)
                    .description(&d)
                    .map_err(Fault::Oversize)?;
                Ok(d)
            })
            .map_err(|fault| LoadError::Describe {
                source_name: source_name.to_owned(),
                fault,
            })?;
        let declared = match manifest {
            Some(manifest) => {
                manifest
                    .check_description(&description)
                    .map_err(|mismatch| LoadError::ManifestMismatch {
                        source_name: source_name.to_owned(),
                        mismatch,
                    })?;
                manifest.origins().to_vec()
            }
            None => description
                .origins
                .iter()
                .map(|origin| {
                    origin
                        .parse::<OriginPattern>()
                        .map_err(|e| LoadError::BadOrigin {
                            source_name: source_name.to_owned(),
                            origin: origin.clone(),
                            reason: e.to_string(),
                        })
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        let inner = Arc::get_mut(&mut plugin.inner).expect("not shared yet");
        inner.label = Arc::from(format!("{}@{}", description.name, description.version));
        inner.description = Some(description);
        inner.declared = declared;
        Ok(plugin)
    }
}

pub(crate) struct PluginInner {
    pub(crate) shared: Arc<Shared>,
    pre: PluginPre,
    pub(crate) label: Arc<str>,
    description: Option<Description>,
    pub(crate) declared: Vec<OriginPattern>,
    cache: CacheOutcome,
    load_time: Duration,
}

/// A loaded, linked connector component; instantiate it per connection with
/// [`LoadedPlugin::connect`]. Cheap to clone.
#[derive(Clone)]
pub struct LoadedPlugin {
    pub(crate) inner: Arc<PluginInner>,
}

impl LoadedPlugin {
    /// What the connector said about itself when it was loaded.
    pub fn description(&self) -> &Description {
        self.inner
            .description
            .as_ref()
            .expect("a loaded plugin has described itself")
    }

    /// The contract version the component speaks (`0.2.0`, `0.1.0`).
    pub fn contract_version(&self) -> &'static str {
        self.inner.pre.version()
    }

    /// `name@version`, as the plugin is named in logs and errors.
    pub fn label(&self) -> &str {
        &self.inner.label
    }

    /// Whether the compiled component came from the cache.
    pub fn cache_outcome(&self) -> &CacheOutcome {
        &self.inner.cache
    }

    pub(crate) fn runtime_limits(&self) -> &Limits {
        &self.inner.shared.limits
    }

    /// How long compiling or loading the compiled component took.
    pub fn load_time(&self) -> Duration {
        self.inner.load_time
    }

    /// A fresh store and instance, under the runtime's limits.
    pub(crate) async fn instantiate(
        &self,
        allowed: Vec<OriginPattern>,
        redactor: Arc<Redactor>,
    ) -> Result<(Store<HostState>, Plugin), Fault> {
        let shared = &self.inner.shared;
        let state = HostState::new(
            self.inner.label.clone(),
            &shared.limits,
            shared.transport.clone(),
            OriginPolicy::new(self.inner.declared.clone(), allowed),
            redactor,
        );
        let mut store = Store::new(&shared.engine, state);
        store.limiter(|state| &mut state.sandbox);
        // What the guest may hand the host in one transfer (a call's arguments, a result):
        // wasmtime copies it into host memory before any of our checks can look at it.
        store
            .set_hostcall_fuel(usize::try_from(shared.limits.max_page_bytes).unwrap_or(usize::MAX));
        store.epoch_deadline_callback(|mut ctx| ctx.data_mut().sandbox.on_tick());
        begin_call(&mut store);
        match self.inner.pre.instantiate_async(&mut store).await {
            Ok(bindings) => Ok((store, bindings)),
            Err(e) => Err(Fault::from_trap(&store, &shared.limits, e)),
        }
    }

    /// Asks a fresh instance (no network, no secrets) to describe itself, under the call's
    /// deadlines.
    async fn describe(&self) -> Result<Description, Fault> {
        let wall = self.inner.shared.limits.wall_timeout;
        let describe = async {
            let (mut store, bindings) = self.instantiate(Vec::new(), Arc::default()).await?;
            begin_call(&mut store);
            match bindings.call_describe(&mut store).await {
                Ok(description) => Ok(description.into()),
                Err(e) => Err(Fault::from_trap(&store, &self.inner.shared.limits, e)),
            }
        };
        tokio::time::timeout(wall, describe)
            .await
            .unwrap_or(Err(Fault::WallDeadline(wall)))
    }

    /// Instantiates the connector for one connection and configures it.
    pub async fn connect(&self, connection: Connection) -> Result<Connector, crate::CallError> {
        Connector::new(self.clone(), connection).await
    }
}
