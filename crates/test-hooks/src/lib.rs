//! Test-only hooks for Kuvert's binaries: ways for a test to steer what
//! cannot be driven from outside the process, each read from an environment
//! variable.
//!
//! - [`abort_at`] (`KUVERT_TEST_ABORT_AT`): the CLI aborts at a named send
//!   checkpoint, as `kill -9` would stop it (the crash-recovery tests);
//! - [`disk_full_at`] (`KUVERT_TEST_DISK_FULL_AT`) and [`fill_disk`]: from
//!   a named send checkpoint on, every write the process makes to a file
//!   fails as it would on a full disk (the full-disk tests);
//! - [`slow_seconds`] (`KUVERT_TEST_SLOW_SECONDS`): the desktop app's
//!   built-in test environment holds back its answers about the "slow" test
//!   person this long, longer than a call waits, so a message to them stays
//!   in the Outbox without being handed over (the withdrawal E2E test);
//! - [`save_dir`] (`KUVERT_SAVE_DIR`) and [`open_files`]
//!   (`KUVERT_OPEN_FILES`): the desktop app's native file dialogs, which
//!   WebDriver cannot reach, are answered without being shown (the
//!   end-to-end tests in `tests/e2e/`).
//!
//! Unless the crate's `enabled` feature is on, every hook answers `None` and
//! the variable names are not compiled in at all, so a release binary
//! neither reads them nor contains them (`scripts/test` checks the release
//! binaries for the names).
//!
//! Who turns the hooks on:
//! - `cargo test`: `kuvert-cli` has a dev-dependency on this crate with
//!   `enabled`. Cargo (feature resolver 2) applies a dev-dependency's
//!   features exactly when it builds a package's tests, so the `kuvert`
//!   binary the CLI's integration tests run has the hooks, and a plain
//!   `cargo build` does not;
//! - `scripts/e2e-app`: builds the debug app and CLI with their `test-hooks`
//!   features (`--features kuvert-desktop/test-hooks,kuvert-cli/test-hooks`).
//!
//! ```
//! // A save dialog that a test can answer:
//! fn save_path(suggested_name: &str) -> Option<std::path::PathBuf> {
//!     if let Some(dir) = kuvert_test_hooks::save_dir() {
//!         return Some(dir.join(suggested_name));
//!     }
//!     None // … or whatever the real dialog answers
//! }
//! ```
#![deny(missing_docs)]

use std::path::PathBuf;

/// Whether the hooks are compiled in.
pub const ENABLED: bool = cfg!(feature = "enabled");

/// `KUVERT_TEST_ABORT_AT`: the name of the send checkpoint at which the
/// process is to abort.
pub fn abort_at() -> Option<String> {
    #[cfg(feature = "enabled")]
    {
        std::env::var("KUVERT_TEST_ABORT_AT").ok()
    }
    #[cfg(not(feature = "enabled"))]
    {
        None
    }
}

/// `KUVERT_TEST_DISK_FULL_AT`: the name of the send checkpoint from which
/// the process is to find its disk full ([`fill_disk`]).
pub fn disk_full_at() -> Option<String> {
    #[cfg(feature = "enabled")]
    {
        std::env::var("KUVERT_TEST_DISK_FULL_AT").ok()
    }
    #[cfg(not(feature = "enabled"))]
    {
        None
    }
}

/// From now on every write of this process to a file fails, as on a full
/// disk: the file-size limit (`RLIMIT_FSIZE`) becomes 0, so the kernel
/// refuses each write with `EFBIG`, and the signal it would send first
/// (`SIGXFSZ`) is ignored. Pipes and terminals are not files: the process
/// can still say what happened. Does nothing unless the hooks are enabled
/// (and on systems without the limit).
pub fn fill_disk() {
    #[cfg(all(feature = "enabled", unix))]
    {
        use nix::sys::resource::{setrlimit, Resource};
        use nix::sys::signal::{signal, SigHandler, Signal};
        // SAFETY: ignoring a signal installs no handler code.
        unsafe { signal(Signal::SIGXFSZ, SigHandler::SigIgn) }.expect("ignore SIGXFSZ");
        setrlimit(Resource::RLIMIT_FSIZE, 0, nix::sys::resource::RLIM_INFINITY)
            .expect("set the file-size limit");
    }
}

/// `KUVERT_TEST_SLOW_SECONDS`: how long the built-in test environment
/// holds back answers about its slow test person.
pub fn slow_seconds() -> Option<u64> {
    #[cfg(feature = "enabled")]
    {
        std::env::var("KUVERT_TEST_SLOW_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
    }
    #[cfg(not(feature = "enabled"))]
    {
        None
    }
}

/// `KUVERT_SAVE_DIR`: the directory a save dialog answers with (the file
/// keeps its suggested name).
pub fn save_dir() -> Option<PathBuf> {
    #[cfg(feature = "enabled")]
    {
        std::env::var_os("KUVERT_SAVE_DIR").map(PathBuf::from)
    }
    #[cfg(not(feature = "enabled"))]
    {
        None
    }
}

/// `KUVERT_OPEN_FILES`: the files an open dialog answers with, separated as
/// in `PATH` (`:` on Linux); a dialog that picks one file takes the first.
pub fn open_files() -> Option<Vec<PathBuf>> {
    #[cfg(feature = "enabled")]
    {
        std::env::var_os("KUVERT_OPEN_FILES").map(|paths| std::env::split_paths(&paths).collect())
    }
    #[cfg(not(feature = "enabled"))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cargo test -p kuvert-test-hooks` checks the hooks off; within
    /// `cargo test --workspace` the CLI's dev-dependency turns them on.
    #[test]
    fn the_hooks_answer_from_their_variables_only_when_enabled() {
        std::env::set_var("KUVERT_TEST_ABORT_AT", "stored");
        std::env::set_var("KUVERT_SAVE_DIR", "/tmp/saved");
        std::env::set_var("KUVERT_OPEN_FILES", "/tmp/a.pdf:/tmp/b.pdf");
        if ENABLED {
            assert_eq!(abort_at().as_deref(), Some("stored"));
            assert_eq!(save_dir(), Some(PathBuf::from("/tmp/saved")));
            assert_eq!(
                open_files(),
                Some(vec![
                    PathBuf::from("/tmp/a.pdf"),
                    PathBuf::from("/tmp/b.pdf")
                ])
            );
        } else {
            assert_eq!(abort_at(), None);
            assert_eq!(save_dir(), None);
            assert_eq!(open_files(), None);
        }
    }
}
