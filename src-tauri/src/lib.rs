//! # kuvert-desktop
//!
//! Kuvert's desktop app: a Tauri 2 shell around [`kuvert_core`]. The
//! window's UI (Svelte, in `ui/`) calls the commands in [`commands`], each
//! a few lines forwarding to the core; the shapes that cross are in [`dto`]
//! with TypeScript declarations generated into `ui/src/lib/backend/types.ts`.
//! [`session`] holds the open profile (or the built-in test environment);
//! [`outbox`] follows the Outbox in the background and notifies;
//! [`logging`] writes the log to standard error and the data directory.
//!
//! Start-up options:
//! - `--test-environment` or `KUVERT_TEST_ENVIRONMENT=1`: start straight on
//!   the built-in test environment (no profile needed);
//! - `KUVERT_PROFILE=/path/profile.toml`: that profile instead of the
//!   system-wide and per-user files;
//! - `KUVERT_DATA_DIR`: where the store and the test environment live
//!   (default: `$XDG_DATA_HOME/kuvert`, the data directory the `kuvert`
//!   command uses too; see [`kuvert_core::paths`]);
//! - `KUVERT_LOG`: what to log (default `warn,kuvert_core=info,…`);
//! - `--attach FILE… [--to ID] [--subject S] [--case DNR]`, plain paths,
//!   `file://` URLs or a `kuvert://compose?…` link: open the compose form
//!   with that filled in ([`handoff`]). Given to a second start, they reach
//!   the running app (the single-instance plugin) and the second one ends;
//! - `KUVERT_PRINT_SPOOL`: where the "Kuvert" printer leaves print jobs
//!   ([`print_inbox`]).
//!
//! ```
//! // The TypeScript the UI is type-checked against.
//! assert!(kuvert_desktop::dto::typescript().contains("export type CommandError"));
//! ```
#![deny(missing_docs)]

pub mod commands;
pub mod department;
pub mod dialogs;
pub mod dto;
pub mod handoff;
pub mod logging;
pub mod outbox;
pub mod preferences;
pub mod print_inbox;
pub mod session;

use std::path::{Path, PathBuf};

use kuvert_core::paths::Paths;
use tauri::Manager;

use crate::handoff::Handoffs;
use crate::session::Session;

/// Kuvert's window is forms and lists: WebKit's accelerated compositing buys
/// nothing there, costs some 75 MB in the web process (measured with
/// `bench/app.sh`), and is a known source of blank windows with some GPU
/// drivers. An explicit `WEBKIT_DISABLE_COMPOSITING_MODE` in the
/// environment is left as it is. Called first, before any thread starts.
fn prefer_software_compositing() {
    const VARIABLE: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
    if std::env::var_os(VARIABLE).is_none() {
        std::env::set_var(VARIABLE, "1");
    }
}

/// Whether to start on the built-in test environment.
fn test_environment_requested() -> bool {
    std::env::args().any(|a| a == "--test-environment")
        || std::env::var("KUVERT_TEST_ENVIRONMENT").is_ok_and(|v| v == "1")
}

/// Opens what the start-up options ask for, then lets the commands run.
fn open_at_start(app: &tauri::AppHandle) {
    let session = app.state::<Session>();
    let opened = if test_environment_requested() {
        session.open_test_environment().map(Some)
    } else {
        let explicit = session.paths().explicit_profile().map(PathBuf::from);
        match session.open_configured(explicit.as_deref()) {
            // No profile yet, and the officer chose the test environment
            // on the first-run page before: open it again.
            Ok(None) if preferences::load(session.data_dir()).test_environment => {
                session.open_test_environment().map(Some)
            }
            other => other,
        }
    };
    match opened {
        Ok(Some(recipe)) => {
            logging::apply_profile_level(recipe.profile().log_level());
            outbox::follow(app.clone(), recipe);
        }
        Ok(None) => {}
        Err(problem) => session.set_problem(problem),
    }
    session.mark_started();
}

