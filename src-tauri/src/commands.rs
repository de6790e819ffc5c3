//! The Tauri commands: each forwards to kuvert-core through the session and
//! converts at the boundary (see [`crate::dto`]). Commands that may wait on
//! the network or the disk are `async`, so they run off the window's thread.

use std::io::Write;
use std::path::Path;

use kuvert_core::compose::{AttachmentFile, Draft};
use kuvert_core::files::write_whole;
use kuvert_core::filter::LogFilter;
use kuvert_core::profile::ProfileLocations;
use kuvert_core::secrets::{Keyring, Password};
use kuvert_core::{Error, Kuvert, SendState};
use kuvert_store::{DraftId, SentLogQuery};
use tauri::{AppHandle, State};

use crate::dialogs;
use crate::dto::*;
use crate::outbox;
use crate::session::Session;

type Answer<T> = Result<T, CommandError>;

/// Whether a profile is open; the first-run page shows when not.
/// (Waits until the profile opened at start is open.)
#[tauri::command]
pub async fn app_status(session: State<'_, Session>) -> Result<AppStatus, CommandError> {
    let state = session.state();
    Ok(AppStatus {
        configured: state.is_some(),
        test_environment: state.as_ref().is_some_and(|(_, test)| *test),
        profile: state.as_ref().map(|(p, _)| ProfileView::from(p)),
        problem: session.problem(),
    })
}

/// "Använd testmiljön": starts the built-in test environment and opens it.
#[tauri::command]
pub async fn use_test_environment(
    app: AppHandle,
    session: State<'_, Session>,
) -> Answer<ProfileView> {
    let recipe = session.open_test_environment()?;
    outbox::follow(app, recipe.clone());
    session.with(|o| Ok(ProfileView::from(o.kuvert.profile())))
}

/// Looks a recipient up (on a handle of its own: the window's other
/// commands go on while FaR answers).
#[tauri::command]
pub async fn check_recipient(session: State<'_, Session>, input: String) -> Answer<RecipientCheck> {
    let mut outcomes = session.with_own_handle(|k| k.check(std::slice::from_ref(&input)))?;
    Ok(outcomes
        .pop()
        .map(RecipientCheck::from)
        .unwrap_or(RecipientCheck::Invalid {
            input,
            reason: "no answer".into(),
        }))
}

/// Saves a draft's fields (autosave); returns its id.
#[tauri::command]
pub async fn save_draft(
    session: State<'_, Session>,
    id: Option<i64>,
    fields: DraftFieldsView,
) -> Answer<i64> {
    session.with(|o| {
        let store = o.kuvert.store();
        Ok(store
            .save_draft(id.map(DraftId), &fields.into(), o.kuvert.now())?
            .0)
    })
}

/// One draft with its attachments.
#[tauri::command]
pub async fn draft(session: State<'_, Session>, id: i64) -> Answer<DraftView> {
    session.with(|o| load_draft(&o.kuvert, id).map(DraftView::from))
}

/// The Drafts folder.
#[tauri::command]
pub async fn drafts(session: State<'_, Session>) -> Answer<Vec<DraftRow>> {
    session.with(|o| {
        Ok(o.kuvert
            .store()
            .drafts()?
            .into_iter()
            .map(DraftRow::from)
            .collect())
    })
}

/// Deletes a draft.
#[tauri::command]
pub async fn delete_draft(session: State<'_, Session>, id: i64) -> Answer<()> {
    session.with(|o| Ok(o.kuvert.store().delete_draft(DraftId(id))?))
}

/// Attaches files (by path: from the file dialog or dropped on the window).
#[tauri::command]
pub async fn attach_files(
    session: State<'_, Session>,
    id: i64,
    paths: Vec<String>,
) -> Answer<DraftView> {
    session.with(|o| {
        for path in &paths {
            attach(&o.kuvert, id, Path::new(path))?;
        }
        load_draft(&o.kuvert, id).map(DraftView::from)
    })
}

/// Removes an attachment from a draft.
#[tauri::command]
pub async fn remove_attachment(
    session: State<'_, Session>,
    id: i64,
    attachment_id: i64,
) -> Answer<DraftView> {
    session.with(|o| {
        o.kuvert
            .store()
            .remove_draft_attachment(DraftId(id), attachment_id, o.kuvert.now())?;
        load_draft(&o.kuvert, id).map(DraftView::from)
    })
}

