//! Files the shells write for the officer (exports, filing packages, paper
//! letters): whole or not at all.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

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

#[cfg(test)]
mod tests {
    use super::*;

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
