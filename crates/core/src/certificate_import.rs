//! Installing the organisation's certificate for this user: a PKCS#12 file
//! (`.p12`/`.pfx`) from municipal IT becomes the `[certificate]` of the
//! per-user profile, and its password goes into the OS keyring.
//!
//! [`import_certificate`] either does all of it or nothing:
//!
//! 1. the file is opened with the password (a wrong password is said so) and
//!    must hold a key and certificate that can both sign and authenticate;
//! 2. the certificate must be valid now, and when it names an organisation
//!    number (subject `serialNumber`) it must be the profile's sender;
//! 3. a copy goes to `certificates/` next to the per-user profile (owner-only
//!    permissions, named after its content so a re-import is idempotent);
//! 4. the per-user profile, with its other settings and comments kept, is
//!    staged with `[certificate] pkcs12 = "certificates/…"` and loaded
//!    together with the system-wide file exactly as Kuvert will load it;
//! 5. the password is stored in the keyring under that profile's account;
//! 6. only then does the staged file replace the per-user profile.
//!
//! Any failure removes what was written (the copy, unless an identical file
//! was already installed, and the staged profile), so the previous profile
//! keeps working.

use std::io::Write;
use std::path::{Path, PathBuf};

use kuvert_protocol::dsig::SigningKey;
use kuvert_transport::{ClientIdentity, IdentityError};
use openssl::asn1::{Asn1Time, Asn1TimeRef};
use time::OffsetDateTime;

use crate::local_time::LocalTime;
use crate::profile::{Profile, ProfileError, ProfileLocations};
use crate::secrets::{Keyring, Password, SecretError};

/// The folder, next to the per-user profile, that holds imported certificates.
pub const CERTIFICATE_DIR: &str = "certificates";

/// What was installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledCertificate {
    /// The installed copy of the PKCS#12 file.
    pub file: PathBuf,
    /// The per-user profile that now names it.
    pub profile_file: PathBuf,
    /// The certificate subject's common name.
    pub subject: String,
    /// The organisation number the certificate carries, as written there.
    pub organisation_number: Option<String>,
    /// End of validity: RFC 3339 in Swedish local time with the offset
    /// (`2027-06-01T14:00:00+02:00`).
    pub not_after: String,
}

