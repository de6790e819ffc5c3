//! Files the shells write for the officer (exports, filing packages, paper
//! letters): whole or not at all.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::compose::envelope::megabytes;
use crate::Error;

/// Writes `path` through `write`, into `<path>.partial` first and renamed
/// when everything is written, so that a failed export or archive leaves
/// no half file where the officer expects a whole one (and nothing of the
/// attempt). Returns what `write` returned.
///
/// # Errors
///
/// What `write` returned, or [`Error::File`] when the file cannot be
/// created, flushed or renamed.
pub fn write_whole<T>(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<T, Error>,
) -> Result<T, Error> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let file = File::create(&partial).map_err(Error::file(&partial))?;
    let mut writer = BufWriter::new(file);
    let written = write(&mut writer).and_then(|value| {
        writer.flush().map_err(Error::file(&partial))?;
        Ok(value)
    });
    drop(writer);
    let renamed = written.and_then(|value| {
        std::fs::rename(&partial, path).map_err(Error::file(path))?;
        Ok(value)
    });
    if renamed.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    renamed
}

/// Writes `bytes` to `path` as a file only its owner may read (0600 on
/// Unix), replacing what was there: for files that hold a message, such as
/// a paper letter handed to the PDF viewer.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = File::options();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        // An existing file keeps its mode on open; make it private first.
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Why a file the officer picked (an attachment, a message body) was not
/// read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputFileError {
    /// The file could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// It is a folder, a pipe, a device or another thing that is not a
    /// plain file (a FIFO would block, `/dev/zero` never ends).
    #[error("{} is not a file (a folder, a pipe or a device); pick a file", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// It is larger than Kuvert reads (told before reading it).
    #[error("{} is {size} bytes, more than the {limit} bytes Kuvert reads", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The most Kuvert reads.
        limit: u64,
    },
}

impl InputFileError {
    /// A stable code for the kind of problem.
    pub fn kind(&self) -> &'static str {
        match self {
            InputFileError::Unreadable { .. } => "unreadable_file",
            InputFileError::NotAFile { .. } => "not_a_file",
            InputFileError::TooLarge { .. } => "file_too_large_to_read",
        }
    }

    /// The file's name as the officer knows it.
    fn name(&self) -> String {
        let path = match self {
            InputFileError::Unreadable { path, .. }
            | InputFileError::NotAFile { path }
            | InputFileError::TooLarge { path, .. } => path,
        };
        path.file_name()
            .unwrap_or(path.as_os_str())
            .to_string_lossy()
            .into_owned()
    }

    /// What the officer reads, in Swedish.
    pub fn swedish(&self) -> String {
        let name = self.name();
        match self {
            InputFileError::Unreadable { .. } => {
                format!("Filen {name} går inte att läsa. Kontrollera att den finns och att du har behörighet till den.")
            }
            InputFileError::NotAFile { .. } => format!(
                "{name} är inte en vanlig fil (en mapp, en rörledning eller en enhet). Välj en fil."
            ),
            // In the megabytes the attachment limit's own problem uses.
            InputFileError::TooLarge { size, limit, .. } => format!(
                "Filen {name} är {}, mer än de {} som Kuvert läser. Minska filen eller dela upp den.",
                megabytes(*size),
                megabytes(*limit)
            ),
        }
    }
}

/// Reads a file the officer picked, at most `limit` bytes: only a regular
/// file (checked on the opened handle, so a pipe swapped in after the check
/// cannot block), its size checked before anything is read, and the read
/// itself bounded in case the file grows meanwhile.
///
/// # Errors
///
/// [`InputFileError`] saying which of the three it was.
pub fn read_input(path: &Path, limit: u64) -> Result<Vec<u8>, InputFileError> {
    use std::io::Read;
    let unreadable = |source| InputFileError::Unreadable {
        path: path.to_owned(),
        source,
    };
    let not_a_file = || InputFileError::NotAFile {
        path: path.to_owned(),
    };
    // Without O_NONBLOCK, opening a FIFO waits for a writer forever.
    if !std::fs::metadata(path).map_err(unreadable)?.is_file() {
        return Err(not_a_file());
    }
    let mut options = File::options();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits());
    }
    let file = options.open(path).map_err(unreadable)?;
    let metadata = file.metadata().map_err(unreadable)?;
    if !metadata.is_file() {
        return Err(not_a_file());
    }
    let too_large = |size| InputFileError::TooLarge {
        path: path.to_owned(),
        size,
        limit,
    };
    if metadata.len() > limit {
        return Err(too_large(metadata.len()));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_limit_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("beslut.pdf");
        std::fs::write(&small, b"%PDF-1.7").unwrap();
        assert_eq!(read_input(&small, 8).unwrap(), b"%PDF-1.7");
        assert!(matches!(
            read_input(&small, 7),
            Err(InputFileError::TooLarge {
                size: 8,
                limit: 7,
                ..
            })
        ));
        // A sparse file of 2 GB is refused before a byte is read.
        let sparse = dir.path().join("gles.pdf");
        File::create(&sparse).unwrap().set_len(2 << 30).unwrap();
        assert!(matches!(
            read_input(&sparse, 1 << 20),
            Err(InputFileError::TooLarge { .. })
        ));
        assert!(matches!(
            read_input(dir.path(), 1 << 20),
            Err(InputFileError::NotAFile { .. })
        ));
        assert!(matches!(
            read_input(Path::new("/dev/zero"), 1 << 20),
            Err(InputFileError::NotAFile { .. })
        ));
        assert!(matches!(
            read_input(&dir.path().join("saknas.pdf"), 1 << 20),
            Err(InputFileError::Unreadable { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("ror.pdf");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        assert!(matches!(
            read_input(&fifo, 1 << 20),
            Err(InputFileError::NotAFile { .. })
        ));
    }

    #[test]
    fn a_whole_write_lands_under_the_name_and_leaves_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logg.csv");
        let count = write_whole(&path, |w| {
            w.write_all(b"a,b\n").map_err(Error::file("logg.csv"))?;
            Ok(1)
        })
        .unwrap();
        assert_eq!(count, 1);
        assert_eq!(std::fs::read(&path).unwrap(), b"a,b\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_write_leaves_no_file_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logg.csv");
        let result: Result<(), Error> = write_whole(&path, |w| {
            w.write_all(b"half").map_err(Error::file("logg.csv"))?;
            Err(Error::MessageNotFound("x".into()))
        });
        assert!(matches!(result, Err(Error::MessageNotFound(_))));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_folder_that_does_not_exist_is_a_file_error_naming_the_partial_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("saknas").join("logg.csv");
        let result = write_whole(&path, |_| Ok(()));
        assert!(
            matches!(&result, Err(Error::File { path, .. }) if path.ends_with("saknas/logg.csv.partial")),
            "{result:?}"
        );
    }
}
