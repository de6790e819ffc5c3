//! Where Kuvert keeps its files: [`Paths`], the one source of the data
//! directory (the same for the desktop app and the `kuvert` command), the
//! store and Outbox lock in it, the profile files read, the certificate
//! store and the log file.
//!
//! The data directory is, in this order:
//!
//! 1. the directory given to the shell (`kuvert --data-dir DIR`),
//! 2. `KUVERT_DATA_DIR`,
//! 3. on Linux and other XDG systems `$XDG_DATA_HOME/kuvert` (when
//!    `XDG_DATA_HOME` is an absolute path, as the XDG specification
//!    requires), else `$HOME/.local/share/kuvert`; on Windows and macOS the
//!    platform's local data folder (`%LOCALAPPDATA%\kuvert`,
//!    `~/Library/Application Support/kuvert`).
//!
//! The XDG rules are read through a lookup seam (as
//! [`ProfileLocations`] reads them) so that tests need not change the
//! process environment; the platform folders come from the `dirs` crate.
//!
//! The desktop app used to keep its store in Tauri's app data folder
//! (`…/se.kuvert.desktop`); [`Paths::prepare`] moves what it finds
//! there into the data directory once (see [`legacy`]).
//!
//! ```
//! use std::path::{Path, PathBuf};
//! use kuvert_core::paths::{DataDirSource, Paths};
//!
//! let paths = Paths::from_lookup(None, |name| match name {
//!     "HOME" => Some(PathBuf::from("/home/handlaggare")),
//!     _ => None,
//! })?;
//! assert_eq!(paths.data_dir(), Path::new("/home/handlaggare/.local/share/kuvert"));
//! assert_eq!(paths.source(), DataDirSource::Default);
//! assert_eq!(paths.database(), Path::new("/home/handlaggare/.local/share/kuvert/kuvert.sqlite"));
//! assert_eq!(
//!     paths.legacy_dir(),
//!     Some(Path::new("/home/handlaggare/.local/share/se.kuvert.desktop"))
//! );
//! # Ok::<(), kuvert_core::paths::DataDirError>(())
//! ```

pub mod legacy;
pub mod network;

use std::path::{Path, PathBuf};

use crate::profile::{ProfileFile, ProfileLocations};

pub use legacy::{Legacy, LegacyState, Prepared};

/// The environment variable that names the data directory.
pub const DATA_DIR_VARIABLE: &str = "KUVERT_DATA_DIR";
/// The data directory's name inside the platform's data folder.
pub const DATA_DIR_NAME: &str = "kuvert";
/// The desktop app's old data folder's name (Tauri's app identifier).
pub const LEGACY_DIR_NAME: &str = "se.kuvert.desktop";
/// The store, in the data directory.
pub const DATABASE_FILE: &str = "kuvert.sqlite";
/// The desktop app's built-in test environment (its certificates, records
/// and profile), in the data directory.
pub const TEST_ENVIRONMENT_DIR: &str = "testmiljo";
/// The built-in test environment's own store (test sends never mix with
/// real ones), in the data directory.
pub const TEST_ENVIRONMENT_DATABASE: &str = "testmiljo.sqlite";
/// The desktop app's log file, in the data directory.
pub const LOG_FILE: &str = "kuvert.log";
/// The desktop window's browser storage (WebKit's caches), in the data
/// directory.
pub const WEBVIEW_DIR: &str = "webview";

/// Where the data directory came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataDirSource {
    /// Given to the shell (`kuvert --data-dir`), or by a caller
    /// ([`Paths::in_dir`]).
    CommandLine,
    /// `KUVERT_DATA_DIR`.
    Environment,
    /// The platform's standard place.
    Default,
}

impl DataDirSource {
    /// The source's name as `kuvert paths` prints it.
    pub fn code(self) -> &'static str {
        match self {
            DataDirSource::CommandLine => "command_line",
            DataDirSource::Environment => "environment",
            DataDirSource::Default => "default",
        }
    }
}

