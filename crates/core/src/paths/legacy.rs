//! The one-time move of the desktop app's old data folder
//! (`…/se.kuvert.desktop`, Tauri's app data folder) into the data
//! directory, so that the app and the `kuvert` command share one store.
//!
//! **What moves:** the store `kuvert.sqlite`, the built-in test
//! environment's store `testmiljo.sqlite` and its folder `testmiljo/`.
//! Nothing else in the old folder is touched (its Outbox lock files stay;
//! they are empty).
//!
//! **When:** [`Paths::prepare`] moves them when the old folder holds any of
//! them and the data directory holds none (nor a `-wal`, `-shm` or
//! `-journal` of a store). When both hold data nothing is merged: the data
//! directory's is used, the old folder is left exactly as it is, a warning
//! is logged, and [`Paths::legacy`] (`kuvert paths`, the app's Settings)
//! says so.
//!
//! **How, so that nothing can be lost:**
//!
//! 1. One Kuvert moves at a time: the data directory's Outbox lock is held
//!    throughout.
//! 2. Each old store is taken for this process alone
//!    ([`ExclusiveDatabase`]): refused while an older Kuvert has it open
//!    (then nothing is moved and no store may be opened, or the move would
//!    be overtaken), and its `-wal` is folded into the one file.
//! 3. A journal (`legacy-move.journal`, naming the old folder) is written
//!    and synced into the data directory. While it exists nothing under the
//!    moved names in the data directory is used: whatever is there is a
//!    leftover of this move.
//! 4. Each store gets its new name by a hard link (or, when the two folders
//!    are on different file systems, a synced copy renamed into place), and
//!    only then loses its old name. That removal is the commit: until it,
//!    the old file is the data; after it, the new one. The test
//!    environment's folder is renamed (or copied, renamed into place, and
//!    the old one set aside in one rename before it is deleted).
//! 5. A note in the old folder says where the data went; the journal is
//!    removed.
//!
//! A move interrupted anywhere (a crash, a kill, a power cut) is finished by
//! the next [`Paths::prepare`]: whatever is still in the old folder is the
//! data and is moved again over any leftover; whatever is gone from it has
//! moved. The tests interrupt the move after every step, with hard links
//! and with copies, and check that the next start finishes it with
//! everything in place.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use kuvert_store::{ExclusiveDatabase, StoreError};

use super::{DataDirError, Paths, DATABASE_FILE, TEST_ENVIRONMENT_DATABASE, TEST_ENVIRONMENT_DIR};

/// The journal of a move under way, in the data directory.
pub const JOURNAL: &str = "legacy-move.journal";
/// The note left in the old folder after the move.
pub const NOTE: &str = "README-kuvert-moved.txt";

/// What a folder holds of Kuvert's that moves.
#[derive(Clone, Copy)]
enum Kind {
    Database,
    Folder,
}

const ENTRIES: [(&str, Kind); 3] = [
    (DATABASE_FILE, Kind::Database),
    (TEST_ENVIRONMENT_DATABASE, Kind::Database),
    (TEST_ENVIRONMENT_DIR, Kind::Folder),
];

/// The old app folder and what it holds now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Legacy {
    /// The old folder.
    pub path: PathBuf,
    /// What it holds.
    pub state: LegacyState,
}

/// What the old app folder holds, as far as the data directory goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LegacyState {
    /// Data not moved yet: it moves at the next start of the app or of a
    /// `kuvert` command that opens the store.
    Pending,
    /// A move was interrupted; it is finished at the next start.
    Interrupted,
    /// Both it and the data directory hold data: the data directory's is
    /// used and the old folder is left untouched (nothing is merged).
    BothHoldData,
    /// Its data was moved to the data directory (the note says so).
    Moved,
}