/// Validates a draft; the summary to confirm, or every problem.
#[tauri::command]
pub async fn summarise(
    session: State<'_, Session>,
    id: i64,
    operator: Option<String>,
) -> Answer<SummaryView> {
    session.with(|o| {
        let summary = o
            .kuvert
            .validate(&core_draft(&o.kuvert, id)?)?
            .summary(operator.as_deref());
        Ok(SummaryView {
            swedish: summary.swedish,
            english: summary.english,
        })
    })
}

/// Sends a draft; the draft is removed once the message is stored. (On a
/// handle of its own, as the recipient check.)
#[tauri::command]
pub async fn send_draft(session: State<'_, Session>, id: i64) -> Answer<SendOutcome> {
    session.with_own_handle(|kuvert| {
        let report = kuvert.send(&core_draft(kuvert, id)?)?;
        kuvert.store().delete_draft(DraftId(id))?;
        Ok(report.into())
    })
}

/// A folder's messages, newest first.
#[tauri::command]
pub async fn folder(session: State<'_, Session>, folder: Folder) -> Answer<Vec<MessageRow>> {
    session.with(|o| folder_rows(&o.kuvert, folder))
}

/// A message with its status timeline.
#[tauri::command]
pub async fn message(session: State<'_, Session>, id: String) -> Answer<MessageView> {
    session.with(|o| {
        Ok(MessageView::new(
            o.kuvert.message(&id)?,
            o.kuvert.history(&id)?,
        ))
    })
}

/// Asks the intermediary for a message's status now (on a handle of its own).
#[tauri::command]
pub async fn refresh_status(session: State<'_, Session>, id: String) -> Answer<MessageView> {
    session.with_own_handle(|kuvert| {
        Ok(MessageView::new(
            kuvert.refresh_status(&id)?,
            kuvert.history(&id)?,
        ))
    })
}

/// Searches the sent log.
#[tauri::command]
pub async fn search_log(
    session: State<'_, Session>,
    filter: LogFilterView,
) -> Answer<Vec<MessageRow>> {
    session.with(|o| {
        Ok(o.kuvert
            .log(&query(&o.kuvert, filter)?)?
            .into_iter()
            .map(MessageRow::from)
            .collect())
    })
}

/// Asks where to save a file (native dialog); `None` when cancelled.
#[tauri::command]
pub async fn choose_save_path(app: AppHandle, suggested_name: String) -> Option<String> {
    dialogs::save_path(&app, &suggested_name)
}

/// Asks for files to attach (native dialog).
#[tauri::command]
pub async fn choose_files(app: AppHandle) -> Vec<String> {
    dialogs::open_paths(&app)
}

/// Exports the sent-log entries matching `filter` to `path` (whole or not at all).
#[tauri::command]
pub async fn export_log(
    session: State<'_, Session>,
    format: ExportKind,
    filter: LogFilterView,
    path: String,
) -> Answer<Written> {
    let filter = LogFilter::from(filter);
    let description = filter.describe();
    session.with(|o| {
        let query = filter.to_query(o.kuvert.today())?;
        let count = write_whole(Path::new(&path), |w| {
            o.kuvert.export(format.into(), &query, &description, w)
        })?;
        Ok(Written { path, count })
    })
}

/// Writes a message's filing package (ZIP) to `path`.
#[tauri::command]
pub async fn archive_message(
    session: State<'_, Session>,
    id: String,
    path: String,
) -> Answer<Written> {
    session.with(|o| {
        write_whole(Path::new(&path), |w| o.kuvert.archive(&id, w))?;
        Ok(Written { path, count: 1 })
    })
}

/// Writes the paper letter of a message sent on paper to `path`.
#[tauri::command]
pub async fn save_letter(session: State<'_, Session>, id: String, path: String) -> Answer<Written> {
    session.with(|o| {
        let pdf = o.kuvert.letter(&o.kuvert.message(&id)?)?.to_pdf();
        write_whole(Path::new(&path), |w| {
            w.write_all(&pdf).map_err(|source| Error::File {
                path: path.clone().into(),
                source,
            })
        })?;
        Ok(Written { path, count: 1 })
    })
}

/// Retention purge (gallring) of entries final for more than `days` days.
#[tauri::command]
pub async fn purge(session: State<'_, Session>, days: u32, dry_run: bool) -> Answer<PurgeView> {
    session.with(|o| Ok(o.kuvert.purge(days, dry_run)?.into()))
}

/// Checks the sent log's hash chain.
#[tauri::command]
pub async fn verify_log(session: State<'_, Session>) -> Answer<ChainView> {
    session.with(|o| Ok(o.kuvert.verify_log()?.into()))
}