/// Why a certificate could not be imported. Nothing was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The chosen file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The chosen file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The password does not open the file.
    #[error("the password does not open {}", path.display())]
    WrongPassword {
        /// The chosen file.
        path: PathBuf,
    },
    /// The file is not a PKCS#12 file with a usable key and certificate.
    #[error("{} is not a usable PKCS#12 certificate: {reason}", path.display())]
    Unusable {
        /// The chosen file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The certificate is not valid today.
    #[error("the certificate {subject} is valid from {not_before} to {not_after}, not today")]
    NotValidNow {
        /// The subject's common name.
        subject: String,
        /// Start of validity, Swedish local time to the minute.
        not_before: String,
        /// End of validity, Swedish local time to the minute.
        not_after: String,
    },
    /// The certificate belongs to another organisation than the profile's sender.
    #[error(
        "the certificate belongs to organisation number {found}, \
         but the profile sends as {expected}"
    )]
    OtherOrganisation {
        /// The organisation number in the certificate.
        found: String,
        /// The profile's sender.
        expected: String,
    },
    /// Neither `XDG_CONFIG_HOME` nor `HOME` gives a per-user profile location.
    #[error("there is no per-user configuration folder (neither XDG_CONFIG_HOME nor HOME is set)")]
    NoUserProfile,
    /// The existing per-user profile is not TOML that can be edited.
    #[error("{}: {reason}", path.display())]
    UserProfileSyntax {
        /// The per-user profile.
        path: PathBuf,
        /// The parser's message (line and column).
        reason: String,
    },
    /// With the certificate installed, the profile would not load.
    #[error("with this certificate the profile cannot be used: {0}")]
    Profile(#[source] ProfileError),
    /// The password could not be stored in the keyring.
    #[error(transparent)]
    Keyring(#[from] SecretError),
    /// A file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

impl ImportError {
    /// A stable code for the kind of problem (`wrong_password`, `expired`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            ImportError::Read { .. } => "unreadable",
            ImportError::WrongPassword { .. } => "wrong_password",
            ImportError::Unusable { .. } => "not_pkcs12",
            ImportError::NotValidNow { .. } => "not_valid_now",
            ImportError::OtherOrganisation { .. } => "other_organisation",
            ImportError::NoUserProfile => "no_user_profile",
            ImportError::UserProfileSyntax { .. } => "user_profile_syntax",
            ImportError::Profile(_) => "profile",
            ImportError::Keyring(_) => "keyring",
            ImportError::Write { .. } => "write",
        }
    }

    /// What went wrong, in Swedish, for the officer (details in English
    /// through `Display`).
    pub fn swedish(&self) -> String {
        match self {
            ImportError::Read { path, .. } => format!("Filen {} kan inte läsas.", path.display()),
            ImportError::WrongPassword { .. } => {
                "Lösenordet öppnar inte certifikatfilen. Kontrollera lösenordet och försök igen."
                    .into()
            }
            ImportError::Unusable { .. } => {
                "Filen är inte ett användbart certifikat (PKCS#12, .p12 eller .pfx med nyckel)."
                    .into()
            }
            ImportError::NotValidNow {
                not_before,
                not_after,
                ..
            } => format!(
                "Certifikatet gäller inte i dag (giltigt {not_before} – {not_after}). \
                 Be IT om ett giltigt certifikat."
            ),
            ImportError::OtherOrganisation { found, expected } => format!(
                "Certifikatet tillhör organisationsnummer {found}, men profilen skickar som {expected}."
            ),
            ImportError::NoUserProfile => {
                "Det finns ingen personlig konfigurationsmapp (HOME saknas).".into()
            }
            ImportError::UserProfileSyntax { path, .. } => format!(
                "Den personliga profilen {} går inte att läsa; kontakta IT.",
                path.display()
            ),
            ImportError::Profile(_) => {
                "Profilen går inte att använda med certifikatet; kontakta IT.".into()
            }
            ImportError::Keyring(_) => {
                "Lösenordet kunde inte sparas i nyckelringen; inget har ändrats.".into()
            }
            ImportError::Write { path, .. } => {
                format!("{} kunde inte skrivas; inget har ändrats.", path.display())
            }
        }
    }
}

/// Imports `source` (a PKCS#12 file opened by `password`) into the per-user
/// profile of `locations` and stores the password in `keyring`; returns the
/// profile as Kuvert will now load it. See the [module documentation](self).
///
/// # Errors
///
/// An [`ImportError`]; nothing is changed then.
pub fn import_certificate(
    source: &Path,
    password: &Password,
    locations: &ProfileLocations,
    keyring: &Keyring,
    now: OffsetDateTime,
) -> Result<(Profile, InstalledCertificate), ImportError> {
    let bytes = std::fs::read(source).map_err(|e| ImportError::Read {
        path: source.to_path_buf(),
        source: e,
    })?;
    let identity = open(source, &bytes, password)?;
    check_validity(source, &identity, now)?;

    let user_file = locations.user.clone().ok_or(ImportError::NoUserProfile)?;
    let user_dir = user_file
        .parent()
        .map(Path::to_path_buf)
        .ok_or(ImportError::NoUserProfile)?;
    let relative = Path::new(CERTIFICATE_DIR).join(installed_name(source, &bytes));
    let installed = user_dir.join(&relative);
    let staged = user_dir.join(".profile.toml.importing");

    let mut undo = Undo::default();
    let result = (|| {
        if !installed.exists() {
            undo.files.push(installed.clone());
            write_private(&installed, &bytes)?;
        }
        let text = match std::fs::read_to_string(&user_file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => {
                return Err(ImportError::Read {
                    path: user_file.clone(),
                    source: e,
                })
            }
        };
        let edited = with_certificate(&text, &relative, &user_file)?;
        undo.files.push(staged.clone());
        write_private(&staged, edited.as_bytes())?;
        let candidate = Profile::load_from(
            None,
            &ProfileLocations {
                system: locations.system.clone(),
                user: Some(staged.clone()),
            },
        )
        .map_err(ImportError::Profile)?;
        check_organisation(&identity, &candidate)?;
        keyring.store_password(&candidate, password)?;
        // Should this fail, the stored password stays: it may be the one a
        // profile already uses (a re-import of the same file).
        std::fs::rename(&staged, &user_file).map_err(|e| ImportError::Write {
            path: user_file.clone(),
            source: e,
        })
    })();
    if let Err(e) = result {
        undo.run();
        return Err(e);
    }
    // Committed: the per-user profile names the certificate from here on.
    let profile = Profile::load_from(None, locations).map_err(ImportError::Profile)?;
    let summary = identity.summary();
    tracing::info!(file = %installed.display(), subject = %summary.subject_cn, "certificate imported");
    Ok((
        profile,
        InstalledCertificate {
            file: installed,
            profile_file: user_file,
            subject: summary.subject_cn,
            organisation_number: summary.organisation_number,
            not_after: instant(identity.certificate().not_after())
                .map(|at| LocalTime::of(at).iso())
                .unwrap_or(summary.not_after),
        },
    ))
}