impl LegacyState {
    /// The state's name as `kuvert paths --json` prints it.
    pub fn code(self) -> &'static str {
        match self {
            LegacyState::Pending => "pending",
            LegacyState::Interrupted => "interrupted",
            LegacyState::BothHoldData => "both_hold_data",
            LegacyState::Moved => "moved",
        }
    }

    /// What it means, in English, for people.
    pub fn english(self) -> &'static str {
        match self {
            LegacyState::Pending => "holds data that moves to the data directory at the next start",
            LegacyState::Interrupted => {
                "a move of its data was interrupted; it is finished at the next start"
            }
            LegacyState::BothHoldData => {
                "holds data too, which is NOT used: the data directory has its own store, and the two are not merged"
            }
            LegacyState::Moved => "its data has moved to the data directory",
        }
    }
}

/// What [`Paths::prepare`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Prepared {
    /// Nothing to move: the data directory is ready.
    Ready,
    /// The old folder's data was moved into the data directory now (or an
    /// interrupted move was finished).
    Moved {
        /// The old folder.
        from: PathBuf,
    },
    /// Both hold data: the data directory's is used, the old folder is
    /// left untouched.
    LeftAlone {
        /// The old folder.
        legacy: PathBuf,
    },
}

/// Test seams of the move.
pub(crate) struct Steps<'a> {
    /// Called after each step; an error stops the move there, as a crash
    /// would (nothing is undone).
    pub(crate) after: &'a dyn Fn(&'static str) -> io::Result<()>,
    /// Whether hard links and renames from the old folder may be used;
    /// `false` copies, as across file systems.
    pub(crate) same_file_system: bool,
}

fn go_on(_: &'static str) -> io::Result<()> {
    Ok(())
}

impl Steps<'static> {
    pub(crate) fn real() -> Self {
        Steps {
            after: &go_on,
            same_file_system: true,
        }
    }
}

impl Steps<'_> {
    fn after(&self, step: &'static str, dir: &Path) -> Result<(), DataDirError> {
        (self.after)(step).map_err(DataDirError::file(dir))
    }
}

pub(super) fn look(paths: &Paths) -> Option<Legacy> {
    let target = paths.data_dir();
    if let Ok(Some(from)) = read_journal(target) {
        return Some(Legacy {
            path: from,
            state: LegacyState::Interrupted,
        });
    }
    let old = paths.legacy_dir()?;
    if same_folder(old, target) {
        return None;
    }
    // A folder that cannot be looked into counts as holding data: shown,
    // and never taken for empty.
    let state = if holds_data(old, false).unwrap_or(true) {
        if holds_data(target, true).unwrap_or(true) {
            LegacyState::BothHoldData
        } else {
            LegacyState::Pending
        }
    } else if old.join(NOTE).is_file() {
        LegacyState::Moved
    } else {
        return None;
    };
    Some(Legacy {
        path: old.to_path_buf(),
        state,
    })
}

pub(super) fn prepare(paths: &Paths, steps: &Steps<'_>) -> Result<Prepared, DataDirError> {
    let target = paths.data_dir();
    fs::create_dir_all(target).map_err(DataDirError::file(target))?;
    super::private_folder(target).map_err(DataDirError::file(target))?;
    // Cheap checks first, without the lock: almost always there is nothing
    // to do, and the lock may be held by a send.
    let source = match read_journal(target)? {
        Some(from) => from,
        None => {
            let Some(old) = paths.legacy_dir() else {
                return Ok(Prepared::Ready);
            };
            if same_folder(old, target) || !holds_data(old, false)? {
                return Ok(Prepared::Ready);
            }
            if holds_data(target, true)? {
                return Ok(left_alone(old, target));
            }
            old.to_path_buf()
        }
    };
    let lock_path = paths.outbox_lock();
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(DataDirError::file(&lock_path))?;
    lock.lock().map_err(DataDirError::file(&lock_path))?;
    // Again under the lock: another Kuvert may have moved it meanwhile.
    let resuming = read_journal(target)?.is_some();
    if !resuming {
        if !holds_data(&source, false)? {
            return Ok(Prepared::Ready);
        }
        if holds_data(target, true)? {
            return Ok(left_alone(&source, target));
        }
    }
    let mut held = take_stores(&source, target)?;
    steps.after("stores taken", target)?;
    if !resuming {
        write_journal(target, &source)?;
        steps.after("journal written", target)?;
    }
    for (name, kind) in ENTRIES {
        let from = source.join(name);
        let to = target.join(name);
        match kind {
            Kind::Database => move_database(&from, &to, held.remove(name), steps)?,
            Kind::Folder => move_folder(&from, &to, steps)?,
        }
    }
    write_note(&source, target)?;
    steps.after("note written", target)?;
    let journal = target.join(JOURNAL);
    fs::remove_file(&journal).map_err(DataDirError::file(&journal))?;
    sync_folder(target)?;
    drop(lock);
    tracing::info!(from = %source.display(), to = %target.display(), "Kuvert's data moved to the shared data directory");
    Ok(Prepared::Moved { from: source })
}

