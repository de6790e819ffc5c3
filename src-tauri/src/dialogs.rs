//! Native file dialogs, run from the Rust side so the UI needs no dialog
//! permissions of its own.
//!
//! WebDriver cannot drive GTK's native file chooser, so two test-only
//! environment variables (the end-to-end tests set them) answer the dialogs
//! without showing them:
//! - `KUVERT_SAVE_DIR`: the save dialog answers `KUVERT_SAVE_DIR/<suggested name>`;
//! - `KUVERT_OPEN_FILES`: the open dialogs answer these paths (separated as
//!   in `PATH`, `:` on Linux), the certificate chooser the first of them.

use std::path::PathBuf;

use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;

/// The environment variable that bypasses the save dialog in tests.
pub const SAVE_DIR: &str = "KUVERT_SAVE_DIR";

/// The environment variable that bypasses the open dialogs in tests.
pub const OPEN_FILES: &str = "KUVERT_OPEN_FILES";

/// Where to save `suggested_name`; `None` when the officer cancels.
pub fn save_path(app: &AppHandle, suggested_name: &str) -> Option<String> {
    if let Some(dir) = std::env::var_os(SAVE_DIR) {
        return Some(
            PathBuf::from(dir)
                .join(suggested_name)
                .display()
                .to_string(),
        );
    }
    app.dialog()
        .file()
        .set_file_name(suggested_name)
        .blocking_save_file()
        .and_then(|p| p.into_path().ok())
        .map(|p| p.display().to_string())
}

/// The test-only answer to an open dialog, when set.
fn answered_by_test() -> Option<Vec<String>> {
    let paths = std::env::var_os(OPEN_FILES)?;
    Some(
        std::env::split_paths(&paths)
            .map(|p| p.display().to_string())
            .collect(),
    )
}

/// Files chosen to attach; empty when cancelled.
pub fn open_paths(app: &AppHandle) -> Vec<String> {
    if let Some(paths) = answered_by_test() {
        return paths;
    }
    app.dialog()
        .file()
        .add_filter(
            "Dokument",
            &["pdf", "jpg", "jpeg", "png", "txt", "docx", "xlsx", "odt"],
        )
        .blocking_pick_files()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| p.into_path().ok())
        .map(|p| p.display().to_string())
        .collect()
}

/// A certificate file (`.p12`/`.pfx`) to import; `None` when cancelled.
pub fn certificate_path(app: &AppHandle) -> Option<String> {
    if let Some(paths) = answered_by_test() {
        return paths.into_iter().next();
    }
    app.dialog()
        .file()
        .add_filter("Certifikat (PKCS#12)", &["p12", "pfx"])
        .blocking_pick_file()
        .and_then(|p| p.into_path().ok())
        .map(|p| p.display().to_string())
}
