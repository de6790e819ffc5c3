//! The Tauri commands: each forwards to kuvert-core through the session and
//! converts at the boundary (see [`crate::dto`]). Commands that may wait on
//! the network or the disk are `async`, so they run off the window's thread.

use std::io::Write;
use std::path::Path;

use kuvert_core::compose::Route;
use kuvert_core::files::write_whole;
use kuvert_core::filter::LogFilter;
use kuvert_core::profile::ProfileLocations;
use kuvert_core::secrets::{CertificateRole, Keyring, Password};
use kuvert_core::{DraftFields, DraftId, Error, Kuvert, Message};
use tauri::{AppHandle, State};

use crate::department;
use crate::dialogs;
use crate::dto::*;
use crate::handoff::Handoffs;
use crate::outbox;
use crate::preferences::{self, Language, Preferences};
use crate::print_inbox;
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

/// The open profile's certificate when it needs attention: within the
/// first of [`kuvert_core::doctor::WARN_DAYS`] of expiring, or not valid.
/// Asked for apart from [`app_status`], after the window shows: it reads
/// the certificate (and the keyring for its password).
#[tauri::command]
pub async fn certificate_health(
    session: State<'_, Session>,
) -> Result<Option<CertificateHealthView>, CommandError> {
    use kuvert_core::doctor::{certificate_health, Health, WARN_DAYS};
    let Some((profile, _)) = session.state() else {
        return Ok(None);
    };
    let Some(finding) = certificate_health(
        &profile,
        &Keyring::system(),
        WARN_DAYS[0],
        time::OffsetDateTime::now_utc(),
    ) else {
        return Ok(None);
    };
    let health = match finding.health {
        Health::Ok => return Ok(None),
        Health::Warning => "warning",
        Health::Problem => "problem",
    };
    Ok(Some(CertificateHealthView {
        check: finding.check,
        health: health.into(),
        days_left: finding.days_left.unwrap_or(0),
        found: finding.found,
    }))
}

/// The officer's remembered choices (the language).
#[tauri::command]
pub async fn preferences(session: State<'_, Session>) -> Answer<Preferences> {
    Ok(preferences::load(session.data_dir()))
}

/// Remembers the language the officer chose (in the header, in Settings or
/// on the first-run page) for the next start and for notifications.
#[tauri::command]
pub async fn set_language(session: State<'_, Session>, language: Language) -> Answer<()> {
    let mut kept = preferences::load(session.data_dir());
    kept.language = Some(language);
    Ok(preferences::save(session.data_dir(), &kept)?)
}

/// "Använd testmiljön": starts the built-in test environment and opens it.
#[tauri::command]
pub async fn use_test_environment(
    app: AppHandle,
    session: State<'_, Session>,
) -> Answer<ProfileView> {
    let recipe = session.open_test_environment()?;
    outbox::follow(app, recipe.clone());
    let mut kept = preferences::load(session.data_dir());
    if !kept.test_environment {
        kept.test_environment = true;
        if let Err(error) = preferences::save(session.data_dir(), &kept) {
            tracing::warn!(%error, "the first-run choice could not be kept");
        }
    }
    session.with(|o| Ok(ProfileView::from(o.kuvert.profile())))
}

/// Looks a recipient up (on a handle of its own: the window's other
/// commands go on while FaR answers).
#[tauri::command]
pub async fn check_recipient(session: State<'_, Session>, input: String) -> Answer<RecipientCheck> {
    if let Some(server) = session.department()? {
        // The server asks FaR with the organisation's certificate.
        let answer = server.check(std::slice::from_ref(&input))?.pop();
        return Ok(answer
            .map(department::recipient)
            .unwrap_or(RecipientCheck::Invalid {
                input,
                reason: "no answer".into(),
            }));
    }
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
    session.with(|o| Ok(o.kuvert.save_draft(id.map(DraftId), &fields.into())?.0))
}

/// One draft with its attachments.
#[tauri::command]
pub async fn draft(session: State<'_, Session>, id: i64) -> Answer<DraftView> {
    session.with(|o| Ok(o.kuvert.draft(DraftId(id))?.into()))
}

/// The Drafts folder.
#[tauri::command]
pub async fn drafts(session: State<'_, Session>) -> Answer<Vec<DraftRow>> {
    session.with(|o| Ok(o.kuvert.drafts()?.into_iter().map(DraftRow::from).collect()))
}

/// Deletes a draft.
#[tauri::command]
pub async fn delete_draft(session: State<'_, Session>, id: i64) -> Answer<()> {
    session.with(|o| o.kuvert.delete_draft(DraftId(id)))
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
            o.kuvert.attach_file(DraftId(id), Path::new(path))?;
        }
        Ok(o.kuvert.draft(DraftId(id))?.into())
    })
}

