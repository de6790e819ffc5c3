//! Where the layered profile files are looked for.

use std::path::PathBuf;

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
    /// The standard places, from this process's environment.
    pub fn from_environment() -> Self {
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
