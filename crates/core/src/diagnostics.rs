//! The diagnostics bundle for IT: "Spara felsökningsinfo" in the app's
//! Settings and `kuvert doctor --bundle FILE`.
//!
//! One ZIP file an officer can mail to support without leaking a case:
//! - `LASMIG.txt`: what is in it and what is not;
//! - `about.json`: Kuvert's version, the system, when it was made;
//! - `doctor.json`: every [`doctor`](crate::doctor) finding;
//! - `profile/…`: the profile files read, as they are on disk;
//! - `log/kuvert.log`, `log/kuvert.log.1`: the last [`LOG_TAIL_BYTES`] of
//!   each log file.
//!
//! Every text is passed through
//! [`mask_identity_numbers`](kuvert_protocol::identity::mask_identity_numbers)
//! on the way in (the log masks them already; a profile or a fault text
//! from elsewhere might not), and a profile line naming a password, secret
//! or key is removed. Never in it: the store (messages, bodies,
//! attachments, the sent log), certificates and keys, the keyring.

use std::io::Write;
use std::path::{Path, PathBuf};

use kuvert_protocol::identity::mask_identity_numbers;
use serde_json::json;
use zip::write::SimpleFileOptions;
use zip::ZipWriter;

use crate::doctor::Checkup;
use crate::files::write_whole;
use crate::Error;

/// How much of each log file's end goes in.
pub const LOG_TAIL_BYTES: u64 = 1024 * 1024;

/// What a bundle is made from.
#[derive(Debug, Clone)]
pub struct BundleInput<'a> {
    /// Which program made it (`kuvert-desktop`, `kuvert`) and its version.
    pub program: &'a str,
    /// The doctor's findings.
    pub checkup: &'a Checkup,
    /// The profile files read, in order.
    pub profile_files: Vec<PathBuf>,
    /// The log file (its `.1` predecessor is taken too, when there is one).
    pub log_file: PathBuf,
    /// The data directory (named, not included).
    pub data_dir: PathBuf,
}

/// What the bundle holds, by entry name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// The entries written.
    pub entries: Vec<String>,
}

impl<'a> BundleInput<'a> {
    /// What `program` puts in a bundle for `profile` with its files where
    /// `paths` say.
    pub fn of(
        program: &'a str,
        checkup: &'a Checkup,
        profile: &crate::profile::Profile,
        paths: &crate::paths::Paths,
    ) -> Self {
        BundleInput {
            program,
            checkup,
            profile_files: profile.files().to_vec(),
            log_file: paths.log_file(),
            data_dir: paths.data_dir().to_path_buf(),
        }
    }
}

const README: &str = "Kuvert – felsökningsinformation för IT\n\
\n\
Innehåll: Kuverts version och system (about.json), kontrollerna från\n\
`kuvert doctor` (doctor.json), profilfilerna (profile/) och slutet av\n\
loggfilerna (log/). Personnummer och samordningsnummer är maskerade\n\
(de fyra sista siffrorna som ****) och rader med lösenord, hemligheter\n\
eller nycklar är borttagna ur profilerna.\n\
\n\
Inte med: meddelanden, brödtexter, bilagor, den skickade loggen,\n\
certifikat, privata nycklar och nyckelringen.\n\
\n\
Contents: Kuvert's version and system, the `kuvert doctor` findings, the\n\
profile files and the end of the log files, identity numbers masked and\n\
password, secret and key lines removed from the profiles. Never included:\n\
messages, bodies, attachments, the sent log, certificates, keys, keyring.\n";

