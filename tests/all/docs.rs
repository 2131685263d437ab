//! The repository's documents cite only files that are in the repository: every relative
//! Markdown link resolves, and nothing names a path of one machine (the wire assumptions live
//! in `sim/ACD-WIRE.md`, not in a notes folder elsewhere).

use std::path::{Path, PathBuf};

/// The repository's root (this test binary belongs to `host/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_owned()
}

/// Every file under `dir` with one of `endings`, outside build output and Git's folder.
fn files(dir: &Path, endings: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !matches!(name.as_str(), "target" | ".git" | "node_modules") {
                files(&path, endings, out);
            }
        } else if endings.iter().any(|e| name.ends_with(e)) {
            out.push(path);
        }
    }
}

/// The targets of the inline links `[text](target)` of a Markdown text.
fn link_targets(text: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        let end = rest.find(')').unwrap_or(rest.len());
        targets.push(rest[..end].to_owned());
        rest = &rest[end..];
    }
    targets
}

#[test]
fn markdown_links_point_at_files_in_the_repository() {
    let root = root();
    let mut docs = Vec::new();
    files(&root, &[".md"], &mut docs);
    assert!(docs.len() > 3, "found the documents: {docs:?}");
    let mut broken = Vec::new();
    for doc in &docs {
        let text = std::fs::read_to_string(doc).unwrap();
        for target in link_targets(&text) {
            let path = target.split('#').next().unwrap_or("").trim();
            if path.is_empty() || path.contains("://") || path.starts_with("mailto:") {
                continue;
            }
            let resolved = doc.parent().unwrap().join(path);
            if !resolved.exists() {
                broken.push(format!("{}: {target}", doc.display()));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "links to files not in the repository: {broken:#?}"
    );
}

#[test]
fn nothing_cites_a_path_of_one_machine() {
    let root = root();
    let mut sources = Vec::new();
    files(&root, &[".md", ".rs", ".toml", ".wit"], &mut sources);
    // Built at run time, so this file does not match itself.
    let machine_paths: Vec<String> = ["work", "root", "home"]
        .iter()
        .map(|top| format!("/{top}/"))
        .collect();
    let outside: Vec<String> = sources
        .iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            machine_paths.iter().any(|m| text.contains(m.as_str()))
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(outside.is_empty(), "{outside:?}");
}
