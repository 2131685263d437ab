//! Advisory file locks that keep two processes from doing the same work: one `serve` per data
//! directory, and one run of a flow at a time (a `serve` worker and an on-demand `sync` of the
//! same flow exclude each other). The operating system releases a lock when its process dies,
//! so a crash never leaves a flow locked.

use std::fs::{File, TryLockError};
use std::path::Path;

use anyhow::{Context, bail};

/// Takes the lock file at `path` (created if needed), held until the returned file is
/// dropped; `holder` says, in the refusal, who holds it ("another `ccsync serve`").
pub fn try_lock(path: &Path, holder: &str) -> anyhow::Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .with_context(|| format!("opening the lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => {
            bail!("{holder} is running (it holds {})", path.display())
        }
        Err(TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", path.display()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_refuses_a_second_holder_until_released() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("locks/flow.lock");
        let held = try_lock(&path, "a run of flow f").unwrap();
        let err = try_lock(&path, "a run of flow f").unwrap_err().to_string();
        assert!(err.contains("a run of flow f is running"), "{err}");
        drop(held);
        try_lock(&path, "a run of flow f").unwrap();
    }
}
