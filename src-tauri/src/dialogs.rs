//! Native file dialogs, run from the Rust side so the UI needs no dialog
//! permissions of its own.
//!
//! `KUVERT_SAVE_DIR` (test-only; the end-to-end tests set it) answers the
//! save dialog with `KUVERT_SAVE_DIR/<suggested name>` without showing it:
//! WebDriver cannot drive GTK's native file chooser.

use std::path::PathBuf;

use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;

/// The environment variable that bypasses the save dialog in tests.
pub const SAVE_DIR: &str = "KUVERT_SAVE_DIR";

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

/// Files chosen to attach; empty when cancelled.
pub fn open_paths(app: &AppHandle) -> Vec<String> {
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
