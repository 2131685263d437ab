//! [`Config`]: loading a config file and reading its validated sections.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{ConfigError, from_toml_error};
use crate::raw::RawConfig;
use crate::secret::{SecretErrors, Secrets};
use crate::sections::{
    ConnectionConfig, Family, FlowConfig, HubStore, PluginConfig, RuntimeLimits,
};
use crate::validate::{Validated, validate};

/// A loaded, validated `ccsync.toml`. Paths in it are absolute; secrets are not yet read (see
/// [`Config::resolve_secrets`]).
#[derive(Debug, Clone)]
pub struct Config {
    file: PathBuf,
    data_dir: PathBuf,
    allow_unsigned: bool,
    runtime: RuntimeLimits,
    plugins: BTreeMap<String, PluginConfig>,
    stores: BTreeMap<String, HubStore>,
    connections: BTreeMap<String, ConnectionConfig>,
    flows: BTreeMap<String, FlowConfig>,
}

impl Config {
    /// Reads and validates the config file at `path`. Relative paths inside it are resolved
    /// against its directory; errors name `path` as given. `engine` lists the rule families the
    /// caller can run: a flow of any other family is refused, naming the flow.
    pub fn load(path: impl AsRef<Path>, engine: &[Family]) -> Result<Config, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::from_str(&text, path, engine)
    }

    /// Validates config `text` as if read from `path`: errors name `path`, and relative paths in
    /// the text are resolved against `path`'s directory. The file itself is not read.
    #[allow(clippy::should_implement_trait)] // `FromStr` has no room for the path.
    pub fn from_str(
        text: &str,
        path: impl AsRef<Path>,
        engine: &[Family],
    ) -> Result<Config, ConfigError> {
        let path = path.as_ref();
        let raw: RawConfig = toml::from_str(text).map_err(|e| from_toml_error(path, text, &e))?;
        let base_dir = base_dir(path)?;
        let Validated {
            data_dir,
            allow_unsigned,
            runtime,
            plugins,
            stores,
            connections,
            flows,
        } = validate(raw, path, text, &base_dir, engine)?;
        Ok(Config {
            file: path.to_path_buf(),
            data_dir,
            allow_unsigned,
            runtime,
            plugins,
            stores,
            connections,
            flows,
        })
    }

    /// The config file, as named when loading.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Where the database, compile cache and trust store live (absolute).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Whether unsigned plugins may be loaded (development only).
    pub fn allow_unsigned(&self) -> bool {
        self.allow_unsigned
    }

    /// The plugin sandbox's limits, from `[runtime]`, defaults applied.
    pub fn runtime(&self) -> &RuntimeLimits {
        &self.runtime
    }

    /// The configured plugins, by name.
    pub fn plugins(&self) -> &BTreeMap<String, PluginConfig> {
        &self.plugins
    }

    /// The plugin configured as `name`; `None` if there is none.
    pub fn plugin(&self, name: &str) -> Option<&PluginConfig> {
        self.plugins.get(name)
    }

    /// The hub stores: the built-in `wfm` and `wfo` plus any declared under `[stores]`.
    pub fn stores(&self) -> &BTreeMap<String, HubStore> {
        &self.stores
    }

    /// The connections, by name.
    pub fn connections(&self) -> &BTreeMap<String, ConnectionConfig> {
        &self.connections
    }

    /// The connection named `name`; `None` if there is none.
    pub fn connection(&self, name: &str) -> Option<&ConnectionConfig> {
        self.connections.get(name)
    }

    /// The flows, defaults applied.
    pub fn flows(&self) -> &BTreeMap<String, FlowConfig> {
        &self.flows
    }

    /// The flow named `name`, defaults applied; `None` if there is none.
    pub fn flow(&self, name: &str) -> Option<&FlowConfig> {
        self.flows.get(name)
    }

    /// Reads every connection's secrets, reporting every one that cannot be read.
    pub fn resolve_secrets(&self) -> Result<Secrets, SecretErrors> {
        let mut secrets = Secrets::default();
        let mut errors = Vec::new();
        for connection in self.connections.values() {
            let mut resolved = BTreeMap::new();
            for secret_ref in &connection.secrets {
                match secret_ref.resolve(&connection.name) {
                    Ok(secret) => {
                        resolved.insert(secret_ref.key.clone(), secret);
                    }
                    Err(e) => errors.push(e),
                }
            }
            secrets.insert(&connection.name, resolved);
        }
        if errors.is_empty() {
            Ok(secrets)
        } else {
            Err(SecretErrors { errors })
        }
    }
}