/// Why the data directory cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataDirError {
    /// Neither `KUVERT_DATA_DIR`, `XDG_DATA_HOME` nor a home folder is known.
    #[error("there is no folder for Kuvert's data (no home folder is known); set {DATA_DIR_VARIABLE} to one")]
    NoDataDir,
    /// A file or folder of the data directory (or of the one-time move into
    /// it) could not be read or written.
    #[error("{}: {source}", path.display())]
    File {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The old app folder's store could not be taken for the move: another
    /// program (an older Kuvert) has it open. Nothing was moved.
    #[error("Kuvert's data in {} must move to {} once, but an older Kuvert has it open; close every Kuvert window and command, then try again", from.display(), to.display())]
    InUse {
        /// The store in the old folder.
        from: PathBuf,
        /// The data directory.
        to: PathBuf,
    },
    /// The data directory is on a network share, where the store's
    /// write-ahead log does not work ([`network`]). Nothing was opened.
    #[error("Kuvert's data folder {} is on a network share ({file_system}); Kuvert keeps its store on this computer's own disk, because the store cannot work safely over a network share. Set {DATA_DIR_VARIABLE} to a folder on the local disk, or ask IT to keep Kuvert's folder out of folder redirection", dir.display())]
    NetworkShare {
        /// The data directory.
        dir: PathBuf,
        /// Which network file system.
        file_system: &'static str,
    },
    /// The old app folder's store could not be opened for the move.
    #[error("Kuvert's data in {} could not be moved: {source}", from.display())]
    Store {
        /// The store in the old folder.
        from: PathBuf,
        /// What the store said.
        source: kuvert_store::StoreError,
    },
}

