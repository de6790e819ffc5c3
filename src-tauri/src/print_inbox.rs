//! Print to Kuvert: the jobs the "Kuvert" printer received for this user.
//!
//! The printer is a CUPS queue whose backend (`packaging/cups/kuvert`,
//! installed by the `.deb`) writes each job as a PDF into the user's spool
//! folder, [`spool_dir`]: `<job id>--<title>.pdf`, written under a hidden
//! name first and renamed when whole. The app looks there every
//! [`LOOK_EVERY`] while it runs (and once at start), moves each finished job
//! into its data directory (`printed/<job id>/<title>.pdf`) and hands it to
//! the window as a compose request ([`crate::handoff`]). The moved file is
//! removed once the draft holds it; one still there at the next start (the
//! app stopped in between) is handed over again, so a job is never lost.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tauri::{AppHandle, Manager};

use crate::handoff::{ComposeRequest, Handoffs};

/// The variable naming the printer's spool root (the backend reads the
/// same one; cupsd passes it with `PassEnv`), default [`DEFAULT_SPOOL`].
pub const SPOOL_VARIABLE: &str = "KUVERT_PRINT_SPOOL";

/// Where the backend writes print jobs: a folder per user below it.
pub const DEFAULT_SPOOL: &str = "/var/spool/kuvert";

/// How often the spool folder is looked at.
pub const LOOK_EVERY: Duration = Duration::from_secs(2);

/// This user's spool folder.
pub fn spool_dir() -> PathBuf {
    let root = std::env::var_os(SPOOL_VARIABLE)
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from(DEFAULT_SPOOL), PathBuf::from);
    root.join(whoami::username())
}

/// Where taken jobs wait in the data directory until a draft holds them.
pub fn printed_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("printed")
}

/// Follows the spool folder in the background for as long as the app runs.
pub fn follow(app: AppHandle, data_dir: PathBuf) {
    std::thread::spawn(move || {
        let printed = printed_dir(&data_dir);
        let handoffs = app.state::<Handoffs>();
        for file in left_over(&printed) {
            handoffs.hand_over(&app, request_for(file));
        }
        let spool = spool_dir();
        loop {
            for file in take_jobs(&spool, &printed) {
                tracing::info!("print job {} handed to compose", file.display());
                handoffs.hand_over(&app, request_for(file));
            }
            std::thread::sleep(LOOK_EVERY);
        }
    });
}

fn request_for(file: PathBuf) -> ComposeRequest {
    ComposeRequest {
        files: vec![file],
        owned: true,
        ..ComposeRequest::default()
    }
}

/// Moves every finished job in `spool` to `printed/<job>/<title>.pdf`;
/// returns the moved files, oldest job first. A job that cannot be moved
/// stays in the spool folder for the next look (and is logged).
pub fn take_jobs(spool: &Path, printed: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(spool) else {
        return Vec::new();
    };
    let mut jobs: Vec<(u64, String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            // Lossy: a title in another encoding still makes a name.
            let name = e.file_name().to_string_lossy().into_owned();
            let (job, title) = job_name(&name)?;
            Some((job, title.to_owned(), e.path()))
        })
        .collect();
    jobs.sort();
    jobs.into_iter()
        .filter_map(|(job, title, from)| {
            let to = printed.join(job.to_string()).join(title);
            match move_file(&from, &to) {
                Ok(()) => Some(to),
                Err(error) => {
                    tracing::warn!("could not take print job {}: {error}", from.display());
                    None
                }
            }
        })
        .collect()
}

/// `<job id>--<title>.pdf` → the job id and `<title>.pdf`; `None` for
/// anything else (the hidden files being written among them).
pub fn job_name(name: &str) -> Option<(u64, &str)> {
    let (job, title) = name.split_once("--")?;
    let job = job.parse().ok()?;
    let stem = title.strip_suffix(".pdf")?;
    (!stem.is_empty() && !title.contains('/')).then_some((job, title))
}

/// The jobs taken before the app last stopped and not yet in a draft.
pub fn left_over(printed: &Path) -> Vec<PathBuf> {
    let Ok(jobs) = std::fs::read_dir(printed) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = jobs
        .filter_map(Result::ok)
        .filter_map(|job| std::fs::read_dir(job.path()).ok())
        .flatten()
        .filter_map(Result::ok)
        .map(|f| f.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Removes taken jobs (and their job folders) once a draft holds them.
pub fn forget(files: &[PathBuf]) {
    let folders: HashSet<&Path> = files.iter().filter_map(|f| f.parent()).collect();
    for file in files {
        if let Err(error) = std::fs::remove_file(file) {
            tracing::warn!("could not remove print job {}: {error}", file.display());
        }
    }
    for folder in folders {
        let _ = std::fs::remove_dir(folder);
    }
}

/// Renames `from` to `to` (creating its folder); copies and removes when
/// they are on different file systems.
fn move_file(from: &Path, to: &Path) -> std::io::Result<()> {
    if let Some(folder) = to.parent() {
        std::fs::create_dir_all(folder)?;
    }
    if std::fs::rename(from, to).is_ok() {
        return Ok(());
    }
    std::fs::copy(from, to)?;
    std::fs::File::open(to)?.sync_all()?;
    std::fs::remove_file(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_file_is_its_id_and_title() {
        assert_eq!(
            job_name("12--Beslut om bygglov.pdf"),
            Some((12, "Beslut om bygglov.pdf"))
        );
        assert_eq!(job_name(".12.tmp"), None);
        assert_eq!(job_name("12--.pdf"), None);
        assert_eq!(job_name("x--a.pdf"), None);
        assert_eq!(job_name("12--a.ps"), None);
    }

    #[test]
    fn finished_jobs_move_out_of_the_spool_and_are_left_over_until_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let spool = dir.path().join("spool");
        let printed = dir.path().join("printed");
        std::fs::create_dir_all(&spool).unwrap();
        std::fs::write(spool.join("7--b.pdf"), b"%PDF-1.4 b").unwrap();
        std::fs::write(spool.join("3--a.pdf"), b"%PDF-1.4 a").unwrap();
        std::fs::write(spool.join(".9.tmp"), b"%PDF half").unwrap();

        let taken = take_jobs(&spool, &printed);
        assert_eq!(taken, [printed.join("3/a.pdf"), printed.join("7/b.pdf")]);
        assert_eq!(std::fs::read(&taken[0]).unwrap(), b"%PDF-1.4 a");
        let still: Vec<_> = std::fs::read_dir(&spool)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(still, [".9.tmp"]);
        assert!(take_jobs(&spool, &printed).is_empty());

        assert_eq!(left_over(&printed), taken);
        forget(&taken[..1]);
        assert_eq!(left_over(&printed), [printed.join("7/b.pdf")]);
        assert!(!printed.join("3").exists());
    }
}