/// The directory relative paths in the file are resolved against, made absolute so a later
/// change of working directory cannot move the data directory.
fn base_dir(file: &Path) -> Result<PathBuf, ConfigError> {
    let parent = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::path::absolute(parent).map_err(|source| ConfigError::Read {
        path: file.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use ccsync_model::Kind;

    use super::*;
    use crate::secret::{SecretProblem, SecretSource};
    use crate::sections::{HubKind, Percent, Safety, Target};
    use crate::user_field::UserField;

    const MINIMAL: &str = r#"[plugins.cxone-acd]
path = "plugins/cxone-acd.wasm"
[plugins.rc]
path = "/opt/ccsync/rc.wasm"
[connections.acd-east]
plugin = "cxone-acd"
tenant = "east"
[connections.rc-main]
plugin = "rc"
tenant = "main"
[flows.wfm-east]
source = "acd-east"
target = "wfm"
kinds = ["user"]
[flows.wfo-east]
source = "acd-east"
target = "wfo"
kinds = ["team", "security-profile", "user"]
[flows.presence]
source = "acd-east"
target = "rc-main"
family = "presence"
kinds = ["user"]
"#;

    #[test]
    fn defaults_are_applied() {
        let config = Config::from_str(MINIMAL, "/etc/ccsync/ccsync.toml", &Family::ALL).unwrap();
        assert_eq!(config.data_dir(), Path::new("/etc/ccsync/data"));
        assert!(!config.allow_unsigned());
        assert_eq!(
            *config.runtime(),
            RuntimeLimits {
                memory_limit: 256 * 1024 * 1024,
                call_timeout: Duration::from_secs(30),
                wall_timeout: Duration::from_secs(120),
                http_timeout: Duration::from_secs(30),
                max_response_size: 16 * 1024 * 1024,
                max_requests_per_call: 500,
                max_field_size: 64 * 1024,
                max_record_size: 1024 * 1024,
                max_page_size: 64 * 1024 * 1024,
                max_log_message_size: 8 * 1024,
                log_rate: 100,
                log_burst: 1000,
            }
        );
        let flow = config.flow("wfm-east").unwrap();
        assert_eq!(flow.interval, Duration::from_secs(15 * 60));
        assert_eq!(flow.full_every, Duration::from_secs(24 * 60 * 60));
        assert_eq!(
            flow.required_fields,
            [
                UserField::Username,
                UserField::FirstName,
                UserField::LastName,
                UserField::Email,
                UserField::EmployeeId
            ]
        );
        assert_eq!(
            flow.safety,
            Safety {
                max_deactivations: 50,
                max_deactivation_percent: Percent::new(10).unwrap(),
                max_shrink_percent: Percent::new(20).unwrap(),
                quarantine_after: 5,
            }
        );
        assert_eq!(config.stores().len(), 2);
    }

    #[test]
    fn manual_defaults_to_false_only_for_a_wfm_hub_target() {
        let config = Config::from_str(MINIMAL, "ccsync.toml", &Family::ALL).unwrap();
        assert!(!config.flow("wfm-east").unwrap().manual);
        assert!(config.flow("wfo-east").unwrap().manual);
        assert!(config.flow("presence").unwrap().manual);
        let explicit = MINIMAL.replace("target = \"wfm\"\n", "target = \"wfm\"\nmanual = true\n");
        let config = Config::from_str(&explicit, "ccsync.toml", &Family::ALL).unwrap();
        assert!(config.flow("wfm-east").unwrap().manual);
    }

    #[test]
    fn explicit_values_override_defaults() {
        let text = format!(
            "data_dir = \"/var/lib/ccsync\"\nallow_unsigned = true\n\
             [runtime]\nmemory_limit = \"64MiB\"\ncall_timeout = \"5s\"\nhttp_timeout = \"1m\"\n\
             max_response_size = 1048576\nwall_timeout = \"10s\"\nmax_requests_per_call = 7\n\
             max_field_size = \"1KiB\"\nmax_record_size = \"4KiB\"\nmax_page_size = \"1MiB\"\n\
             max_log_message_size = 512\nlog_rate = 5\nlog_burst = 20\n{}",
            MINIMAL.replace(
                "target = \"wfm\"\nkinds = [\"user\"]\n",
                "target = \"wfm\"\nkinds = [\"team\", \"user\"]\ninterval = \"5m\"\nfull_every = \"12h\"\n\
                 required_fields = [\"email\"]\nmax_deactivations = 0\nmax_deactivation_percent = 100\n\
                 max_shrink_percent = 0\nquarantine_after = 1\n",
            )
        );
        let config = Config::from_str(&text, "ccsync.toml", &Family::ALL).unwrap();
        assert_eq!(config.data_dir(), Path::new("/var/lib/ccsync"));
        assert!(config.allow_unsigned());
        assert_eq!(config.runtime().memory_limit, 64 << 20);
        assert_eq!(config.runtime().call_timeout, Duration::from_secs(5));
        assert_eq!(config.runtime().http_timeout, Duration::from_secs(60));
        assert_eq!(config.runtime().max_response_size, 1 << 20);
        assert_eq!(config.runtime().wall_timeout, Duration::from_secs(10));
        assert_eq!(config.runtime().max_requests_per_call, 7);
        assert_eq!(config.runtime().max_field_size, 1 << 10);
        assert_eq!(config.runtime().max_record_size, 4 << 10);
        assert_eq!(config.runtime().max_page_size, 1 << 20);
        assert_eq!(config.runtime().max_log_message_size, 512);
        assert_eq!(
            (config.runtime().log_rate, config.runtime().log_burst),
            (5, 20)
        );
        let flow = config.flow("wfm-east").unwrap();
        assert_eq!(flow.kinds, [Kind::Team, Kind::User]);
        assert_eq!(flow.interval, Duration::from_secs(300));
        assert_eq!(flow.full_every, Duration::from_secs(12 * 3600));
        assert_eq!(flow.required_fields, [UserField::Email]);
        assert_eq!(flow.safety.max_deactivations, 0);
        assert_eq!(flow.safety.max_deactivation_percent.get(), 100);
        assert_eq!(flow.safety.max_shrink_percent.get(), 0);
        assert_eq!(flow.safety.quarantine_after, 1);
    }

    #[test]
    fn relative_paths_resolve_against_the_config_directory() {
        let text = format!(
            "data_dir = \"./state\"\n{MINIMAL}[connections.acd-east.secrets]\nk = {{ file = \"secrets/k\" }}\n"
        );
        let config = Config::from_str(&text, "/srv/cc/ccsync.toml", &Family::ALL).unwrap();
        assert_eq!(config.data_dir(), Path::new("/srv/cc/state"));
        assert_eq!(
            config.plugin("cxone-acd").unwrap().path,
            Path::new("/srv/cc/plugins/cxone-acd.wasm")
        );
        assert_eq!(
            config.plugin("rc").unwrap().path,
            Path::new("/opt/ccsync/rc.wasm")
        );
        let secret = &config.connection("acd-east").unwrap().secrets[0];
        assert_eq!(
            secret.source,
            SecretSource::File(PathBuf::from("/srv/cc/secrets/k"))
        );

        // A bare file name resolves against the working directory, made absolute.
        let config = Config::from_str(MINIMAL, "ccsync.toml", &Family::ALL).unwrap();
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(config.data_dir(), cwd.join("data"));
    }

    #[test]
    fn readme_example_loads_with_every_section() {
        let readme = include_str!("../README.md");
        let start = readme.find("```toml\n").unwrap() + "```toml\n".len();
        let example = &readme[start..start + readme[start..].find("```").unwrap()];
        let config = Config::from_str(example, "/etc/ccsync/ccsync.toml", &Family::ALL).unwrap();
        assert_eq!(config.data_dir(), Path::new("/etc/ccsync/data"));
        assert_eq!(config.stores()["wfm-emea"].kind, HubKind::Wfm);
        let east = config.connection("acd-east").unwrap();
        assert_eq!(east.allowed_origins[0].to_string(), "http://127.0.0.1:8080");
        assert_eq!(east.settings["client-id"], "ccsync");
        assert_eq!(east.secrets.len(), 2);
        let flow = config.flow("wfm-east").unwrap();
        assert_eq!(flow.kinds, [Kind::Team, Kind::SecurityProfile, Kind::User]);
        assert!(!flow.manual);
        assert!(
            matches!(config.flow("presence-east").unwrap().target, Target::Connection(ref c) if c == "rc-main")
        );
    }

    #[test]
    fn handwritten_config_round_trips_through_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ccsync.toml");
        std::fs::write(&path, MINIMAL).unwrap();
        let config = Config::load(&path, &Family::ALL).unwrap();
        assert_eq!(config.file(), path);
        assert_eq!(config.data_dir(), dir.path().join("data"));
        assert_eq!(config.flows().len(), 3);
        assert_eq!(config.connections().len(), 2);
        assert_eq!(config.plugins().len(), 2);
    }

    #[test]
    fn load_errors_name_the_path_as_given() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.toml");
        let err = Config::load(&missing, &Family::ALL).unwrap_err();
        assert!(matches!(err, ConfigError::Read { .. }));
        assert!(
            err.to_string()
                .starts_with(&format!("{}: cannot read config file: ", missing.display())),
            "{err}"
        );

        let path = dir.path().join("ccsync.toml");
        std::fs::write(&path, "[flows.f]\nsource = 1\n").unwrap();
        let err = Config::load(&path, &Family::ALL).unwrap_err();
        assert!(
            err.to_string().starts_with(&format!(
                "{}:2:10: flows.f.source: invalid type",
                path.display()
            )),
            "{err}"
        );
    }

    /// Sets an environment variable for one test. Each test uses its own variable name.
    #[allow(unsafe_code)] // `set_var` is unsafe since edition 2024; see SAFETY below.
    fn set_env(name: &str, value: &str) {
        // SAFETY: std serialises its own environment reads and writes, and nothing in this test
        // binary reads the environment other than through std.
        unsafe { std::env::set_var(name, value) };
    }

    #[cfg(unix)]
    fn write_secret(dir: &Path, name: &str, value: &str, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, value).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn secrets_resolve_from_env_and_file_and_feed_redaction() {
        set_env("CCSYNC_CONFIG_TEST_RESOLVE", "from-env");
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("secrets")).unwrap();
        write_secret(
            &dir.path().join("secrets"),
            "client",
            "from-file-longer\n",
            0o600,
        );
        let path = dir.path().join("ccsync.toml");
        std::fs::write(
            &path,
            format!(
                "{MINIMAL}[connections.acd-east.secrets]\n\
                 access-key = {{ env = \"CCSYNC_CONFIG_TEST_RESOLVE\" }}\n\
                 client-secret = {{ file = \"secrets/client\" }}\n"
            ),
        )
        .unwrap();
        let config = Config::load(&path, &Family::ALL).unwrap();
        let secrets = config.resolve_secrets().unwrap();
        assert_eq!(
            secrets.get("acd-east", "access-key").unwrap().expose(),
            "from-env"
        );
        assert_eq!(
            secrets.get("acd-east", "client-secret").unwrap().expose(),
            "from-file-longer"
        );
        assert!(secrets.connection("rc-main").unwrap().is_empty());
        assert_eq!(secrets.redaction_values(), ["from-file-longer", "from-env"]);
        assert!(!format!("{secrets:?}").contains("from-env"));

        let one = config
            .connection("acd-east")
            .unwrap()
            .resolve_secrets()
            .unwrap();
        assert_eq!(one["access-key"].expose(), "from-env");
    }

    #[cfg(unix)]
    #[test]
    fn world_readable_secret_file_and_unset_env_are_both_reported() {
        let dir = tempfile::tempdir().unwrap();
        write_secret(dir.path(), "open", "value", 0o644);
        let path = dir.path().join("ccsync.toml");
        let text = format!(
            "{MINIMAL}[connections.acd-east.secrets]\n\
             client-secret = {{ file = \"open\" }}\n\
             [connections.rc-main.secrets]\n\
             jwt = {{ env = \"CCSYNC_CONFIG_TEST_NEVER_SET\" }}\n"
        );
        std::fs::write(&path, &text).unwrap();
        let config = Config::load(&path, &Family::ALL).unwrap();
        let err = config.resolve_secrets().unwrap_err();
        assert_eq!(err.errors.len(), 2, "{err}");

        let open = &err.errors[0];
        assert_eq!(
            (open.connection.as_str(), open.key.as_str()),
            ("acd-east", "client-secret")
        );
        assert!(matches!(
            *open.problem,
            SecretProblem::FileTooOpen { mode: 0o644, .. }
        ));
        let line = text
            .lines()
            .position(|l| l.starts_with("client-secret"))
            .unwrap()
            + 1;
        assert_eq!(
            open.to_string(),
            format!(
                "{}:{line}:17: connections.acd-east.secrets.client-secret: secret file {} has mode 0644: it must not be accessible by group or others (chmod 600 it)",
                path.display(),
                dir.path().join("open").display()
            )
        );

        let unset = &err.errors[1];
        assert_eq!(
            (unset.connection.as_str(), unset.key.as_str()),
            ("rc-main", "jwt")
        );
        assert!(
            unset.to_string().ends_with(
                "connections.rc-main.secrets.jwt: environment variable CCSYNC_CONFIG_TEST_NEVER_SET is not set"
            ),
            "{unset}"
        );
        // The failing connection alone reports only its own error.
        assert!(
            config
                .connection("rc-main")
                .unwrap()
                .resolve_secrets()
                .is_err()
        );
    }

    #[test]
    fn empty_env_secret_is_refused() {
        set_env("CCSYNC_CONFIG_TEST_EMPTY", "");
        let text = format!(
            "{MINIMAL}[connections.rc-main.secrets]\njwt = {{ env = \"CCSYNC_CONFIG_TEST_EMPTY\" }}\n"
        );
        let config = Config::from_str(&text, "ccsync.toml", &Family::ALL).unwrap();
        let err = config
            .connection("rc-main")
            .unwrap()
            .resolve_secrets()
            .unwrap_err();
        assert!(
            matches!(*err.problem, SecretProblem::EnvEmpty { .. }),
            "{err}"
        );
    }
}
