//! What the officer chose in the app and expects to find again on the next
//! start: the language (the first-run page's choice included). Kept as a
//! small JSON file in the data directory, next to the sent log, so that the
//! background loop's notifications speak the same language as the window.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The languages the app speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Svenska (the default).
    #[default]
    Sv,
    /// English.
    En,
}

/// The officer's choices.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Preferences {
    /// The language chosen, or `None` before anyone chose.
    #[serde(default)]
    pub language: Option<Language>,
    /// "Använd testmiljön" was chosen on the first-run page: without a
    /// profile, the next start opens the test environment again instead of
    /// asking once more (a configured profile always wins).
    #[serde(default)]
    pub test_environment: bool,
}

/// The file under `data_dir`.
pub fn file(data_dir: &Path) -> PathBuf {
    data_dir.join("preferences.json")
}

/// The choices kept under `data_dir`; none when there is no file yet or it
/// cannot be read (a damaged file is not a reason to refuse to start).
pub fn load(data_dir: &Path) -> Preferences {
    let path = file(data_dir);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|error| {
            tracing::warn!(%error, path = %path.display(), "preferences unreadable, using defaults");
            Preferences::default()
        }),
        Err(_) => Preferences::default(),
    }
}

/// Keeps `preferences` under `data_dir`, whole or not at all.
pub fn save(data_dir: &Path, preferences: &Preferences) -> Result<(), kuvert_core::Error> {
    let bytes = serde_json::to_vec_pretty(preferences).unwrap_or_default();
    let path = file(data_dir);
    kuvert_core::files::write_whole(&path, |w| {
        use std::io::Write;
        w.write_all(&bytes)
            .map_err(|source| kuvert_core::Error::File {
                path: path.clone(),
                source,
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_chosen_is_found_again() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()).language, None);
        save(
            dir.path(),
            &Preferences {
                language: Some(Language::En),
                test_environment: true,
            },
        )
        .unwrap();
        assert_eq!(load(dir.path()).language, Some(Language::En));
        assert!(load(dir.path()).test_environment);
        // A file from before the choice existed.
        std::fs::write(file(dir.path()), br#"{"language":"sv"}"#).unwrap();
        assert!(!load(dir.path()).test_environment);
        std::fs::write(file(dir.path()), b"{ not json").unwrap();
        assert_eq!(load(dir.path()), Preferences::default());
    }
}
