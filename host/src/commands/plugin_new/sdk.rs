//! The connector SDK (`plugins/connector-kit`) as a Rust project gets it: its sources, its
//! contract and a manifest that builds on its own, written to `sdk/connector-kit` of the
//! project. It is this binary's copy of the SDK, so a project builds with no registry and
//! against the contract of the ccsync that made it.
//!
//! The SDK's `Cargo.toml` takes its versions and settings from the workspace
//! (`version.workspace = true`, `serde = { workspace = true }`); [`manifest`] resolves them
//! from the workspace's `Cargo.toml` as `cargo package` would, so the copy can never drift
//! from what the repository builds and tests.

use anyhow::{Context, bail};
use toml::{Table, Value};

/// The SDK's files below `sdk/connector-kit/`, but its manifest (see [`manifest`]).
pub const FILES: &[(&str, &str)] = &[
    (
        "README.md",
        include_str!("../../../../plugins/connector-kit/README.md"),
    ),
    (
        "wit/connector.wit",
        include_str!("../../../../plugins/connector-kit/wit/connector.wit"),
    ),
    (
        "src/lib.rs",
        include_str!("../../../../plugins/connector-kit/src/lib.rs"),
    ),
    (
        "src/call.rs",
        include_str!("../../../../plugins/connector-kit/src/call.rs"),
    ),
    (
        "src/classify.rs",
        include_str!("../../../../plugins/connector-kit/src/classify.rs"),
    ),
    (
        "src/cursor.rs",
        include_str!("../../../../plugins/connector-kit/src/cursor.rs"),
    ),
    (
        "src/fields.rs",
        include_str!("../../../../plugins/connector-kit/src/fields.rs"),
    ),
    (
        "src/fixture.rs",
        include_str!("../../../../plugins/connector-kit/src/fixture.rs"),
    ),
    (
        "src/grant.rs",
        include_str!("../../../../plugins/connector-kit/src/grant.rs"),
    ),
    (
        "src/guest.rs",
        include_str!("../../../../plugins/connector-kit/src/guest.rs"),
    ),
    (
        "src/host.rs",
        include_str!("../../../../plugins/connector-kit/src/host.rs"),
    ),
    (
        "src/kind.rs",
        include_str!("../../../../plugins/connector-kit/src/kind.rs"),
    ),
    (
        "src/rate_limit.rs",
        include_str!("../../../../plugins/connector-kit/src/rate_limit.rs"),
    ),
    (
        "src/record.rs",
        include_str!("../../../../plugins/connector-kit/src/record.rs"),
    ),
    (
        "src/record/tests.rs",
        include_str!("../../../../plugins/connector-kit/src/record/tests.rs"),
    ),
    (
        "src/record/visit.rs",
        include_str!("../../../../plugins/connector-kit/src/record/visit.rs"),
    ),
    (
        "src/secret.rs",
        include_str!("../../../../plugins/connector-kit/src/secret.rs"),
    ),
    (
        "src/settings.rs",
        include_str!("../../../../plugins/connector-kit/src/settings.rs"),
    ),
    (
        "src/url.rs",
        include_str!("../../../../plugins/connector-kit/src/url.rs"),
    ),
    (
        "src/testing/mod.rs",
        include_str!("../../../../plugins/connector-kit/src/testing/mod.rs"),
    ),
    (
        "src/testing/live.rs",
        include_str!("../../../../plugins/connector-kit/src/testing/live.rs"),
    ),
    (
        "src/testing/replay.rs",
        include_str!("../../../../plugins/connector-kit/src/testing/replay.rs"),
    ),
];

/// The SDK's manifest, as the repository has it.
const SDK_MANIFEST: &str = include_str!("../../../../plugins/connector-kit/Cargo.toml");
/// The workspace's manifest, which holds the SDK's versions and dependency specifications.
const WORKSPACE_MANIFEST: &str = include_str!("../../../../Cargo.toml");

