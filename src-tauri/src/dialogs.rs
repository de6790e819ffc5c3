//! Native file dialogs, run from the Rust side so the UI needs no dialog
//! permissions of its own.
//!
//! WebDriver cannot drive GTK's native file chooser, so in builds with the
//! `test-hooks` feature (the end-to-end tests' build, `scripts/e2e-app`) two
//! environment variables answer the dialogs without showing them; see
//! [`kuvert_test_hooks::save_dir`] and [`kuvert_test_hooks::open_files`].

use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;

/// Where to save `suggested_name`; `None` when the officer cancels.
pub fn save_path(app: &AppHandle, suggested_name: &str) -> Option<String> {
    if let Some(dir) = kuvert_test_hooks::save_dir() {
        return Some(dir.join(suggested_name).display().to_string());
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
    let paths = kuvert_test_hooks::open_files()?;
    Some(paths.iter().map(|p| p.display().to_string()).collect())
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
