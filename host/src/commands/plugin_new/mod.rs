//! `ccsync plugin new <name> [--lang rust|python] [--dir D]`: writes a connector project that
//! builds with one documented command and passes `ccsync plugin test` against the fixture it
//! ships.
//!
//! It exists because writing a first connector meant reading this repository's build (its
//! `guest` profile, its shared connector-kit, its pinned binding generator) and copying what
//! applied. The project this writes stands alone: the contract as this binary speaks it (so a
//! project speaks the contract of the ccsync that made it), its own build settings, a small
//! but real connector of a fictional JSON API (`GET /users?page=N`) with its tests, a recorded
//! fixture of that API and the kit's settings file. A Rust project gets the connector SDK
//! (`connector-kit`, [`sdk`]) in `sdk/connector-kit`; a Python one, `wit/connector.wit` for
//! componentize-py. The templates are embedded in the binary; [`render`] fills in the name.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{Lang, NewArgs};

mod sdk;

/// The contract, as this binary speaks it: copied into every project.
const CONTRACT: &str = include_str!("../../../../wit/connector.wit");

/// One file of a project: its path in the project, its template, and whether it is run.
struct Template {
    path: &'static str,
    text: &'static str,
    executable: bool,
}

const fn file(path: &'static str, text: &'static str) -> Template {
    Template {
        path,
        text,
        executable: false,
    }
}

/// What both languages ship: the manifest, the kit's settings and the API's fixture.
const COMMON: &[Template] = &[
    file("plugin.toml", include_str!("templates/common/plugin.toml")),
    file("kit.toml", include_str!("templates/common/kit.toml")),
    file(
        "fixture/fixture.json",
        include_str!("templates/common/fixture/fixture.json"),
    ),
    file(
        "fixture/exchanges/0001.json",
        include_str!("templates/common/fixture/exchanges/0001.json"),
    ),
    file(
        "fixture/exchanges/0002.json",
        include_str!("templates/common/fixture/exchanges/0002.json"),
    ),
];

const RUST: &[Template] = &[
    file("Cargo.toml", include_str!("templates/rust/Cargo.toml.tmpl")),
    file("README.md", include_str!("templates/rust/README.md.tmpl")),
    file(".gitignore", include_str!("templates/rust/gitignore")),
    file("src/lib.rs", include_str!("templates/rust/src/lib.rs")),
    file(
        "src/mapping.rs",
        include_str!("templates/rust/src/mapping.rs"),
    ),
    file(
        "tests/fixture.rs",
        include_str!("templates/rust/tests/fixture.rs"),
    ),
];

/// Where a Rust project gets the SDK.
const SDK_DIR: &str = "sdk/connector-kit";

const PYTHON: &[Template] = &[
    file("wit/connector.wit", CONTRACT),
    file("README.md", include_str!("templates/python/README.md.tmpl")),
    file(".gitignore", include_str!("templates/python/gitignore")),
    Template {
        path: "build.sh",
        text: include_str!("templates/python/build.sh"),
        executable: true,
    },
    file(
        "requirements.txt",
        include_str!("templates/python/requirements.txt"),
    ),
    file("app.py", include_str!("templates/python/app.py")),
    file(
        "connector.py",
        include_str!("templates/python/connector.py"),
    ),
    file(
        "tests/test_connector.py",
        include_str!("templates/python/tests/test_connector.py"),
    ),
];

/// Why a project cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    /// The name is not a plugin name.
    #[error(
        "`{0}` is not a connector name: 1 to 64 lowercase letters, digits and `-`, starting with a letter"
    )]
    BadName(String),
    /// The target directory holds files already.
    #[error("{0} exists and is not empty: choose another --dir or remove it")]
    NotEmpty(PathBuf),
    /// The target exists and is not a directory.
    #[error("{0} exists and is not a directory")]
    NotADirectory(PathBuf),
}

/// Checks a connector name as a manifest checks it (it becomes the manifest's, the crate's
/// and describe()'s name).
pub fn check_name(name: &str) -> Result<(), NewError> {
    if ccsync_plugin::is_plugin_name(name) {
        Ok(())
    } else {
        Err(NewError::BadName(name.to_owned()))
    }
}

/// A template with the name filled in: `{{name}}`, `{{crate_name}}` (the name as a Rust crate
/// and its `.wasm` file call it) and `{{env_prefix}}` (for environment variable names).
pub fn render(template: &str, name: &str) -> String {
    template
        .replace("{{name}}", name)
        .replace("{{crate_name}}", &name.replace('-', "_"))
        .replace(
            "{{env_prefix}}",
            &name.replace('-', "_").to_ascii_uppercase(),
        )
}

/// The files of a project in `lang`, rendered for `name`: (path, text, executable). A Rust
/// project's SDK is copied as it is, not rendered.
pub fn project(lang: Lang, name: &str) -> anyhow::Result<Vec<(String, String, bool)>> {
    let own = match lang {
        Lang::Rust => RUST,
        Lang::Python => PYTHON,
    };
    let mut files: Vec<(String, String, bool)> = own
        .iter()
        .chain(COMMON)
        .map(|t| (t.path.to_owned(), render(t.text, name), t.executable))
        .collect();
    if lang == Lang::Rust {
        files.push((format!("{SDK_DIR}/Cargo.toml"), sdk::manifest()?, false));
        files.extend(
            sdk::FILES
                .iter()
                .map(|(path, text)| (format!("{SDK_DIR}/{path}"), (*text).to_owned(), false)),
        );
    }
    Ok(files)
}

