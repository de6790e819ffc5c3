//! The app's log: to standard error, and to `kuvert.log` in the data
//! directory ([`Paths::log_file`](kuvert_core::paths::Paths::log_file)),
//! because the app is started from the desktop, where standard error is
//! lost, and support needs a file to ask for. (The `kuvert` command logs to
//! standard error only: its caller decides where that goes.)
//!
//! What is logged: `KUVERT_LOG` (or `RUST_LOG`), in `tracing`'s filter
//! syntax; otherwise the open profile's `[log] level` for Kuvert's own
//! lines ([`apply_profile_level`]); otherwise [`DEFAULT_FILTER`].
//!
//! Every line passes [`mask_identity_numbers`] on its way to the file and
//! to standard error ([`Masked`]), so an identity number in a fault text
//! from elsewhere is never written whole. The file is started afresh when
//! it passes [`KEEP_BYTES`], at start or while the app runs, the previous
//! one kept as `kuvert.log.1`: at most two files are kept.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use kuvert_protocol::identity::mask_identity_numbers;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, reload, EnvFilter, Registry};

/// What is logged when neither `KUVERT_LOG` nor `RUST_LOG` nor the profile says.
pub const DEFAULT_FILTER: &str = "warn,kuvert_core=info,kuvert_store=info,kuvert_desktop=info";

/// The size above which the log file is started afresh (the previous one
/// kept as `kuvert.log.1`).
pub const KEEP_BYTES: u64 = 5 * 1024 * 1024;

/// The filter, changeable once the profile is open (unless the
/// environment chose it).
static FILTER: OnceLock<reload::Handle<EnvFilter, Registry>> = OnceLock::new();

/// Starts logging to standard error and to `file` (created with its
/// folder; logging to standard error alone when it cannot be opened).
pub fn init(file: &Path) {
    let from_environment = EnvFilter::try_from_env("KUVERT_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .ok();
    let chosen = from_environment.is_some();
    let (filter, handle) =
        reload::Layer::new(from_environment.unwrap_or_else(|| EnvFilter::new(DEFAULT_FILTER)));
    let to_file = match RotatingFile::open(file, KEEP_BYTES) {
        Ok(log) => Some(
            fmt::layer()
                .with_ansi(false)
                .with_writer(Mutex::new(Masked(log))),
        ),
        Err(error) => {
            eprintln!(
                "Kuvert: cannot write the log file {}: {error}",
                file.display()
            );
            None
        }
    };
    let started = tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_writer(|| Masked(std::io::stderr())))
        .with(to_file)
        .try_init();
    if started.is_ok() && !chosen {
        let _ = FILTER.set(handle);
    }
}

/// Logs Kuvert's own lines at the profile's `[log] level` from now on
/// (warnings only for the libraries below it). Nothing changes when the
/// environment chose the filter or the profile names no level.
pub fn apply_profile_level(level: Option<&str>) {
    let (Some(handle), Some(level)) = (FILTER.get(), level) else {
        return;
    };
    let filter = EnvFilter::new(format!(
        "warn,kuvert_core={level},kuvert_store={level},kuvert_desktop={level},kuvert_transport={level}"
    ));
    if let Err(error) = handle.reload(filter) {
        tracing::warn!("the profile's log level could not be applied: {error}");
    }
}

/// A writer whose text has every identity number masked.
pub struct Masked<W>(pub W);

impl<W: Write> Write for Masked<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // tracing's fmt layer hands over one whole line per write.
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(mask_identity_numbers(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// The log file, started afresh (the previous kept as `<file>.1`) when it
/// passes its limit.
pub struct RotatingFile {
    path: PathBuf,
    file: File,
    written: u64,
    limit: u64,
}

impl RotatingFile {
    /// Opens `path` for appending (creating its folder), first moving it
    /// aside when it is over `limit` already.
    pub fn open(path: &Path, limit: u64) -> std::io::Result<RotatingFile> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        if std::fs::metadata(path).is_ok_and(|m| m.len() > limit) {
            std::fs::rename(path, previous(path))?;
        }
        let file = File::options().create(true).append(true).open(path)?;
        let written = file.metadata()?.len();
        Ok(RotatingFile {
            path: path.to_path_buf(),
            file,
            written,
            limit,
        })
    }
}

fn previous(path: &Path) -> PathBuf {
    let mut previous = path.as_os_str().to_owned();
    previous.push(".1");
    previous.into()
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.written > 0 && self.written + buf.len() as u64 > self.limit {
            std::fs::rename(&self.path, previous(&self.path))?;
            self.file = File::options().create(true).append(true).open(&self.path)?;
            self.written = 0;
        }
        let n = self.file.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_numbers_never_reach_the_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kuvert.log");
        let mut log = Masked(RotatingFile::open(&path, KEEP_BYTES).unwrap());
        log.write_all(b"WARN the intermediary said: 19850101-2382 has no mailbox\n")
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("19850101-****"), "{text}");
        assert!(!text.contains("2382"), "{text}");
    }

    #[test]
    fn the_file_starts_afresh_past_its_limit_keeping_one_previous() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kuvert.log");
        let mut log = RotatingFile::open(&path, 100).unwrap();
        for n in 0..5 {
            log.write_all(format!("{n}: {}\n", "x".repeat(40)).as_bytes())
                .unwrap();
        }
        let now = std::fs::read_to_string(&path).unwrap();
        let before = std::fs::read_to_string(previous(&path)).unwrap();
        assert!(now.starts_with("4: "), "{now}");
        assert!(
            before.starts_with("2: ") && before.contains("3: "),
            "{before}"
        );
        assert!(std::fs::metadata(&path).unwrap().len() <= 100);
        // Over the limit at start: moved aside before anything is written.
        drop(log);
        std::fs::write(&path, "y".repeat(150)).unwrap();
        RotatingFile::open(&path, 100).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
        assert_eq!(std::fs::read_to_string(previous(&path)).unwrap().len(), 150);
    }
}