/// Another `kuvert-desktop` was started while this one runs: what it was
/// asked to compose waits for the window, which comes to the front.
fn second_start(app: &tauri::AppHandle, args: Vec<String>, cwd: String) {
    tracing::info!("a second start handed over its arguments");
    if let Some(request) = handoff::from_args(args.get(1..).unwrap_or_default(), Path::new(&cwd)) {
        app.state::<Handoffs>().hand_over(app, request);
    }
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Writes the window's size and position soon after each change, not only
/// when the app ends normally (the window-state plugin's own moment): a
/// session that ends by logging out or a crash keeps them too.
fn keep_window_state(window: &tauri::WebviewWindow) {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    use tauri_plugin_window_state::{AppHandleExt, StateFlags};
    let changes = Arc::new(AtomicU64::new(0));
    let app = window.app_handle().clone();
    window.on_window_event(move |event| {
        if !matches!(
            event,
            tauri::WindowEvent::Resized(_) | tauri::WindowEvent::Moved(_)
        ) {
            return;
        }
        // Once the window has stayed put for a moment: a drag is many events.
        let change = changes.fetch_add(1, Ordering::SeqCst) + 1;
        let (changes, app) = (changes.clone(), app.clone());
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(700));
            if changes.load(Ordering::SeqCst) == change {
                if let Err(error) = app.save_window_state(StateFlags::all()) {
                    tracing::warn!("the window's size and position were not kept: {error}");
                }
            }
        });
    });
}

/// Runs the app until its window closes.
pub fn run() {
    prefer_software_compositing();
    let paths = match Paths::from_environment(None) {
        Ok(paths) => paths.with_profile(std::env::var_os("KUVERT_PROFILE").map(PathBuf::from)),
        Err(error) => {
            eprintln!("Kuvert could not start: {error}");
            std::process::exit(1);
        }
    };
    logging::init(&paths.log_file());
    let app = tauri::Builder::default()
        // First: a second start hands its arguments (files to attach, a
        // kuvert:// link) to the running app and exits before anything else.
        .plugin(tauri_plugin_single_instance::init(second_start))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .setup(move |app| {
            // Created here rather than from tauri.conf.json ("create":
            // false) to give its browser storage a place in the data
            // directory: Tauri's default is its app data folder, the one
            // Kuvert moved away from.
            let window = app
                .config()
                .app
                .windows
                .iter()
                .find(|w| w.label == "main")
                .cloned()
                .ok_or("tauri.conf.json has no main window")?;
            let window = tauri::WebviewWindowBuilder::from_config(app.handle(), &window)?
                .data_directory(paths.webview_dir())
                .build()?;
            keep_window_state(&window);
            app.manage(Session::starting_with(paths.clone()));
            let handoffs = Handoffs::default();
            let args: Vec<String> = std::env::args().skip(1).collect();
            let cwd = std::env::current_dir().unwrap_or_default();
            if let Some(request) = handoff::from_args(&args, &cwd) {
                handoffs.push(request);
            }
            app.manage(handoffs);
            print_inbox::follow(app.handle().clone(), paths.data_dir().to_path_buf());
            // The window shows while the profile (or the test environment)
            // opens; the commands wait for it.
            let handle = app.handle().clone();
            std::thread::spawn(move || open_at_start(&handle));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_status,
            commands::preferences,
            commands::set_language,
            commands::use_test_environment,
            commands::check_recipient,
            commands::save_draft,
            commands::draft,
            commands::drafts,
            commands::delete_draft,
            commands::attach_files,
            commands::remove_attachment,
            commands::take_compose_request,
            commands::summarise,
            commands::send_draft,
            commands::envelope_size,
            commands::compress_attachment,
            commands::send_draft_on_paper,
            commands::folder,
            commands::message,
            commands::refresh_status,
            commands::send_again,
            commands::mark_handled,
            commands::withdraw,
            commands::certificate_health,
            commands::search_log,
            commands::choose_save_path,
            commands::choose_files,
            commands::export_log,
            commands::archive_message,
            commands::archive_log,
            commands::save_letter,
            commands::print_letter,
            commands::purge,
            commands::purges,
            commands::verify_log,
            commands::store_password,
            commands::choose_certificate,
            commands::import_certificate,
            commands::paths,
            commands::save_diagnostics,
        ])
        .run(tauri::tauri_build_context!());
    if let Err(error) = app {
        eprintln!("Kuvert could not start: {error}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests;