/// The oldest request another program handed over ([`crate::handoff`]),
/// made into a draft: its fields filled in, its files attached by the same
/// rules as the file dialog's (a refused file is named, the others are
/// attached). `None` when nothing waits. Print jobs Kuvert moved into its
/// data directory are removed once attached or refused.
#[tauri::command]
pub async fn take_compose_request(
    session: State<'_, Session>,
    handoffs: State<'_, Handoffs>,
) -> Answer<Option<HandoffView>> {
    let Some(request) = handoffs.take() else {
        return Ok(None);
    };
    let made = session.with(|o| {
        let fields = DraftFields {
            recipient_text: request.recipient.clone().unwrap_or_default(),
            subject: request.subject.clone().unwrap_or_default(),
            case_number: request.case_number.clone().unwrap_or_default(),
            ..DraftFields::default()
        };
        let draft = o.kuvert.save_draft(None, &fields)?;
        let refused = request
            .files
            .iter()
            .filter_map(|file| {
                let error = o.kuvert.attach_file(draft, file).err()?;
                Some(RefusedFileView {
                    file_name: file
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    error: error.into(),
                })
            })
            .collect();
        Ok(HandoffView {
            draft_id: draft.0,
            refused,
        })
    });
    match made {
        Ok(view) => {
            if request.owned {
                print_inbox::forget(&request.files);
            }
            Ok(Some(view))
        }
        Err(error) => {
            // Not made (no profile open, the store failing): it waits for
            // the next try rather than being lost.
            handoffs.push_front(request);
            Err(error)
        }
    }
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
            .remove_draft_attachment(DraftId(id), attachment_id)?;
        Ok(o.kuvert.draft(DraftId(id))?.into())
    })
}

/// Validates a draft; the summary to confirm, or every problem. `paper`:
/// the recipient has no digital mailbox (the check said so), so it goes as
/// a letter, which needs the postal address.
#[tauri::command]
pub async fn summarise(
    session: State<'_, Session>,
    id: i64,
    operator: Option<String>,
    paper: bool,
) -> Answer<SummaryView> {
    session.with(|o| {
        let message = o.kuvert.validate(&o.kuvert.compose_form(DraftId(id))?)?;
        // A letter needs the address for the envelope's window.
        let route = match (paper, operator.as_deref()) {
            (true, _) => {
                message.ready_for_paper().map_err(Error::from)?;
                Route::Paper
            }
            (false, Some(operator)) => Route::Digital(operator),
            (false, None) => Route::Unchecked,
        };
        let summary = message.summary(route);
        Ok(SummaryView {
            swedish: summary.swedish,
            english: summary.english,
        })
    })
}

/// The draft's size as it would be sent, against the limit (`null` while
/// the draft cannot be measured yet).
#[tauri::command]
pub async fn envelope_size(session: State<'_, Session>, id: i64) -> Answer<Option<EnvelopeView>> {
    session.with(|o| Ok(o.kuvert.draft_envelope_size(DraftId(id))?.map(Into::into)))
}

/// Compresses a PDF attachment of a draft in place (the file on disk is
/// not touched).
#[tauri::command]
pub async fn compress_attachment(
    session: State<'_, Session>,
    id: i64,
    attachment_id: i64,
) -> Answer<CompressionView> {
    session.with(|o| {
        let done = o
            .kuvert
            .compress_draft_attachment(DraftId(id), attachment_id)?;
        Ok(CompressionView {
            file_name: done.file_name,
            original_size: done.compressed.original_size,
            compressed_size: done.compressed.bytes.len() as u64,
            draft: o.kuvert.draft(DraftId(id))?.into(),
        })
    })
}

/// Records a draft as sent on paper, the officer's choice; the draft is
/// removed in the transaction that stores the message.
#[tauri::command]
pub async fn send_draft_on_paper(session: State<'_, Session>, id: i64) -> Answer<SendOutcome> {
    if session.in_department_mode() {
        return Err(department::not_here("välja papper själv (servern skickar på papper när mottagaren inte kan ta emot digital post)").into());
    }
    session.with_own_handle(|kuvert| Ok(kuvert.send_draft_on_paper(DraftId(id))?.into()))
}