/// Files to remove when an import fails part-way.
#[derive(Default)]
struct Undo {
    files: Vec<PathBuf>,
}

impl Undo {
    fn run(self) {
        for file in self.files {
            let _ = std::fs::remove_file(file);
        }
    }
}

/// Opens the file as both the TLS identity and the signing key.
fn open(source: &Path, bytes: &[u8], password: &Password) -> Result<ClientIdentity, ImportError> {
    let unusable = |reason: String| ImportError::Unusable {
        path: source.to_path_buf(),
        reason,
    };
    let identity = ClientIdentity::from_pkcs12(bytes, password.expose()).map_err(|e| match e {
        IdentityError::WrongPassword => ImportError::WrongPassword {
            path: source.to_path_buf(),
        },
        other => unusable(other.to_string()),
    })?;
    SigningKey::from_pkcs12(bytes, password.expose()).map_err(|e| unusable(e.to_string()))?;
    Ok(identity)
}

fn check_validity(
    source: &Path,
    identity: &ClientIdentity,
    now: OffsetDateTime,
) -> Result<(), ImportError> {
    let certificate = identity.certificate();
    let at = Asn1Time::from_unix(now.unix_timestamp()).map_err(|e| ImportError::Unusable {
        path: source.to_path_buf(),
        reason: format!("the time now cannot be compared with its validity: {e}"),
    })?;
    let started = certificate.not_before() <= at;
    let ended = certificate.not_after() < at;
    if started && !ended {
        return Ok(());
    }
    Err(ImportError::NotValidNow {
        subject: identity.summary().subject_cn,
        not_before: minute_text(certificate.not_before()),
        not_after: minute_text(certificate.not_after()),
    })
}

/// The instant of an ASN.1 time; `None` outside what `time` represents.
pub(crate) fn instant(asn1: &Asn1TimeRef) -> Option<OffsetDateTime> {
    let diff = Asn1Time::from_unix(0).ok()?.diff(asn1).ok()?;
    OffsetDateTime::from_unix_timestamp(i64::from(diff.days) * 86_400 + i64::from(diff.secs)).ok()
}

/// An ASN.1 time as people read it: Swedish local time to the minute, or as
/// the certificate states it where that cannot be had.
fn minute_text(asn1: &Asn1TimeRef) -> String {
    instant(asn1).map_or_else(|| asn1.to_string(), |at| LocalTime::of(at).minute_text())
}