fn left_alone(old: &Path, target: &Path) -> Prepared {
    tracing::warn!(
        old = %old.display(),
        data_dir = %target.display(),
        "the old app folder holds data too; it is not used and not merged (the data directory has its own store)"
    );
    Prepared::LeftAlone {
        legacy: old.to_path_buf(),
    }
}

/// Takes every store still in `source` for this process alone.
fn take_stores(
    source: &Path,
    target: &Path,
) -> Result<HashMap<&'static str, ExclusiveDatabase>, DataDirError> {
    let mut held = HashMap::new();
    for (name, kind) in ENTRIES {
        let from = source.join(name);
        if !matches!(kind, Kind::Database) || !present(&from)? {
            continue;
        }
        let taken = ExclusiveDatabase::take(&from).map_err(|e| match e {
            StoreError::InUse { .. } => DataDirError::InUse {
                from: from.clone(),
                to: target.to_path_buf(),
            },
            source => DataDirError::Store {
                from: from.clone(),
                source,
            },
        })?;
        held.insert(name, taken);
    }
    Ok(held)
}

fn move_database(
    from: &Path,
    to: &Path,
    held: Option<ExclusiveDatabase>,
    steps: &Steps<'_>,
) -> Result<(), DataDirError> {
    let (Some(source_dir), Some(target_dir)) = (from.parent(), to.parent()) else {
        return Ok(());
    };
    if !present(from)? {
        return Ok(());
    }
    // The old file is the data; anything under the new name is a leftover.
    let partial = with_suffix(to, ".partial");
    remove_any(to)?;
    remove_any(&partial)?;
    let linked = steps.same_file_system && fs::hard_link(from, to).is_ok();
    if !linked {
        fs::copy(from, &partial).map_err(DataDirError::file(&partial))?;
        sync_file(&partial)?;
        steps.after("database copied", target_dir)?;
        fs::rename(&partial, to).map_err(DataDirError::file(to))?;
    }
    sync_folder(target_dir)?;
    steps.after("database in place", target_dir)?;
    // Windows refuses to remove a file that is open; elsewhere the store
    // stays taken until its old name is gone.
    #[cfg(windows)]
    drop(held);
    fs::remove_file(from).map_err(DataDirError::file(from))?;
    sync_folder(source_dir)?;
    #[cfg(not(windows))]
    drop(held);
    steps.after("old database removed", target_dir)
}