/// The SDK's manifest for a copy outside the workspace: every `workspace = true` replaced by
/// the workspace's value (a dependency keeps its own `optional` and adds its own `features`),
/// and the workspace's lints left out (they are this repository's policy, not the SDK's).
pub fn manifest() -> anyhow::Result<String> {
    let mut sdk: Table = SDK_MANIFEST
        .parse()
        .context("plugins/connector-kit/Cargo.toml")?;
    let workspace: Table = WORKSPACE_MANIFEST.parse().context("Cargo.toml")?;
    let inherited = |path: &[&str]| -> anyhow::Result<&Table> {
        let mut table = &workspace;
        for key in path {
            table = table
                .get(*key)
                .and_then(Value::as_table)
                .with_context(|| format!("the workspace has no [{}]", path.join(".")))?;
        }
        Ok(table)
    };
    let package_fields = inherited(&["workspace", "package"])?;
    let workspace_deps = inherited(&["workspace", "dependencies"])?;
    if let Some(package) = sdk.get_mut("package").and_then(Value::as_table_mut) {
        for (key, value) in package.iter_mut() {
            if is_inherited(value) {
                *value = package_fields
                    .get(key)
                    .with_context(|| format!("the workspace has no package.{key}"))?
                    .clone();
            }
        }
        package.insert("publish".into(), Value::Boolean(false));
    }
    for section in ["dependencies", "dev-dependencies"] {
        let Some(deps) = sdk.get_mut(section).and_then(Value::as_table_mut) else {
            continue;
        };
        for (name, spec) in deps.iter_mut() {
            if is_inherited(spec) {
                *spec = resolve_dependency(name, spec, workspace_deps)?;
            }
        }
    }
    sdk.remove("lints");
    let text = toml::to_string(&sdk).context("writing the SDK's manifest")?;
    Ok(format!(
        "# connector-kit, the ccsync connector SDK, as `ccsync plugin new` wrote it: the SDK of \
         the\n# ccsync that made this project, with the versions its repository builds it \
         with.\n\n{text}"
    ))
}

/// Whether a manifest value is `{ workspace = true, … }` or `x.workspace = true`.
fn is_inherited(value: &Value) -> bool {
    value
        .as_table()
        .and_then(|t| t.get("workspace"))
        .and_then(Value::as_bool)
        == Some(true)
}

/// A dependency's specification: the workspace's, with the SDK's own `optional` and
/// `features` (added to the workspace's features, as cargo does).
fn resolve_dependency(name: &str, own: &Value, workspace: &Table) -> anyhow::Result<Value> {
    let Some(base) = workspace.get(name) else {
        bail!("the workspace has no dependency `{name}`");
    };
    let mut spec = match base {
        Value::String(version) => {
            let mut t = Table::new();
            t.insert("version".into(), Value::String(version.clone()));
            t
        }
        Value::Table(t) => t.clone(),
        other => bail!("the workspace's `{name}` is not a dependency: {other}"),
    };
    if spec.contains_key("path") {
        bail!("the SDK may depend on registry crates only, not on the workspace's `{name}`");
    }
    let own = own.as_table().cloned().unwrap_or_default();
    if let Some(optional) = own.get("optional") {
        spec.insert("optional".into(), optional.clone());
    }
    if let Some(Value::Array(extra)) = own.get("features") {
        let features = spec
            .entry("features")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(features) = features {
            for feature in extra {
                if !features.contains(feature) {
                    features.push(feature.clone());
                }
            }
        }
    }
    Ok(Value::Table(spec))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn sdk_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/connector-kit")
    }

    /// Every file of the SDK's sources, relative to its directory.
    fn sources(dir: &Path, prefix: &str, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            if path.is_dir() {
                sources(&path, &format!("{prefix}{name}/"), out);
            } else {
                out.push(format!("{prefix}{name}"));
            }
        }
    }

    #[test]
    fn every_source_file_of_the_sdk_is_shipped_with_a_new_project() {
        let mut on_disk = Vec::new();
        sources(&sdk_dir().join("src"), "src/", &mut on_disk);
        sources(&sdk_dir().join("wit"), "wit/", &mut on_disk);
        on_disk.push("README.md".into());
        on_disk.sort();
        let mut shipped: Vec<String> = FILES.iter().map(|(path, _)| path.to_string()).collect();
        shipped.sort();
        assert_eq!(shipped, on_disk, "add the SDK's new files to sdk::FILES");
    }

    #[test]
    fn the_sdk_carries_the_repository_contract() {
        let contract = include_str!("../../../../wit/connector.wit");
        let (_, carried) = FILES
            .iter()
            .find(|(path, _)| *path == "wit/connector.wit")
            .unwrap();
        assert_eq!(
            *carried, contract,
            "plugins/connector-kit/wit/connector.wit differs from wit/connector.wit: copy it over"
        );
    }

    #[test]
    fn the_sdk_manifest_resolves_the_workspace_versions_and_keeps_its_own_features() {
        let text = manifest().unwrap();
        let parsed: Table = text.parse().unwrap();
        assert!(!text.contains("workspace"), "{text}");
        assert_eq!(parsed["package"]["name"].as_str(), Some("connector-kit"));
        assert_eq!(
            parsed["package"]["version"].as_str(),
            Some(env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(parsed["package"]["publish"].as_bool(), Some(false));
        let deps = &parsed["dependencies"];
        assert_eq!(deps["wit-bindgen"]["version"].as_str(), Some("0.63"));
        assert_eq!(deps["tokio"]["optional"].as_bool(), Some(true));
        let tokio_features = deps["tokio"]["features"].as_array().unwrap();
        assert!(tokio_features.contains(&Value::from("rt")));
        assert!(parsed.get("lints").is_none());
        assert!(parsed["features"]["test-support"].as_array().is_some());
    }
}
