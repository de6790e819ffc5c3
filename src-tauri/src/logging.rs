//! The app's log: to standard error, and to `kuvert.log` in the data
//! directory ([`Paths::log_file`](kuvert_core::paths::Paths::log_file)),
//! because the app is started from the desktop, where standard error is
//! lost, and support needs a file to ask for. (The `kuvert` command logs to
//! standard error only: its caller decides where that goes.)
//!
//! `KUVERT_LOG` (or `RUST_LOG`) chooses what is logged, in `tracing`'s
//! filter syntax; by default warnings, and what Kuvert itself reports at
//! info level (moves, imports, keyring changes). Identity numbers are never
//! logged unmasked. A file over [`KEEP_BYTES`] is renamed to `kuvert.log.1`
//! at start, so that at most two files are kept.

use std::fs::File;
use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter};

/// What is logged when neither `KUVERT_LOG` nor `RUST_LOG` says.
pub const DEFAULT_FILTER: &str = "warn,kuvert_core=info,kuvert_store=info,kuvert_desktop=info";

/// The size above which the log file is started afresh (the previous one
/// kept as `kuvert.log.1`).
pub const KEEP_BYTES: u64 = 5 * 1024 * 1024;

/// Starts logging to standard error and to `file` (created with its
/// folder; logging to standard error alone when it cannot be opened).
pub fn init(file: &Path) {
    let filter = EnvFilter::try_from_env("KUVERT_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let to_file = match open(file) {
        Ok(log) => Some(fmt::layer().with_ansi(false).with_writer(Mutex::new(log))),
        Err(error) => {
            eprintln!(
                "Kuvert: cannot write the log file {}: {error}",
                file.display()
            );
            None
        }
    };
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_writer(std::io::stderr))
        .with(to_file)
        .try_init();
}

/// Opens `file` for appending, first renaming a file over [`KEEP_BYTES`].
pub fn open(file: &Path) -> std::io::Result<File> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    if std::fs::metadata(file).is_ok_and(|m| m.len() > KEEP_BYTES) {
        let mut previous = file.as_os_str().to_owned();
        previous.push(".1");
        std::fs::rename(file, previous)?;
    }
    File::options().create(true).append(true).open(file)
}