/// Refuses a target that exists and is not an empty directory.
fn check_target(dir: &Path) -> Result<(), NewError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                Err(NewError::NotEmpty(dir.to_owned()))
            } else {
                Ok(())
            }
        }
        Err(_) if dir.exists() && !dir.is_dir() => Err(NewError::NotADirectory(dir.to_owned())),
        Err(_) => Ok(()),
    }
}

/// The command: validates, writes the project, and prints what to run next.
pub fn run(args: NewArgs) -> anyhow::Result<ExitCode> {
    check_name(&args.name)?;
    let dir = args.dir.unwrap_or_else(|| PathBuf::from(&args.name));
    check_target(&dir)?;
    let files = project(args.lang, &args.name)?;
    for (path, text, executable) in &files {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        write_new(&target, text, *executable)
            .with_context(|| format!("writing {}", target.display()))?;
    }
    let shown = dir.display();
    let name = &args.name;
    outln!(
        "created the {} connector `{name}` in {shown}/ ({} files)",
        args.lang.as_str(),
        files.len()
    )?;
    for (path, _, _) in files
        .iter()
        .filter(|(path, _, _)| !path.starts_with(SDK_DIR))
    {
        outln!("  {path}")?;
    }
    if args.lang == Lang::Rust {
        outln!(
            "  {SDK_DIR}/ (the connector SDK, {} files)",
            sdk::FILES.len() + 1
        )?;
    }
    let (build, built) = match args.lang {
        Lang::Rust => (
            "cargo build --release --target wasm32-wasip2".to_owned(),
            format!(
                "target/wasm32-wasip2/release/{}.wasm",
                name.replace('-', "_")
            ),
        ),
        Lang::Python => ("./build.sh".to_owned(), format!("{name}.wasm")),
    };
    outln!("next, in {shown}/ (README.md says more):")?;
    outln!("  {build}")?;
    outln!("  ccsync plugin embed-manifest {built} --manifest plugin.toml -o {name}.wasm")?;
    outln!("  ccsync plugin test {name}.wasm --settings kit.toml --fixture fixture")?;
    Ok(ExitCode::SUCCESS)
}

/// Writes a file that must not exist yet (the directory was empty: nothing is overwritten).
fn write_new(path: &Path, text: &str, executable: bool) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(if executable { 0o755 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = executable;
    options.open(path)?.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_manifest_rule() {
        for good in ["acme", "acme-crm", "a1", "x-2-y"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in [
            "", "Acme", "1acme", "-acme", "acme_crm", "acme crm", "ac/me", "é",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_name(&"a".repeat(65)).is_err());
    }

    #[test]
    fn every_template_is_filled_in_and_ships_this_binarys_contract() {
        for (lang, wit_path) in [
            (Lang::Rust, "sdk/connector-kit/wit/connector.wit"),
            (Lang::Python, "wit/connector.wit"),
        ] {
            let files = project(lang, "acme-crm").unwrap();
            for (path, text, _) in files.iter().filter(|(p, _, _)| !p.starts_with(SDK_DIR)) {
                for placeholder in ["{{name}}", "{{crate_name}}", "{{env_prefix}}"] {
                    assert!(!text.contains(placeholder), "{path} keeps {placeholder}");
                }
            }
            let wit = files
                .iter()
                .find(|(path, _, _)| path == wit_path)
                .map(|(_, text, _)| text.as_str());
            assert_eq!(wit, Some(CONTRACT));
            assert!(CONTRACT.contains("package ccsync:connector@0.2.0;"));
        }
        let rust = project(Lang::Rust, "acme-crm").unwrap();
        let cargo = &rust[0].1;
        assert!(cargo.contains("name = \"acme-crm\""), "{cargo}");
        assert!(
            cargo.contains("connector-kit = { path = \"sdk/connector-kit\" }"),
            "{cargo}"
        );
    }

    #[test]
    fn the_manifest_a_project_ships_is_valid_and_names_the_project() {
        let files = project(Lang::Rust, "acme-crm").unwrap();
        let manifest = files
            .iter()
            .find(|(path, _, _)| path == "plugin.toml")
            .map(|(_, text, _)| text.as_str())
            .unwrap_or_default();
        let manifest =
            ccsync_plugin::Manifest::from_toml_str(manifest, "plugin.toml").expect("valid");
        assert_eq!(manifest.name(), "acme-crm");
    }

    #[test]
    fn a_non_empty_target_is_refused_by_name_and_an_empty_one_is_used() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        assert!(check_target(dir.path()).is_ok());
        assert!(check_target(&dir.path().join("new")).is_ok());
        std::fs::write(dir.path().join("keep.txt"), "mine").expect("write");
        let err = check_target(dir.path()).expect_err("refused").to_string();
        assert!(err.contains(&dir.path().display().to_string()), "{err}");
        let err = check_target(&dir.path().join("keep.txt"))
            .expect_err("refused")
            .to_string();
        assert!(err.contains("not a directory"), "{err}");
    }
}