fn move_folder(from: &Path, to: &Path, steps: &Steps<'_>) -> Result<(), DataDirError> {
    let (Some(source_dir), Some(target_dir)) = (from.parent(), to.parent()) else {
        return Ok(());
    };
    // Set aside after a copy had landed: the copy is the data.
    let aside = with_suffix(from, ".moved");
    remove_any(&aside)?;
    if !present(from)? {
        return Ok(());
    }
    let partial = with_suffix(to, ".partial");
    remove_any(to)?;
    remove_any(&partial)?;
    if steps.same_file_system && fs::rename(from, to).is_ok() {
        sync_folder(target_dir)?;
        sync_folder(source_dir)?;
        return steps.after("folder moved", target_dir);
    }
    copy_folder(from, &partial)?;
    steps.after("folder copied", target_dir)?;
    fs::rename(&partial, to).map_err(DataDirError::file(to))?;
    sync_folder(target_dir)?;
    steps.after("folder in place", target_dir)?;
    fs::rename(from, &aside).map_err(DataDirError::file(from))?;
    sync_folder(source_dir)?;
    steps.after("old folder set aside", target_dir)?;
    fs::remove_dir_all(&aside).map_err(DataDirError::file(&aside))
}

fn copy_folder(from: &Path, to: &Path) -> Result<(), DataDirError> {
    fs::create_dir(to).map_err(DataDirError::file(to))?;
    for entry in fs::read_dir(from).map_err(DataDirError::file(from))? {
        let entry = entry.map_err(DataDirError::file(from))?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().map_err(DataDirError::file(&source))?;
        if kind.is_dir() {
            copy_folder(&source, &target)?;
        } else {
            fs::copy(&source, &target).map_err(DataDirError::file(&source))?;
            sync_file(&target)?;
        }
    }
    sync_folder(to)
}

/// Whether `dir` holds anything that moves (with `companions`, also a
/// store's `-wal`, `-shm` or `-journal`: a store opened under that name
/// would pick them up).
fn holds_data(dir: &Path, companions: bool) -> Result<bool, DataDirError> {
    for (name, kind) in ENTRIES {
        let path = dir.join(name);
        if present(&path)? {
            return Ok(true);
        }
        if companions && matches!(kind, Kind::Database) {
            for suffix in ["-wal", "-shm", "-journal"] {
                if present(&with_suffix(&path, suffix))? {
                    return Ok(true);
                }
            }
        }
    }
    Ok(false)
}

fn present(path: &Path) -> Result<bool, DataDirError> {
    match fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(DataDirError::file(path)(e)),
    }
}

fn remove_any(path: &Path) -> Result<(), DataDirError> {
    let removed = match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => Err(e),
    };
    removed.map_err(DataDirError::file(path))
}

fn same_folder(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

fn sync_file(path: &Path) -> Result<(), DataDirError> {
    File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.sync_all())
        .map_err(DataDirError::file(path))
}

/// Makes a folder's entries (new names, removed names) durable. Windows
/// cannot open a folder as a file; its file system journals names itself.
fn sync_folder(dir: &Path) -> Result<(), DataDirError> {
    if cfg!(windows) {
        return Ok(());
    }
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(DataDirError::file(dir))
}

fn write_journal(target: &Path, source: &Path) -> Result<(), DataDirError> {
    let journal = target.join(JOURNAL);
    let staged = with_suffix(&journal, ".partial");
    let write = || -> io::Result<()> {
        let mut file = File::create(&staged)?;
        file.write_all(&path_bytes(source))?;
        file.sync_all()
    };
    write().map_err(DataDirError::file(&staged))?;
    fs::rename(&staged, &journal).map_err(DataDirError::file(&journal))?;
    sync_folder(target)
}