/// Asks for a certificate file to import (native dialog); `None` when cancelled.
#[tauri::command]
pub async fn choose_certificate(app: AppHandle) -> Option<String> {
    dialogs::certificate_path(&app)
}

/// Imports a PKCS#12 certificate into the per-user profile (password into
/// the OS keyring), then opens that profile.
#[tauri::command]
pub async fn import_certificate(
    app: AppHandle,
    session: State<'_, Session>,
    path: String,
    password: String,
) -> Answer<InstalledCertificateView> {
    let (profile, installed) = kuvert_core::certificate_import::import_certificate(
        Path::new(&path),
        &Password::new(password),
        &ProfileLocations::from_environment(),
        &Keyring::system(),
        time::OffsetDateTime::now_utc(),
    )
    .map_err(Error::from)?;
    if let Some(recipe) = session.open_configured(None)? {
        outbox::follow(app, recipe);
    }
    Ok(InstalledCertificateView::new(installed, &profile))
}

/// Where Kuvert keeps its files (Settings), the same as `kuvert paths`.
#[tauri::command]
pub async fn paths(session: State<'_, Session>) -> Answer<PathsView> {
    let (paths, database) = session.paths_in_use();
    Ok(PathsView::new(&paths, &database))
}

/// Stores the certificate password in the OS keyring.
#[tauri::command]
pub async fn store_password(session: State<'_, Session>, password: String) -> Answer<()> {
    session.with(|o| {
        Ok(Keyring::system().store_password(o.kuvert.profile(), &Password::new(password))?)
    })
}

fn load_draft(kuvert: &Kuvert, id: i64) -> Result<kuvert_store::Draft, Error> {
    kuvert
        .store()
        .draft(DraftId(id))?
        .ok_or_else(|| Error::MessageNotFound(format!("draft {id}")))
}

/// The compose form as the core validates it.
pub(crate) fn core_draft(kuvert: &Kuvert, id: i64) -> Result<Draft, Error> {
    let stored = load_draft(kuvert, id)?;
    let f = stored.fields;
    Ok(Draft {
        recipient: f.recipient_text,
        subject: f.subject,
        body: f.body,
        attachments: stored
            .attachments
            .into_iter()
            .map(|a| AttachmentFile::new(&a.name, a.bytes))
            .collect(),
        protection_class: f.protection_class,
        case_number: f.case_number,
        attention: f.attention,
        case_type: f.case_type,
        sender_name: f.sender_name,
        ..Draft::default()
    })
}

pub(crate) fn attach(kuvert: &Kuvert, id: i64, path: &Path) -> Result<(), Error> {
    let file = |source| Error::File {
        path: path.to_path_buf(),
        source,
    };
    let bytes = std::fs::read(path).map_err(file)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // The type by name and content; the core's validation decides whether
    // the organisation allows it and says why not.
    let content_type = match kuvert_core::compose::file_type::sniff(&name, &bytes) {
        kuvert_core::compose::file_type::Sniffed::Recognised(t) => t.mime(),
        _ => "application/octet-stream",
    };
    kuvert
        .store()
        .add_draft_attachment(DraftId(id), &name, content_type, &bytes, kuvert.now())?;
    Ok(())
}

fn query(kuvert: &Kuvert, filter: LogFilterView) -> Result<SentLogQuery, Error> {
    LogFilter::from(filter).to_query(kuvert.today())
}

pub(crate) fn folder_rows(kuvert: &Kuvert, folder: Folder) -> Result<Vec<MessageRow>, Error> {
    let in_outbox = |keep: fn(&kuvert_core::Message) -> bool| -> Result<Vec<MessageRow>, Error> {
        let mut rows: Vec<MessageRow> = kuvert
            .store()
            .outbox()?
            .iter()
            .filter(|m| keep(m))
            .map(MessageRow::from)
            .collect();
        rows.reverse();
        Ok(rows)
    };
    let states = match folder {
        Folder::Outbox => {
            return in_outbox(|m| matches!(m.state, SendState::Queued | SendState::Signed))
        }
        Folder::NeedsAttention => return in_outbox(|m| m.last_failure.is_some()),
        Folder::Sent => vec![
            SendState::Submitted,
            SendState::Pending,
            SendState::Delivered,
        ],
        Folder::Paper => vec![SendState::Paper],
        Folder::Failed => vec![SendState::Failed],
    };
    let query = SentLogQuery {
        states,
        limit: 500,
        ..SentLogQuery::default()
    };
    Ok(kuvert
        .log(&query)?
        .into_iter()
        .map(MessageRow::from)
        .collect())
}