/// Writes the bundle to `out` (whole or not at all).
///
/// # Errors
///
/// [`Error::File`] when `out` cannot be written. A profile or log file
/// that cannot be read is named in the bundle instead.
pub fn write_bundle(out: &Path, input: &BundleInput<'_>) -> Result<Bundle, Error> {
    let mut entries: Vec<(String, String)> = vec![
        ("LASMIG.txt".into(), README.into()),
        ("about.json".into(), about(input)),
        (
            "doctor.json".into(),
            serde_json::to_string_pretty(&json!({
                "health": input.checkup.worst(),
                "findings": input.checkup.findings,
            }))
            .unwrap_or_default(),
        ),
    ];
    for (n, file) in input.profile_files.iter().enumerate() {
        let name = file
            .file_name()
            .map_or_else(|| "profile.toml".into(), |n| n.to_string_lossy());
        let text = match std::fs::read_to_string(file) {
            Ok(text) => without_secrets(&text),
            Err(error) => format!("# {} could not be read: {error}\n", file.display()),
        };
        entries.push((format!("profile/{}-{name}", n + 1), text));
    }
    let mut previous = input.log_file.as_os_str().to_owned();
    previous.push(".1");
    for log in [input.log_file.clone(), PathBuf::from(previous)] {
        if let Some(tail) = tail(&log, LOG_TAIL_BYTES) {
            let name = log.file_name().map(|n| n.to_string_lossy().into_owned());
            entries.push((format!("log/{}", name.unwrap_or_default()), tail));
        }
    }
    write_whole(out, |writer| {
        let mut zip = ZipWriter::new(writer);
        let options = SimpleFileOptions::default().unix_permissions(0o644);
        for (name, text) in &entries {
            let failed = |e: zip::result::ZipError| Error::File {
                path: out.join(name),
                source: std::io::Error::other(e),
            };
            zip.start_file(name.as_str(), options).map_err(failed)?;
            zip.write_all(mask_identity_numbers(text).as_bytes())
                .map_err(Error::file(out.join(name)))?;
        }
        zip.finish().map_err(|e| Error::File {
            path: out.to_path_buf(),
            source: std::io::Error::other(e),
        })?;
        Ok(())
    })?;
    Ok(Bundle {
        entries: entries.into_iter().map(|(name, _)| name).collect(),
    })
}

fn about(input: &BundleInput<'_>) -> String {
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    serde_json::to_string_pretty(&json!({
        "program": input.program,
        "kuvert_core": env!("CARGO_PKG_VERSION"),
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "data_dir": input.data_dir,
        "log_file": input.log_file,
        "made_at": now,
    }))
    .unwrap_or_default()
}

/// `text` without the lines that name a password, secret or key (a
/// profile should hold none; one pasted in by mistake stays out).
pub fn without_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let key = line.split('=').next().unwrap_or_default().to_lowercase();
        let secret = line.contains('=')
            && [
                "password",
                "passphrase",
                "secret",
                "private_key",
                "token",
                "losenord",
            ]
            .iter()
            .any(|word| key.contains(word));
        if secret {
            out.push_str("# (a line naming a password or key was removed)\n");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The last `bytes` of `file` (from the first whole line), if it exists.
fn tail(file: &Path, bytes: u64) -> Option<String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(file).ok()?;
    let length = f.metadata().ok()?.len();
    let start = length.saturating_sub(bytes);
    f.seek(SeekFrom::Start(start)).ok()?;
    let mut buffer = Vec::new();
    f.read_to_end(&mut buffer).ok()?;
    let text = String::from_utf8_lossy(&buffer).into_owned();
    Some(if start > 0 {
        text.split_once('\n')
            .map_or(text.clone(), |(_, rest)| rest.to_owned())
    } else {
        text
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_naming_a_secret_are_removed_and_the_rest_kept() {
        let profile = "name = \"Sundsvall\"\npassword = \"hemligt\"\nkey_password_file = \"/x\"\n# a comment\n";
        let kept = without_secrets(profile);
        assert!(kept.contains("name = \"Sundsvall\""));
        assert!(kept.contains("# a comment"));
        assert!(!kept.contains("hemligt"));
        assert!(!kept.contains("/x"));
    }

    #[test]
    fn a_tail_starts_at_a_whole_line() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("kuvert.log");
        std::fs::write(&log, "first line\nsecond line\nthird\n").unwrap();
        assert_eq!(tail(&log, 14).unwrap(), "third\n");
        assert_eq!(
            tail(&log, 1000).unwrap(),
            "first line\nsecond line\nthird\n"
        );
        assert_eq!(tail(&dir.path().join("none"), 10), None);
    }
}