fn read_journal(target: &Path) -> Result<Option<PathBuf>, DataDirError> {
    let journal = target.join(JOURNAL);
    match fs::read(&journal) {
        Ok(bytes) => Ok(Some(path_from_bytes(bytes))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(DataDirError::file(&journal)(e)),
    }
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().to_vec()
}

#[cfg(unix)]
fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    std::ffi::OsString::from_vec(bytes).into()
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> Vec<u8> {
    path.to_string_lossy().into_owned().into_bytes()
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
}

fn write_note(source: &Path, target: &Path) -> Result<(), DataDirError> {
    let note = source.join(NOTE);
    let text = format!(
        "Kuvert har flyttat sina data härifrån till\n\n    {target}\n\n\
         Där finns nu meddelandena, utkasten och testmiljön; både appen och\n\
         kommandot kuvert använder den mappen (se `kuvert paths`). Den här\n\
         mappen används inte längre, och filerna som finns kvar här kan tas bort.\n\n\
         Kuvert has moved its data from here to\n\n    {target}\n\n\
         The messages, drafts and test environment are there now; the app and\n\
         the kuvert command both use that folder (see `kuvert paths`). This\n\
         folder is no longer used; the files left here may be removed.\n",
        target = target.display()
    );
    fs::write(&note, text).map_err(DataDirError::file(&note))?;
    sync_file(&note)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use kuvert_store::{DraftFields, Store};
    use time::macros::datetime;

    use super::*;
    use crate::profile::ProfileLocations;

    struct Home {
        _dir: tempfile::TempDir,
        paths: Paths,
        old: PathBuf,
    }

    fn home() -> Home {
        let dir = tempfile::tempdir().unwrap();
        let data_home = dir.path().join("share");
        let lookup = |name: &str| (name == "XDG_DATA_HOME").then(|| data_home.clone());
        let paths = Paths::from_lookup(None, lookup)
            .unwrap()
            .with_profile_locations(ProfileLocations::from_lookup(|_| None));
        let old = paths.legacy_dir().unwrap().to_path_buf();
        Home {
            _dir: dir,
            paths,
            old,
        }
    }

    fn store_with_draft(database: &Path, subject: &str) {
        fs::create_dir_all(database.parent().unwrap()).unwrap();
        let store = Store::open(database).unwrap();
        let fields = DraftFields {
            subject: subject.into(),
            ..DraftFields::default()
        };
        store
            .save_draft(None, &fields, datetime!(2026-11-23 10:00 UTC))
            .unwrap();
    }

    fn draft_subjects(database: &Path) -> Vec<String> {
        assert!(database.is_file(), "{} is missing", database.display());
        Store::open(database)
            .unwrap()
            .drafts()
            .unwrap()
            .into_iter()
            .map(|d| d.subject)
            .collect()
    }

    /// What the old app left: both stores and the test environment's folder.
    fn old_app_data(old: &Path) {
        store_with_draft(&old.join(DATABASE_FILE), "Beslut om bygglov");
        store_with_draft(&old.join(TEST_ENVIRONMENT_DATABASE), "Övning");
        fs::create_dir_all(old.join(TEST_ENVIRONMENT_DIR).join("signed")).unwrap();
        fs::write(old.join(TEST_ENVIRONMENT_DIR).join("records.json"), "{}").unwrap();
        fs::write(old.join(TEST_ENVIRONMENT_DIR).join("signed/a.xml"), "<a/>").unwrap();
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Everything the old app had is in the data directory and the old
    /// folder holds only the note (and lock files).
    fn assert_moved(home: &Home) {
        let data = home.paths.data_dir();
        assert_eq!(
            draft_subjects(&home.paths.database()),
            ["Beslut om bygglov"]
        );
        assert_eq!(
            draft_subjects(&home.paths.test_environment_database()),
            ["Övning"]
        );
        let test_environment = home.paths.test_environment_dir();
        assert_eq!(
            fs::read_to_string(test_environment.join("records.json")).unwrap(),
            "{}"
        );
        assert_eq!(
            fs::read_to_string(test_environment.join("signed/a.xml")).unwrap(),
            "<a/>"
        );
        assert!(!data.join(JOURNAL).exists());
        for name in names(data) {
            assert!(
                !name.ends_with(".partial"),
                "{name} left in the data directory"
            );
        }
        let left: Vec<String> = names(&home.old)
            .into_iter()
            .filter(|n| !n.ends_with(".outbox-lock"))
            .collect();
        assert_eq!(left, [NOTE]);
        let note = fs::read_to_string(home.old.join(NOTE)).unwrap();
        assert!(note.contains(&data.display().to_string()));
        assert_eq!(
            home.paths.legacy().map(|l| l.state),
            Some(LegacyState::Moved)
        );
    }

    #[test]
    fn a_fresh_start_has_nothing_to_move() {
        let home = home();
        assert_eq!(home.paths.legacy(), None);
        assert_eq!(home.paths.prepare().unwrap(), Prepared::Ready);
        assert!(home.paths.data_dir().is_dir());
        assert!(!home.old.exists());
        assert_eq!(names(home.paths.data_dir()), Vec::<String>::new());
    }

    #[test]
    fn the_old_app_folder_moves_once_and_says_where_to() {
        let home = home();
        old_app_data(&home.old);
        assert_eq!(
            home.paths.legacy(),
            Some(Legacy {
                path: home.old.clone(),
                state: LegacyState::Pending
            })
        );
        assert_eq!(
            home.paths.prepare().unwrap(),
            Prepared::Moved {
                from: home.old.clone()
            }
        );
        assert_moved(&home);
        // Once: the next start finds nothing to do.
        assert_eq!(home.paths.prepare().unwrap(), Prepared::Ready);
        assert_moved(&home);
    }

    #[test]
    fn a_commit_only_in_the_old_stores_wal_moves_too() {
        let home = home();
        let old_db = home.old.join(DATABASE_FILE);
        store_with_draft(&old_db, "Beslut om bygglov");
        // The old app was killed with its last commit only in the -wal:
        // copy the files while a connection has them open.
        let live = tempfile::tempdir().unwrap();
        let live_db = live.path().join(DATABASE_FILE);
        fs::copy(&old_db, &live_db).unwrap();
        let store = Store::open(&live_db).unwrap();
        let fields = DraftFields {
            subject: "Sist sparat".into(),
            ..DraftFields::default()
        };
        store
            .save_draft(None, &fields, datetime!(2026-11-23 11:00 UTC))
            .unwrap();
        fs::copy(&live_db, &old_db).unwrap();
        fs::copy(with_suffix(&live_db, "-wal"), with_suffix(&old_db, "-wal")).unwrap();
        drop(store);

        home.paths.prepare().unwrap();
        let mut subjects = draft_subjects(&home.paths.database());
        subjects.sort();
        assert_eq!(subjects, ["Beslut om bygglov", "Sist sparat"]);
        assert!(!with_suffix(&old_db, "-wal").exists());
    }

    #[test]
    fn when_both_hold_a_store_the_new_one_is_used_and_the_old_left_untouched() {
        let home = home();
        old_app_data(&home.old);
        store_with_draft(&home.paths.database(), "Från kommandot");
        let before = names(&home.old);
        assert_eq!(
            home.paths.legacy().map(|l| l.state),
            Some(LegacyState::BothHoldData)
        );
        assert_eq!(
            home.paths.prepare().unwrap(),
            Prepared::LeftAlone {
                legacy: home.old.clone()
            }
        );
        assert_eq!(names(&home.old), before);
        assert_eq!(
            draft_subjects(&home.old.join(DATABASE_FILE)),
            ["Beslut om bygglov"]
        );
        assert_eq!(draft_subjects(&home.paths.database()), ["Från kommandot"]);
        assert!(!home.old.join(NOTE).exists());
    }

    #[test]
    fn a_stray_wal_in_the_data_directory_counts_as_data_there() {
        let home = home();
        old_app_data(&home.old);
        fs::create_dir_all(home.paths.data_dir()).unwrap();
        fs::write(with_suffix(&home.paths.database(), "-wal"), b"").unwrap();
        assert!(matches!(
            home.paths.prepare().unwrap(),
            Prepared::LeftAlone { .. }
        ));
        assert!(home.old.join(DATABASE_FILE).exists());
    }

    #[test]
    fn an_old_store_in_use_stops_the_start_and_changes_nothing() {
        let home = home();
        old_app_data(&home.old);
        let older_kuvert = Store::open(home.old.join(DATABASE_FILE)).unwrap();
        let error = home.paths.prepare().unwrap_err();
        assert!(matches!(error, DataDirError::InUse { .. }), "{error:?}");
        assert!(error.to_string().contains("close every Kuvert"));
        assert_eq!(names(home.paths.data_dir()), ["kuvert.sqlite.outbox-lock"]);
        assert_eq!(
            home.paths.legacy().map(|l| l.state),
            Some(LegacyState::Pending)
        );
        drop(older_kuvert);
        assert!(matches!(
            home.paths.prepare().unwrap(),
            Prepared::Moved { .. }
        ));
        assert_moved(&home);
    }

    /// Interrupts the move after each of its steps in turn, as a crash
    /// would, and checks that the next start finishes it.
    fn interrupted_after_every_step(same_file_system: bool) -> Vec<&'static str> {
        let mut interrupted = Vec::new();
        for stop_at in 0.. {
            let home = home();
            old_app_data(&home.old);
            let count = Cell::new(0);
            let reached = Cell::new(None);
            let after = |step: &'static str| {
                let n = count.get();
                count.set(n + 1);
                if n == stop_at {
                    reached.set(Some(step));
                    return Err(io::Error::other(format!("crash after {step}")));
                }
                Ok(())
            };
            let steps = Steps {
                after: &after,
                same_file_system,
            };
            let first = prepare(&home.paths, &steps);
            let Some(step) = reached.get() else {
                // Ran to the end without stopping: every step was covered.
                assert!(matches!(first, Ok(Prepared::Moved { .. })));
                assert_moved(&home);
                return interrupted;
            };
            assert!(first.is_err());
            interrupted.push(step);
            if step != "stores taken" {
                assert_eq!(
                    home.paths.legacy().map(|l| l.state),
                    Some(LegacyState::Interrupted),
                    "after {step}"
                );
            }
            let next = home.paths.prepare();
            assert!(
                matches!(next, Ok(Prepared::Moved { .. })),
                "after {step}: {next:?}"
            );
            assert_moved(&home);
        }
        unreachable!()
    }

    #[test]
    fn a_move_interrupted_anywhere_is_finished_at_the_next_start() {
        let steps = interrupted_after_every_step(true);
        assert_eq!(
            steps,
            [
                "stores taken",
                "journal written",
                "database in place",
                "old database removed",
                "database in place",
                "old database removed",
                "folder moved",
                "note written",
            ]
        );
    }

    #[test]
    fn a_copying_move_interrupted_anywhere_is_finished_at_the_next_start() {
        let steps = interrupted_after_every_step(false);
        assert_eq!(
            steps,
            [
                "stores taken",
                "journal written",
                "database copied",
                "database in place",
                "old database removed",
                "database copied",
                "database in place",
                "old database removed",
                "folder copied",
                "folder in place",
                "old folder set aside",
                "note written",
            ]
        );
    }

    #[test]
    fn a_half_written_copy_from_an_interrupted_move_is_replaced() {
        let home = home();
        old_app_data(&home.old);
        // As a crash in the middle of copying leaves it.
        fs::create_dir_all(home.paths.data_dir()).unwrap();
        write_journal(home.paths.data_dir(), &home.old).unwrap();
        fs::write(
            home.paths.data_dir().join("kuvert.sqlite.partial"),
            b"SQLite format 3\0half",
        )
        .unwrap();
        fs::create_dir_all(home.paths.data_dir().join("testmiljo.partial")).unwrap();
        assert!(matches!(
            home.paths.prepare().unwrap(),
            Prepared::Moved { .. }
        ));
        assert_moved(&home);
    }
}
