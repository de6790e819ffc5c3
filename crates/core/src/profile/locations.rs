//! Where the layered profile files are looked for, in which order they are
//! read, and where imported certificates go.

use std::path::{Path, PathBuf};

/// The system-wide and per-user profile files.
///
/// [`ProfileLocations::from_environment`] gives the standard places; tests
/// and diagnostics build one by hand or with [`ProfileLocations::from_lookup`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileLocations {
    /// The system-wide file, normally `/etc/kuvert/profile.toml`.
    pub system: PathBuf,
    /// The per-user file, normally `$XDG_CONFIG_HOME/kuvert/profile.toml`;
    /// `None` when neither `XDG_CONFIG_HOME` nor `HOME` is set.
    pub user: Option<PathBuf>,
}

impl ProfileLocations {
    /// The standard places, from this process's environment. On Windows
    /// the system file is `%ProgramData%\Kuvert\profile.toml` (where IT's
    /// software distribution puts it) and the user's
    /// `%APPDATA%\kuvert\profile.toml`.
    pub fn from_environment() -> Self {
        if cfg!(windows) {
            let program_data = std::env::var_os("ProgramData")
                .map_or_else(|| PathBuf::from(r"C:\ProgramData"), PathBuf::from);
            return ProfileLocations {
                system: program_data.join("Kuvert").join("profile.toml"),
                user: dirs::config_dir().map(|c| c.join("kuvert").join("profile.toml")),
            };
        }
        Self::from_lookup(|name| std::env::var_os(name).map(PathBuf::from))
    }

    /// The standard places, reading environment variables through `lookup`:
    /// `$XDG_CONFIG_HOME/kuvert/profile.toml` when `XDG_CONFIG_HOME` is set
    /// to an absolute path (as the XDG specification requires), otherwise
    /// `$HOME/.config/kuvert/profile.toml`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<PathBuf>) -> Self {
        let config_home = lookup("XDG_CONFIG_HOME")
            .filter(|p| p.is_absolute())
            .or_else(|| {
                lookup("HOME")
                    .filter(|p| p.is_absolute())
                    .map(|h| h.join(".config"))
            });
        ProfileLocations {
            system: PathBuf::from(super::SYSTEM_PROFILE),
            user: config_home.map(|c| c.join("kuvert").join("profile.toml")),
        }
    }
}

/// Which layer a profile file is (see the [module documentation](super)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileLayer {
    /// The system-wide file, deployed by IT.
    System,
    /// The per-user file, overriding the system-wide one key by key.
    User,
    /// A file named explicitly (`--profile`, `KUVERT_PROFILE`), read alone.
    Explicit,
}

impl ProfileLayer {
    /// The layer's name as `kuvert paths` prints it.
    pub fn code(self) -> &'static str {
        match self {
            ProfileLayer::System => "system",
            ProfileLayer::User => "user",
            ProfileLayer::Explicit => "explicit",
        }
    }
}

/// One file the profile loader reads (when it exists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileFile {
    /// Its layer.
    pub layer: ProfileLayer,
    /// The file.
    pub path: PathBuf,
}

impl ProfileFile {
    /// Whether the file is there now, so that the loader reads it (an
    /// explicit file that is missing is an error instead).
    pub fn exists(&self) -> bool {
        self.path.is_file()
    }
}

impl ProfileLocations {
    /// The files [`Profile::load_from`](super::Profile::load_from) reads, in
    /// order, lowest priority first: `explicit` alone when given, else the
    /// system-wide file, then the per-user file.
    pub fn read_order(&self, explicit: Option<&Path>) -> Vec<ProfileFile> {
        match explicit {
            Some(path) => vec![ProfileFile {
                layer: ProfileLayer::Explicit,
                path: path.to_path_buf(),
            }],
            None => std::iter::once(ProfileFile {
                layer: ProfileLayer::System,
                path: self.system.clone(),
            })
            .chain(self.user.clone().map(|path| ProfileFile {
                layer: ProfileLayer::User,
                path,
            }))
            .collect(),
        }
    }

    /// The folder imported certificates are copied to: `certificates/` next
    /// to the per-user profile (see [`crate::certificate_import`]); `None`
    /// without a per-user profile location.
    pub fn certificate_store(&self) -> Option<PathBuf> {
        let user = self.user.as_deref()?;
        Some(
            user.parent()?
                .join(crate::certificate_import::CERTIFICATE_DIR),
        )
    }
}