/// Sends a draft; the draft is removed in the transaction that stores the
/// message. (On a handle of its own, as the recipient check.)
#[tauri::command]
pub async fn send_draft(session: State<'_, Session>, id: i64) -> Answer<SendOutcome> {
    if let Some(server) = session.department()? {
        return session.with_own_handle(|kuvert| {
            let message = kuvert.hand_over_draft(&server, DraftId(id), FIRST_STEP_WAIT)?;
            outbox::Followed::at(session.data_dir()).expect(&message);
            department::outcome(&message)
        });
    }
    session.with_own_handle(|kuvert| Ok(kuvert.send_draft(DraftId(id))?.into()))
}

/// A folder's messages, newest first.
#[tauri::command]
pub async fn folder(session: State<'_, Session>, folder: Folder) -> Answer<Vec<MessageRow>> {
    if let Some(server) = session.department()? {
        return Ok(department::rows(&server.folder(folder.into())?)?);
    }
    session.with(|o| {
        Ok(o.kuvert
            .folder(folder.into())?
            .into_iter()
            .map(MessageRow::from)
            .collect())
    })
}

/// A message with its status timeline.
#[tauri::command]
pub async fn message(session: State<'_, Session>, id: String) -> Answer<MessageView> {
    if let Some(server) = session.department()? {
        return Ok(department_view(&server, &id)?);
    }
    session.with(|o| {
        let id = kuvert_core::message_id(&id)?;
        message_view(&o.kuvert, o.kuvert.message(&id)?)
    })
}

/// Asks the intermediary for a message's status now (on a handle of its own).
#[tauri::command]
pub async fn refresh_status(session: State<'_, Session>, id: String) -> Answer<MessageView> {
    // In department mode the server follows the status; this reads it.
    if let Some(server) = session.department()? {
        return Ok(department_view(&server, &id)?);
    }
    session.with_own_handle(|kuvert| {
        let id = kuvert_core::message_id(&id)?;
        message_view(kuvert, kuvert.refresh_status(&id)?)
    })
}

/// The reading pane's view of a message on the department server.
fn department_view(
    server: &kuvert_core::department::DepartmentClient,
    id: &str,
) -> Result<MessageView, Error> {
    department::view(server.message(id)?, server.history(id)?)
}

/// How long sending waits for the department server's first step before
/// it says the message was handed over.
const FIRST_STEP_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The reading pane's view of `message`: with its history and, for an
/// event message, its case's thread.
pub(crate) fn message_view(kuvert: &Kuvert, message: Message) -> Result<MessageView, Error> {
    let history = kuvert.history(&message.content.message_id)?;
    let thread = kuvert.thread_of(&message)?;
    let follow_up = kuvert.follow_up(&message.content.message_id)?;
    let withdrawable = kuvert.withdrawable(&message.content.message_id)?;
    Ok(MessageView::new(
        message,
        history,
        &thread,
        follow_up,
        withdrawable,
    ))
}

/// A draft to send a Failed message again (digitally or on paper, as the
/// officer then chooses); the same draft while it is not yet sent.
#[tauri::command]
pub async fn send_again(session: State<'_, Session>, id: String) -> Answer<i64> {
    if session.in_department_mode() {
        return Err(department::not_here("skicka om ett meddelande").into());
    }
    session.with(|o| {
        let id = kuvert_core::message_id(&id)?;
        Ok(o.kuvert.send_again(&id)?.0)
    })
}

/// Withdraws an Outbox message not yet handed to the intermediary; the
/// draft made of it.
#[tauri::command]
pub async fn withdraw(session: State<'_, Session>, id: String) -> Answer<i64> {
    if session.in_department_mode() {
        return Err(department::not_here("dra tillbaka ett meddelande").into());
    }
    session.with(|o| {
        let id = kuvert_core::message_id(&id)?;
        Ok(o.kuvert.withdraw(&id)?.0)
    })
}

/// Records that a Failed message was handled outside Kuvert, with the
/// officer's note.
#[tauri::command]
pub async fn mark_handled(
    session: State<'_, Session>,
    id: String,
    note: String,
) -> Answer<MessageView> {
    if let Some(server) = session.department()? {
        server.mark_handled(&id, &note)?;
        return Ok(department_view(&server, &id)?);
    }
    session.with(|o| {
        let id = kuvert_core::message_id(&id)?;
        message_view(&o.kuvert, o.kuvert.mark_handled(&id, &note)?)
    })
}