impl DataDirError {
    pub(crate) fn file(path: &Path) -> impl FnOnce(std::io::Error) -> DataDirError + '_ {
        move |source| DataDirError::File {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Where Kuvert keeps its files, for one user (see the [module
/// documentation](self)). Building one reads nothing on disk;
/// [`Paths::prepare`] creates the data directory before a store is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    data_dir: PathBuf,
    source: DataDirSource,
    legacy_dir: Option<PathBuf>,
    profile: ProfileLocations,
    explicit_profile: Option<PathBuf>,
}

impl Paths {
    /// The paths from this process's environment; `option` is a data
    /// directory given to the shell, if any.
    ///
    /// # Errors
    ///
    /// [`DataDirError::NoDataDir`] when no data directory can be found.
    pub fn from_environment(option: Option<PathBuf>) -> Result<Paths, DataDirError> {
        Paths::from_lookup(option, |name| std::env::var_os(name).map(PathBuf::from))
    }

    /// [`Paths::from_environment`] reading environment variables through
    /// `lookup` (a seam for tests).
    ///
    /// # Errors
    ///
    /// As [`Paths::from_environment`].
    pub fn from_lookup(
        option: Option<PathBuf>,
        lookup: impl Fn(&str) -> Option<PathBuf>,
    ) -> Result<Paths, DataDirError> {
        let profile = ProfileLocations::from_lookup(&lookup);
        if let Some(dir) = option.filter(|d| !d.as_os_str().is_empty()) {
            return Ok(Paths::given(dir, DataDirSource::CommandLine, profile));
        }
        if let Some(dir) = lookup(DATA_DIR_VARIABLE).filter(|d| !d.as_os_str().is_empty()) {
            return Ok(Paths::given(dir, DataDirSource::Environment, profile));
        }
        let data_home = data_home(&lookup).ok_or(DataDirError::NoDataDir)?;
        Ok(Paths {
            data_dir: data_home.join(DATA_DIR_NAME),
            source: DataDirSource::Default,
            legacy_dir: legacy_home(&lookup).map(|home| home.join(LEGACY_DIR_NAME)),
            profile,
            explicit_profile: None,
        })
    }

    /// The paths with `data_dir` as the data directory (as if given with
    /// `--data-dir`: nothing is moved into it) and the standard profile
    /// locations.
    pub fn in_dir(data_dir: impl Into<PathBuf>) -> Paths {
        Paths::given(
            data_dir.into(),
            DataDirSource::CommandLine,
            ProfileLocations::from_environment(),
        )
    }

    /// A data directory named explicitly: it was the app's too, so nothing
    /// moves into it.
    fn given(dir: PathBuf, source: DataDirSource, profile: ProfileLocations) -> Paths {
        // Shown to people and compared between processes: absolute.
        let data_dir = std::path::absolute(&dir).unwrap_or(dir);
        Paths {
            data_dir,
            source,
            legacy_dir: None,
            profile,
            explicit_profile: None,
        }
    }

    /// Reads the profile from `explicit` alone (`--profile`,
    /// `KUVERT_PROFILE`, the test environment's), or from the standard
    /// layers when `None`.
    pub fn with_profile(mut self, explicit: Option<PathBuf>) -> Paths {
        self.explicit_profile = explicit;
        self
    }

    /// Looks for the layered profile files in `locations`.
    pub fn with_profile_locations(mut self, locations: ProfileLocations) -> Paths {
        self.profile = locations;
        self
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Where the data directory came from.
    pub fn source(&self) -> DataDirSource {
        self.source
    }

    /// The store (SQLite database).
    pub fn database(&self) -> PathBuf {
        self.data_dir.join(DATABASE_FILE)
    }

    /// The Outbox lock of [`database`](Self::database): the file whose OS
    /// lock keeps the app and `kuvert resume` from working the Outbox at
    /// once.
    pub fn outbox_lock(&self) -> PathBuf {
        outbox_lock_for(&self.database())
    }

    /// The desktop app's built-in test environment.
    pub fn test_environment_dir(&self) -> PathBuf {
        self.data_dir.join(TEST_ENVIRONMENT_DIR)
    }

    /// The built-in test environment's store.
    pub fn test_environment_database(&self) -> PathBuf {
        self.data_dir.join(TEST_ENVIRONMENT_DATABASE)
    }

    /// The desktop app's log file. The `kuvert` command logs to standard
    /// error instead (`KUVERT_LOG`): its caller decides where that goes.
    pub fn log_file(&self) -> PathBuf {
        self.data_dir.join(LOG_FILE)
    }

    /// The desktop window's browser storage (WebKit's caches and cookies;
    /// Kuvert keeps nothing there), so that the app writes nowhere else.
    pub fn webview_dir(&self) -> PathBuf {
        self.data_dir.join(WEBVIEW_DIR)
    }

    /// Where the layered profile files are looked for.
    pub fn profile_locations(&self) -> &ProfileLocations {
        &self.profile
    }

    /// The profile file read alone, when one is named.
    pub fn explicit_profile(&self) -> Option<&Path> {
        self.explicit_profile.as_deref()
    }

    /// The profile files the loader reads, in order, lowest priority first
    /// (see [`ProfileLocations::read_order`]).
    pub fn profile_files(&self) -> Vec<ProfileFile> {
        self.profile.read_order(self.explicit_profile.as_deref())
    }

    /// Where imported certificates are kept.
    pub fn certificate_store(&self) -> Option<PathBuf> {
        self.profile.certificate_store()
    }

    /// The desktop app's old data folder that [`Paths::prepare`] moves data
    /// from: only with the default data directory (a data directory named
    /// explicitly was the app's too).
    pub fn legacy_dir(&self) -> Option<&Path> {
        self.legacy_dir.as_deref()
    }

    /// What is in the old data folder, looked at now (nothing is changed);
    /// `None` when there is none or it holds nothing of Kuvert's.
    pub fn legacy(&self) -> Option<Legacy> {
        legacy::look(self)
    }

    /// Creates the data directory and, the first time, moves the old app
    /// folder's data into it (see [`legacy`]). Call before opening a store.
    ///
    /// # Errors
    ///
    /// A [`DataDirError`]: the directory is on a network share, it cannot
    /// be created, or the move
    /// cannot be done now (an older Kuvert has the old store open); then
    /// no store should be opened, so that the move is not overtaken.
    pub fn prepare(&self) -> Result<Prepared, DataDirError> {
        if let Some(file_system) = network::network_file_system(self.data_dir()) {
            return Err(DataDirError::NetworkShare {
                dir: self.data_dir().to_path_buf(),
                file_system,
            });
        }
        legacy::prepare(self, &legacy::Steps::real())
    }
}

/// Makes `folder` readable by its owner only (0700), as the data
/// directory holds class-3 message bodies and identity numbers; a folder
/// already private is left as it is.
pub(crate) fn private_folder(folder: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(folder)?.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(folder, std::fs::Permissions::from_mode(mode & 0o700))?;
        }
    }
    #[cfg(not(unix))]
    let _ = folder;
    Ok(())
}

/// The Outbox lock file of the store at `database`.
pub fn outbox_lock_for(database: &Path) -> PathBuf {
    let mut lock = database.as_os_str().to_owned();
    lock.push(".outbox-lock");
    lock.into()
}

/// The folder the data directory is made in.
fn data_home(lookup: &impl Fn(&str) -> Option<PathBuf>) -> Option<PathBuf> {
    if cfg!(any(windows, target_os = "macos")) {
        return dirs::data_local_dir();
    }
    xdg_data_home(lookup).or_else(dirs::data_local_dir)
}

/// The folder Tauri put the app's data folder in (`app_data_dir`).
fn legacy_home(lookup: &impl Fn(&str) -> Option<PathBuf>) -> Option<PathBuf> {
    if cfg!(any(windows, target_os = "macos")) {
        return dirs::data_dir();
    }
    xdg_data_home(lookup).or_else(dirs::data_dir)
}

fn xdg_data_home(lookup: &impl Fn(&str) -> Option<PathBuf>) -> Option<PathBuf> {
    lookup("XDG_DATA_HOME")
        .filter(|p| p.is_absolute())
        .or_else(|| {
            lookup("HOME")
                .filter(|p| p.is_absolute())
                .map(|h| h.join(".local").join("share"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<PathBuf> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| PathBuf::from(v))
        }
    }

    #[test]
    fn the_option_wins_over_the_variable_and_neither_has_an_old_folder() {
        let vars = [("KUVERT_DATA_DIR", "/srv/kuvert"), ("HOME", "/home/a")];
        let paths = Paths::from_lookup(Some("/data/k".into()), lookup(&vars)).unwrap();
        assert_eq!(paths.data_dir(), Path::new("/data/k"));
        assert_eq!(paths.source(), DataDirSource::CommandLine);
        assert_eq!(paths.legacy_dir(), None);
        let paths = Paths::from_lookup(None, lookup(&vars)).unwrap();
        assert_eq!(paths.data_dir(), Path::new("/srv/kuvert"));
        assert_eq!(paths.source(), DataDirSource::Environment);
        assert_eq!(paths.legacy_dir(), None);
    }

    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn the_default_follows_xdg_data_home_when_it_is_absolute() {
        let vars = [("XDG_DATA_HOME", "/x/data"), ("HOME", "/home/a")];
        let paths = Paths::from_lookup(None, lookup(&vars)).unwrap();
        assert_eq!(paths.data_dir(), Path::new("/x/data/kuvert"));
        assert_eq!(
            paths.legacy_dir(),
            Some(Path::new("/x/data/se.kuvert.desktop"))
        );
        assert_eq!(
            paths.outbox_lock(),
            Path::new("/x/data/kuvert/kuvert.sqlite.outbox-lock")
        );
        let relative = [("XDG_DATA_HOME", "data"), ("HOME", "/home/a")];
        let paths = Paths::from_lookup(None, lookup(&relative)).unwrap();
        assert_eq!(paths.data_dir(), Path::new("/home/a/.local/share/kuvert"));
        assert_eq!(paths.source(), DataDirSource::Default);
    }

    #[test]
    fn a_relative_data_dir_is_made_absolute_and_an_empty_one_ignored() {
        let vars = [("KUVERT_DATA_DIR", ""), ("HOME", "/home/a")];
        let paths = Paths::from_lookup(Some("rel".into()), lookup(&vars)).unwrap();
        assert!(paths.data_dir().is_absolute());
        assert!(paths.data_dir().ends_with("rel"));
        let paths = Paths::from_lookup(Some("".into()), lookup(&vars)).unwrap();
        assert_eq!(paths.source(), DataDirSource::Default);
    }

    #[test]
    fn profile_files_are_the_loaders_layers_and_the_certificate_store_is_beside_the_user_file() {
        let vars = [("XDG_CONFIG_HOME", "/c"), ("HOME", "/home/a")];
        let paths = Paths::from_lookup(None, lookup(&vars)).unwrap();
        let files: Vec<(&str, PathBuf)> = paths
            .profile_files()
            .into_iter()
            .map(|f| (f.layer.code(), f.path))
            .collect();
        assert_eq!(
            files,
            [
                ("system", PathBuf::from("/etc/kuvert/profile.toml")),
                ("user", PathBuf::from("/c/kuvert/profile.toml")),
            ]
        );
        assert_eq!(
            paths.certificate_store(),
            Some(PathBuf::from("/c/kuvert/certificates"))
        );
        let explicit = paths.with_profile(Some("/t/profile.toml".into()));
        let files = explicit.profile_files();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].layer.code(), "explicit");
    }
}