/// A certificate naming an organisation number must name the sender's: the
/// intermediary refuses deliveries whose sender is not the certificate's.
pub(crate) fn check_organisation(
    identity: &ClientIdentity,
    profile: &Profile,
) -> Result<(), ImportError> {
    let Some(found) = identity.summary().organisation_number else {
        return Ok(());
    };
    let digits: String = found.chars().filter(char::is_ascii_digit).collect();
    let expected = profile.organisation_number();
    let ten = |s: &str| s.get(s.len().saturating_sub(10)..).unwrap_or(s).to_string();
    if ten(&digits) == ten(expected.as_str()) {
        Ok(())
    } else {
        Err(ImportError::OtherOrganisation {
            found,
            expected: expected.display_form(),
        })
    }
}

/// `<file stem>-<first 12 hex digits of the content's SHA-256>.p12`, with
/// anything but letters, digits, `-` and `_` in the stem replaced.
fn installed_name(source: &Path, bytes: &[u8]) -> String {
    let stem: String = source
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    let digest = openssl::sha::sha256(bytes);
    let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    let stem = if stem.is_empty() { "certifikat" } else { &stem };
    format!("{stem}-{hex}.p12")
}

/// The per-user profile text with its `[certificate]` table replaced by one
/// naming `relative`; everything else (tables, comments) is kept.
fn with_certificate(text: &str, relative: &Path, file: &Path) -> Result<String, ImportError> {
    let mut document: toml_edit::DocumentMut =
        text.parse()
            .map_err(|e: toml_edit::TomlError| ImportError::UserProfileSyntax {
                path: file.to_path_buf(),
                reason: e.to_string(),
            })?;
    let mut table = toml_edit::Table::new();
    table.insert(
        "pkcs12",
        toml_edit::value(relative.to_string_lossy().into_owned()),
    );
    table.decor_mut().set_prefix(
        "\n# Imported by Kuvert; the password is in the OS keyring, never in this file.\n",
    );
    document.insert("certificate", toml_edit::Item::Table(table));
    Ok(document.to_string())
}

/// Writes `bytes` to `path` readable by the owner only, creating the folder
/// (also owner-only) when missing; complete or not at all.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), ImportError> {
    let failed = |source| ImportError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        create_private_dir(dir).map_err(failed)?;
    }
    let partial = path.with_extension("partial");
    let written = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&partial)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&partial, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written.map_err(failed)
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_installed_name_keeps_a_readable_stem_and_depends_on_the_content() {
        let a = installed_name(Path::new("/tmp/Kommun B (2026).pfx"), b"one");
        let b = installed_name(Path::new("/tmp/Kommun B (2026).pfx"), b"two");
        assert!(a.starts_with("Kommun_B__2026_-"), "{a}");
        assert!(a.ends_with(".p12"));
        assert_eq!(a.len(), "Kommun_B__2026_-".len() + 12 + 4);
        assert_ne!(a, b);
        assert_eq!(
            a,
            installed_name(Path::new("/elsewhere/Kommun B (2026).pfx"), b"one")
        );
    }

    #[test]
    fn the_certificate_table_is_replaced_and_everything_else_kept() {
        let text = "# mina inställningar\n[service]\ncall_timeout_seconds = 90 # långsamt nät\n\n[certificate]\ncert_pem = \"a.pem\"\nkey_pem = \"a.key\"\n";
        let edited =
            with_certificate(text, Path::new("certificates/x.p12"), Path::new("p")).expect("edits");
        assert!(edited.contains("# mina inställningar"));
        assert!(edited.contains("call_timeout_seconds = 90 # långsamt nät"));
        assert!(edited.contains("pkcs12 = \"certificates/x.p12\""));
        assert!(!edited.contains("cert_pem"));
        assert!(!edited.contains("key_pem"));
    }

    #[test]
    fn a_user_profile_that_is_not_toml_is_named_with_line_and_column() {
        let error = with_certificate(
            "[service\n",
            Path::new("c.p12"),
            Path::new("/u/profile.toml"),
        )
        .expect_err("not TOML");
        let text = error.to_string();
        assert!(text.starts_with("/u/profile.toml: "), "{text}");
        assert!(text.contains("line 1"), "{text}");
    }
}