/// Searches the sent log.
#[tauri::command]
pub async fn search_log(
    session: State<'_, Session>,
    filter: LogFilterView,
) -> Answer<Vec<MessageRow>> {
    if let Some(server) = session.department()? {
        // The server searches by the text; the other fields sift its answer.
        let limit = if filter.limit == 0 { 50 } else { filter.limit };
        let text = department::search_text(&filter);
        let found = server.log(text.as_deref(), kuvert_core::FOLDER_LIMIT)?;
        let kept: Vec<_> = found
            .into_iter()
            .filter(|m| department::matches(&filter, m))
            .take(limit as usize)
            .collect();
        return Ok(department::rows(&kept)?);
    }
    session.with(|o| {
        Ok(o.kuvert
            .log(&LogFilter::from(filter).to_query(o.kuvert.today())?)?
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

/// Exports the sent-log entries matching `filter`, and the purges, to `path`
/// (CSV: the purges beside it; each file whole or not at all).
#[tauri::command]
pub async fn export_log(
    session: State<'_, Session>,
    format: ExportKind,
    filter: LogFilterView,
    path: String,
) -> Answer<Written> {
    if let Some(server) = session.department()? {
        if format != ExportKind::Csv {
            return Err(
                department::not_here("exportera som JSON Lines eller PDF (välj CSV)").into(),
            );
        }
        if !department::exportable(&filter) {
            return Err(department::not_here(
                "exportera med andra filter än fritext och diarienummer",
            )
            .into());
        }
        let count = server.export_csv(&department::export_filter(&filter), Path::new(&path))?;
        return Ok(Written {
            path,
            count,
            purges_path: None,
            anchor_path: None,
        });
    }
    let filter = LogFilter::from(filter);
    let description = filter.describe();
    session.with(|o| {
        let query = filter.to_query(o.kuvert.today())?;
        let written =
            o.kuvert
                .export_to_file(format.into(), &query, &description, Path::new(&path))?;
        Ok(Written {
            path,
            count: written.entries,
            purges_path: written
                .purges_file
                .map(|file| file.to_string_lossy().into_owned()),
            anchor_path: written
                .anchor_file
                .map(|file| file.to_string_lossy().into_owned()),
        })
    })
}

/// Writes a message's filing package (ZIP) to `path`.
#[tauri::command]
pub async fn archive_message(
    session: State<'_, Session>,
    id: String,
    path: String,
) -> Answer<Written> {
    if let Some(server) = session.department()? {
        server.archive(Some(&id), None, Path::new(&path))?;
        return Ok(Written {
            path,
            count: 1,
            purges_path: None,
            anchor_path: None,
        });
    }
    session.with(|o| {
        let id = kuvert_core::message_id(&id)?;
        write_whole(Path::new(&path), |w| o.kuvert.archive(&id, w))?;
        Ok(Written {
            path,
            count: 1,
            purges_path: None,
            anchor_path: None,
        })
    })
}

/// Writes one filing package (E-ARK SIP, ZIP) of every sent-log entry
/// matching `filter` (a case, a date range; page limits do not apply) to
/// `path`; `count` is the number of messages in it.
#[tauri::command]
pub async fn archive_log(
    session: State<'_, Session>,
    filter: LogFilterView,
    path: String,
) -> Answer<Written> {
    if let Some(server) = session.department()? {
        let case = filter
            .case_number
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty() && !c.ends_with('*'))
            .ok_or_else(|| department::not_here("arkivera annat än ett helt diarienummer"))?;
        let count = server.archive(None, Some(case), Path::new(&path))?;
        return Ok(Written {
            path,
            count,
            purges_path: None,
            anchor_path: None,
        });
    }
    let filter = LogFilter::from(filter);
    session.with(|o| {
        let summary = write_whole(Path::new(&path), |w| o.kuvert.archive_selection(&filter, w))?;
        Ok(Written {
            path,
            count: summary.messages,
            purges_path: None,
            anchor_path: None,
        })
    })
}

/// Writes the print file of a message sent on paper to `path` ("Spara som
/// PDF"): its letter, then the pages of each PDF attachment.
#[tauri::command]
pub async fn save_letter(
    session: State<'_, Session>,
    id: String,
    path: String,
) -> Answer<PrintFileView> {
    let file = print_file(&session, &id)?;
    write_whole(Path::new(&path), |w| {
        w.write_all(&file.pdf).map_err(|source| Error::File {
            path: path.clone().into(),
            source,
        })
    })?;
    Ok(PrintFileView::new(path, file))
}

/// The print file of a message sent on paper: from the local log, or in
/// department mode the server's letter (its PDF attachments then to be
/// printed separately).
fn print_file(session: &Session, id: &str) -> Answer<kuvert_core::pdf::PrintFile> {
    let message_id = kuvert_core::message_id(id)?;
    if let Some(server) = session.department()? {
        let message = server.message(id)?;
        return Ok(kuvert_core::pdf::PrintFile {
            pdf: server.letter(id)?,
            appended: Vec::new(),
            left_out: message
                .attachment_files
                .into_iter()
                .filter(|a| a.content_type == "application/pdf")
                .map(|a| a.name)
                .collect(),
        });
    }
    session.with(|o| o.kuvert.print_file(&message_id))
}

/// "Skriv ut": the print file of a message sent on paper, opened in the
/// system's PDF viewer, from which the officer prints (one job: the letter
/// and its PDF attachments). The file is private to the officer (0600)
/// in the temporary folder. In the end-to-end tests' build the save-dialog
/// hook's folder takes the file and no viewer is started.
#[tauri::command]
pub async fn print_letter(session: State<'_, Session>, id: String) -> Answer<PrintFileView> {
    let file = print_file(&session, &id)?;
    // A message id (checked by print_file) is safe in a file name.
    let name = format!("kuvert-utskrift-{id}.pdf");
    let (path, open_it) = match kuvert_test_hooks::save_dir() {
        Some(dir) => (dir.join(name), false),
        None => (std::env::temp_dir().join(name), true),
    };
    let failed = |source| Error::File {
        path: path.clone(),
        source,
    };
    kuvert_core::files::write_private(&path, &file.pdf).map_err(failed)?;
    if open_it {
        open::that_detached(&path).map_err(failed)?;
    }
    Ok(PrintFileView::new(path.display().to_string(), file))
}

/// Retention purge (gallring) of entries final for more than `days` days.
#[tauri::command]
pub async fn purge(session: State<'_, Session>, days: u32, dry_run: bool) -> Answer<PurgeView> {
    if let Some(server) = session.department()? {
        return Ok(department::purge(&server.purge(days, dry_run)?, days));
    }
    session.with(|o| Ok(o.kuvert.purge(days, dry_run)?.into()))
}

/// The purges done, oldest first.
#[tauri::command]
pub async fn purges(session: State<'_, Session>) -> Answer<Vec<PurgeRecordView>> {
    if let Some(server) = session.department()? {
        return Ok(server
            .purges()?
            .iter()
            .map(department::purge_record)
            .collect());
    }
    session.with(|o| Ok(o.kuvert.purges()?.into_iter().map(Into::into).collect()))
}

/// Checks the sent log's hash chain.
#[tauri::command]
pub async fn verify_log(session: State<'_, Session>) -> Answer<ChainView> {
    if let Some(server) = session.department()? {
        return Ok(department::chain(&server.verify_log()?));
    }
    session.with(|o| Ok(o.kuvert.verify_log(kuvert_core::ChainScope::Full)?.into()))
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

/// "Spara felsökningsinfo": runs every doctor check and writes the
/// diagnostics bundle for IT to `path` ([`kuvert_core::diagnostics`]:
/// findings, profile files, the end of the log; identity numbers masked,
/// never messages, certificates or keys). Returns what it holds.
#[tauri::command]
pub async fn save_diagnostics(session: State<'_, Session>, path: String) -> Answer<Written> {
    use kuvert_core::diagnostics::{write_bundle, BundleInput};
    use kuvert_core::doctor::{checkup, WARN_DAYS};
    let Some((profile, _)) = session.state() else {
        return Err(CommandError::new(
            ErrorKind::NotConfigured,
            "no profile is open",
        ));
    };
    let paths = session.paths();
    let checkup = checkup(
        &profile,
        &Keyring::system(),
        paths.data_dir(),
        WARN_DAYS[0],
        time::OffsetDateTime::now_utc(),
    );
    let program = concat!("kuvert-desktop ", env!("CARGO_PKG_VERSION"));
    let bundle = write_bundle(
        Path::new(&path),
        &BundleInput::of(program, &checkup, &profile, paths),
    )?;
    Ok(Written {
        path,
        count: bundle.entries.len() as u64,
        purges_path: None,
        anchor_path: None,
    })
}

/// Where Kuvert keeps its files (Settings), the same as `kuvert paths`.
#[tauri::command]
pub async fn paths(session: State<'_, Session>) -> Answer<PathsView> {
    let (paths, database) = session.paths_in_use();
    Ok(PathsView::new(&paths, &database))
}

/// Stores the certificate password in the OS keyring: the organisation's,
/// or with `seal` that of direct mode's own seal certificate.
#[tauri::command]
pub async fn store_password(
    session: State<'_, Session>,
    password: String,
    seal: Option<bool>,
) -> Answer<()> {
    let role = if seal == Some(true) {
        CertificateRole::Seal
    } else {
        CertificateRole::Organisation
    };
    session.with(|o| {
        Ok(Keyring::system().store_password_for(
            o.kuvert.profile(),
            role,
            &Password::new(password),
        )?)
    })?;
    // Department mode's client opens the certificate with it.
    session.reset_department();
    Ok(())
}
