//! One function per command: turn arguments into a core call, print the result,
//! return the exit code.

use std::path::{Path, PathBuf};

use kuvert_core::app::compress_draft_pdfs;
use kuvert_core::compose::{AttachmentFile, CaseStatus, Draft};
use kuvert_core::files::write_whole;
use kuvert_core::filter::LogFilter;
use kuvert_core::local_time::LocalTime;
use kuvert_core::paths::{DataDirSource, Paths, Prepared};
use kuvert_core::profile::Profile;
use kuvert_core::reason::{HistoryNote, Reason};
use kuvert_core::seams::{Checkpoint, Checkpoints};
use kuvert_core::secrets::{CertificateRole, Keyring, Password};
use kuvert_core::{
    CaseEvent, ChainScope, ChainVerdict, CheckOutcome, Error, ExportFormat, Kuvert, Mailbox,
    Message, Officer, SendReport, SendState, SentSummary, StatusEvent,
};
use serde_json::{json, Value};

use crate::args::{Cli, Command, Filters, SendArgs};
use crate::department;
use crate::output::{print, purge_line, purge_lines};

/// Exit code for "the recipient cannot receive digital mail".
const NOT_REACHABLE: u8 = 3;
/// Exit code for a remote or transport failure.
const REMOTE: u8 = 4;
/// Exit code for a failed verification.
const VERIFICATION: u8 = 5;
/// `verify`: the signatures are correct, but the delivery is not vouched for.
const NOT_VOUCHED_FOR: u8 = 6;
/// Exit code for invalid input.
const INVALID: u8 = 2;

/// The test hooks at the send [`Checkpoint`]s, compiled in only with the
/// `test-hooks` feature: the crash-recovery tests' abort, as `kill -9` would
/// stop the process ([`kuvert_test_hooks::abort_at`]), and the full-disk
/// tests' disk that fills up ([`kuvert_test_hooks::disk_full_at`]).
struct TestCheckpoints {
    abort_at: Option<String>,
    disk_full_at: Option<String>,
}

impl Checkpoints for TestCheckpoints {
    fn reached(&self, point: Checkpoint, _: &str) {
        if self.disk_full_at.as_deref() == Some(point.name()) {
            kuvert_test_hooks::fill_disk();
        }
        if self.abort_at.as_deref() == Some(point.name()) {
            std::process::abort();
        }
    }
}

fn file_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::File {
        path: path.to_path_buf(),
        source,
    }
}

/// A file the user named could not be read: that is wrong input, not a
/// storage failure.
fn unreadable(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::InvalidInput {
        field: "file",
        reason: format!("cannot read {}: {source}", path.display()),
    }
}

fn open(cli_profile: Option<&Path>, data: Option<PathBuf>) -> Result<Kuvert, Error> {
    let profile = Profile::load(cli_profile)?;
    let paths = Paths::from_environment(data)?;
    match paths.prepare()? {
        Prepared::Moved { from } => eprintln!(
            "kuvert: moved the desktop app's data from {} to {} (once; the app and kuvert now share it)",
            from.display(),
            paths.data_dir().display()
        ),
        Prepared::LeftAlone { legacy } => eprintln!(
            "kuvert: {} holds an older store of the desktop app, which is not used: {} has its own and the two are not merged (see `kuvert paths`)",
            legacy.display(),
            paths.data_dir().display()
        ),
        _ => {}
    }
    let mut kuvert = Kuvert::open(profile, &paths.database())?;
    let hooks = TestCheckpoints {
        abort_at: kuvert_test_hooks::abort_at(),
        disk_full_at: kuvert_test_hooks::disk_full_at(),
    };
    if hooks.abort_at.is_some() || hooks.disk_full_at.is_some() {
        kuvert = kuvert.with_checkpoints(hooks);
    }
    Ok(kuvert)
}

/// A time for scripts (`--json`): ISO 8601 in Swedish local time with the
/// offset, `2026-12-02T00:15:03+01:00`.
fn time_json(at: time::OffsetDateTime) -> String {
    LocalTime::of(at).iso()
}

/// A time for people: Swedish local time to the second, `2026-12-02 00:15:03`.
fn time_text(at: time::OffsetDateTime) -> String {
    LocalTime::of(at).second_text()
}

/// Runs the command; `Ok` carries the exit code.
pub fn run(cli: Cli) -> Result<u8, Error> {
    let json = cli.json;
    let profile = cli.profile.as_deref();
    if uses_the_log(&cli.command) {
        if let Some(department) = department::profile(profile) {
            return run_in_department(json, &department, cli.command);
        }
    }
    match cli.command {
        Command::Verify {
            file,
            ca,
            intermediary,
            intermediary_cert,
        } => verify(
            json,
            &file,
            VerifyWith {
                ca: ca.as_deref(),
                profile,
                intermediary: intermediary.as_deref(),
                intermediary_cert: intermediary_cert.as_deref(),
            },
        ),
        Command::Sandbox {
            state,
            department,
            database_url,
        } => sandbox(json, state, department, database_url),
        Command::Password { action, seal } => password(profile, &action, seal),
        Command::Paths => paths(json, profile, cli.data_dir),
        Command::Doctor { warn_days, bundle } => {
            doctor(json, profile, cli.data_dir, warn_days, bundle.as_deref())
        }
        Command::ImportCertificate { file } => import_certificate(json, profile, &file),
        Command::Check { ids } => check(json, &open(profile, cli.data_dir)?, &ids),
        Command::Send(args) => send(json, &open(profile, cli.data_dir)?, args),
        Command::Status {
            message_id,
            refresh,
        } => status(json, &open(profile, cli.data_dir)?, &message_id, refresh),
        Command::Resume => resume(json, &open(profile, cli.data_dir)?),
        Command::Handled { message_id, note } => {
            let kuvert = open(profile, cli.data_dir)?;
            kuvert.mark_handled(&kuvert_core::message_id(&message_id)?, &note)?;
            status(json, &kuvert, &message_id, false)
        }
        Command::Withdraw { message_id } => {
            withdraw(json, &open(profile, cli.data_dir)?, &message_id)
        }
        Command::Letter { message_id, out } => {
            letter(json, &open(profile, cli.data_dir)?, &message_id, out)
        }
        Command::Log(filters) => log(json, &open(profile, cli.data_dir)?, filters),
        Command::Thread { case } => thread(json, &open(profile, cli.data_dir)?, &case),
        Command::Export {
            format,
            out,
            filters,
        } => export(json, &open(profile, cli.data_dir)?, &format, &out, filters),
        Command::Archive {
            message_id,
            case,
            from,
            to,
            out,
        } => {
            let kuvert = open(profile, cli.data_dir)?;
            let summary = match message_id {
                Some(message_id) => {
                    let message_id = kuvert_core::message_id(&message_id)?;
                    write_whole(&out, |w| kuvert.archive(&message_id, w))?
                }
                None => {
                    let filter = kuvert_core::filter::LogFilter {
                        case_number: case,
                        from,
                        to,
                        ..Default::default()
                    };
                    write_whole(&out, |w| kuvert.archive_selection(&filter, w))?
                }
            };
            print(
                json,
                json!({
                    "archive": out,
                    "package_id": summary.id,
                    "messages": summary.messages,
                    "files": summary.files,
                    "bytes": summary.bytes,
                }),
                || {
                    format!(
                        "Wrote {} ({} messages, {} files)",
                        out.display(),
                        summary.messages,
                        summary.files
                    )
                },
            );
            Ok(0)
        }
        Command::VerifyLog { since_checkpoint } => {
            let scope = if since_checkpoint {
                ChainScope::SinceCheckpoint
            } else {
                ChainScope::Full
            };
            verify_log(json, &open(profile, cli.data_dir)?, scope)
        }
        Command::Purge {
            older_than,
            dry_run,
        } => purge(json, &open(profile, cli.data_dir)?, older_than, dry_run),
        Command::Purges => purges(json, &open(profile, cli.data_dir)?),
        Command::MigrateToDepartment { to } => {
            let target = Profile::load(Some(&to))?;
            department::migrate(json, &open(profile, cli.data_dir)?, &target)
        }
    }
}

/// Whether `command` works on the sent log (local, or the department
/// server's in department mode).
fn uses_the_log(command: &Command) -> bool {
    !matches!(
        command,
        Command::Verify { .. }
            | Command::Sandbox { .. }
            | Command::Password { .. }
            | Command::Paths
            | Command::Doctor { .. }
            | Command::ImportCertificate { .. }
            | Command::MigrateToDepartment { .. }
    )
}

/// A command in department mode: the server keeps the log.
fn run_in_department(json: bool, profile: &Profile, command: Command) -> Result<u8, Error> {
    let client = department::client(profile)?;
    match command {
        Command::Send(args) => {
            let draft = draft_from(&args, profile)?;
            department::send(json, &client, &draft, &args)
        }
        Command::Status { message_id, .. } => department::status(json, &client, &message_id),
        Command::Log(filters) => department::log(json, &client, &filters),
        Command::VerifyLog { .. } => department::verify_log(json, &client),
        Command::Check { ids } => department::check(json, &client, &ids),
        Command::Resume => Err(department::not_offered("resume")),
        Command::Handled { message_id, note } => {
            department::handled(json, &client, &message_id, &note)
        }
        Command::Withdraw { .. } => Err(department::not_offered("withdraw")),
        Command::Letter { .. } => Err(department::not_offered("letter")),
        Command::Thread { .. } => Err(department::not_offered("thread")),
        Command::Export {
            format,
            out,
            filters,
        } => department::export(json, &client, &format, &out, &filters),
        Command::Archive {
            message_id,
            case,
            from,
            to,
            out,
        } => {
            if from.is_some() || to.is_some() || case.as_deref().is_some_and(|c| c.ends_with('*')) {
                return Err(Error::InvalidInput {
                    field: "department mode",
                    reason: "the department's filing packages are of one message or one whole diarienummer (no --from, --to or prefix) for now".into(),
                });
            }
            department::archive(json, &client, message_id.as_deref(), case.as_deref(), &out)
        }
        Command::Purge {
            older_than,
            dry_run,
        } => department::purge(json, &client, older_than, dry_run),
        Command::Purges => department::purges(json, &client),
        _ => unreachable!("uses_the_log lets only these through"),
    }
}

fn check(json: bool, kuvert: &Kuvert, ids: &[String]) -> Result<u8, Error> {
    let outcomes = kuvert.check(ids)?;
    let mut code = 0;
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    for outcome in &outcomes {
        match outcome {
            CheckOutcome::Invalid { input, reason } => {
                code = INVALID;
                rows.push(json!({ "input": input, "valid": false, "reason": reason }));
                lines.push(format!("{input}: not a valid identity number: {reason}"));
            }
            CheckOutcome::Checked {
                input,
                recipient,
                reachability,
                swedish,
                english,
            } => {
                let digital = matches!(reachability, kuvert_core::Reachability::Digital { .. });
                if !digital && code == 0 {
                    code = NOT_REACHABLE;
                }
                rows.push(json!({
                    "input": input,
                    "valid": true,
                    "recipient": recipient.as_str(),
                    "display": recipient.display_form(),
                    "digital": digital,
                    "sv": swedish,
                    "en": english,
                }));
                lines.push(format!("{}: {english}", recipient.display_form()));
            }
        }
    }
    print(json, Value::Array(rows), || lines.join("\n"));
    Ok(code)
}

fn draft_from(args: &SendArgs, profile: &Profile) -> Result<Draft, Error> {
    let mut draft = Draft {
        recipient: args.to.clone(),
        ..Draft::default()
    };
    if let Some(name) = &args.case_type {
        let case_type = profile.case_type(name).ok_or_else(|| Error::InvalidInput {
            field: "case type",
            reason: format!("the profile has no case type {name:?}"),
        })?;
        draft.apply_case_type(case_type);
    }
    if let Some(subject) = &args.subject {
        draft.subject = subject.clone();
    }
    if let Some(body) = &args.body {
        draft.body = body.clone();
    }
    let limit = profile.rules().largest_input_file();
    if let Some(path) = &args.body_file {
        let bytes = kuvert_core::files::read_input(path, limit)?;
        draft.body = String::from_utf8(bytes).map_err(|_| Error::InvalidInput {
            field: "body",
            reason: format!("{} is not UTF-8 text", path.display()),
        })?;
    }
    for path in &args.attach {
        let bytes = kuvert_core::files::read_input(path, limit)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        draft.attachments.push(AttachmentFile::new(&name, bytes));
    }
    if args.class.is_some() {
        draft.protection_class = args.class;
    }
    draft.case_number = args.case.clone().unwrap_or_default();
    draft.attention = args.attention.clone().unwrap_or_default();
    draft.sender_name = args.sender_name.clone();
    draft.postal_address = args.address_lines.join("\n");
    if args.event {
        let status = match &args.status {
            Some(name) => CaseStatus::parse(name).ok_or_else(|| Error::InvalidInput {
                field: "status",
                reason: format!(
                    "{name:?} is not a matter status (senderinitiative, recipientinitiative, closed)"
                ),
            })?,
            None => CaseStatus::SenderInitiative,
        };
        draft.event = Some(status);
    }
    Ok(draft)
}

fn send(json: bool, kuvert: &Kuvert, args: SendArgs) -> Result<u8, Error> {
    let mut draft = draft_from(&args, kuvert.profile())?;
    if args.compress_pdf && !args.on_paper && !fits(kuvert, &draft) {
        for done in compress_draft_pdfs(&mut draft)? {
            let c = &done.compressed;
            // On standard error: the result on standard output stays one
            // JSON value; the log records the same (with both checksums).
            eprintln!(
                "kuvert: compressed {} from {} to {} bytes (sha256 {} -> {}); the compressed file is sent",
                done.file_name,
                c.original_size,
                c.bytes.len(),
                c.original_sha256,
                c.compressed_sha256
            );
        }
    }
    if args.dry_run {
        let out = args
            .out
            .as_deref()
            .unwrap_or(Path::new("signed-delivery.xml"));
        let signed = kuvert.sign_only(&draft)?;
        std::fs::write(out, &signed).map_err(file_error(out))?;
        print(json, json!({ "dry_run": true, "out": out }), || {
            format!(
                "Wrote the signed delivery to {} (nothing was sent)",
                out.display()
            )
        });
        return Ok(0);
    }
    if args.on_paper {
        let report = kuvert.send_on_paper(&draft)?;
        // Chosen, not forced by the recipient: not exit 3.
        return report_send(json, kuvert, &report, None, args.paper_out.as_deref()).map(|code| {
            if code == NOT_REACHABLE {
                0
            } else {
                code
            }
        });
    }
    let summary = kuvert
        .validate(&draft)?
        .summary(kuvert_core::compose::Route::Unchecked);
    let report = kuvert.send(&draft)?;
    report_send(
        json,
        kuvert,
        &report,
        Some(&summary.english),
        args.paper_out.as_deref(),
    )
}

/// Whether `draft` is within the profile's attachment limits and its
/// envelope within `rules.max_envelope_bytes` (a draft invalid for another
/// reason counts as fitting: compressing would not help it).
fn fits(kuvert: &Kuvert, draft: &Draft) -> bool {
    if let Err(Error::Compose(problems)) = kuvert.validate(draft) {
        if problems.problems().iter().any(|p| p.kind.is_size()) {
            return false;
        }
        return true;
    }
    kuvert.envelope_size(draft).map_or(true, |size| size.fits())
}

fn report_send(
    json: bool,
    kuvert: &Kuvert,
    report: &SendReport,
    summary: Option<&str>,
    paper_out: Option<&Path>,
) -> Result<u8, Error> {
    match report {
        SendReport::Submitted {
            message_id,
            distribution_id,
            mailbox,
        } => {
            let operator = mailbox.as_ref().map_or("", |m| m.operator.as_str());
            // Own förmedling: the operator's answer was the outcome.
            let delivered = kuvert.message(message_id)?.state == SendState::Delivered;
            let (state, how, id_name) = if delivered {
                (
                    "delivered",
                    "delivered to the mailbox",
                    "the operator's transaction id",
                )
            } else {
                (
                    "submitted",
                    "submitted to the intermediary",
                    "distribution id",
                )
            };
            print(
                json,
                json!({ "message_id": message_id.as_str(), "state": state, "distribution_id": distribution_id, "operator": operator, "mailbox": mailbox_json(mailbox.as_ref()) }),
                || {
                    format!(
                        "Sent{}: {how} via {operator}\nMessage id {message_id}, {id_name} {distribution_id}",
                        summary.map(|s| format!(" ({s})")).unwrap_or_default(),
                    )
                },
            );
            Ok(0)
        }
        SendReport::Paper {
            message_id,
            reason_swedish,
            reason_english,
            letter_pdf: _,
        } => {
            let default = PathBuf::from(format!("kuvert-{message_id}.pdf"));
            let path = paper_out.unwrap_or(&default);
            // The letter and the PDF attachments' pages: one print job.
            let print_file = kuvert.print_file(message_id)?;
            std::fs::write(path, &print_file.pdf).map_err(|e| Error::InvalidInput {
                field: "letter",
                reason: format!(
                    "the message {message_id} is recorded as sent on paper, but its letter could not \
                     be written to {}: {e}; write it with `kuvert letter {message_id} --out FILE`",
                    path.display()
                ),
            })?;
            let separately = print_file.left_out.clone();
            print(
                json,
                json!({ "message_id": message_id.as_str(), "state": "paper", "reason": { "sv": reason_swedish, "en": reason_english }, "letter": path, "appended": print_file.appended, "print_separately": separately }),
                || {
                    let mut text = format!(
                        "{reason_english}\nThe message is recorded as sent on paper; print and post {}\nMessage id {message_id}",
                        path.display()
                    );
                    if !separately.is_empty() {
                        text.push_str(&format!(
                            "\nPrint these attachments separately (they could not be added to the letter): {}",
                            separately.join(", ")
                        ));
                    }
                    text
                },
            );
            Ok(NOT_REACHABLE)
        }
        SendReport::Retrying {
            message_id,
            reason,
            next_attempt_at,
        } => {
            let next = next_attempt_at.map(time_text);
            print(
                json,
                json!({ "message_id": message_id.as_str(), "state": "outbox", "reason": reason, "coded": Reason::of(reason), "next_attempt_at": next_attempt_at.map(time_json) }),
                || {
                    format!(
                        "Not sent yet: {reason}\nThe message stays in the Outbox and is tried again{}; run `kuvert resume` to try now.\nMessage id {message_id}",
                        next.as_deref().map(|n| format!(" at {n}")).unwrap_or_default()
                    )
                },
            );
            Ok(REMOTE)
        }
        SendReport::Failed { message_id, reason } => {
            print(
                json,
                json!({ "message_id": message_id.as_str(), "state": "failed", "reason": reason, "coded": Reason::of(reason) }),
                || format!("Failed: {reason}\nMessage id {message_id}"),
            );
            Ok(REMOTE)
        }
        SendReport::Busy { message_id } => {
            print(
                json,
                json!({ "message_id": message_id.as_str(), "state": "busy" }),
                || format!("Message {message_id} is being handled by another Kuvert"),
            );
            Ok(REMOTE)
        }
    }
}

fn mailbox_json(mailbox: Option<&Mailbox>) -> Value {
    mailbox.map_or(
        Value::Null,
        |m| json!({ "operator": m.operator, "service_address": m.service_address }),
    )
}

fn event_json(event: Option<&CaseEvent>) -> Value {
    event.map_or(Value::Null, |e| {
        json!({
            "status": e.status.wire(),
            "preceding_event_id": e.preceding_event_id.as_ref().map(|p| p.as_str()),
        })
    })
}

/// "event message: closed, follows ID" for the text output.
fn event_text(event: &CaseEvent) -> String {
    let status = CaseStatus::from(event.status);
    let meaning = match status.english() {
        same if same == status.name() => String::new(),
        meaning => format!(" ({meaning})"),
    };
    match &event.preceding_event_id {
        Some(preceding) => format!("event message: {status}{meaning}, follows {preceding}"),
        None => {
            format!("event message: {status}{meaning}, the first in its case to this recipient")
        }
    }
}

fn officer_json(officer: Option<&Officer>) -> Value {
    officer.map_or(
        Value::Null,
        |o| json!({ "account": o.account, "name": o.name }),
    )
}

fn message_json(message: &Message, history: &[StatusEvent]) -> Value {
    let content = &message.content;
    json!({
        "message_id": content.message_id.as_str(),
        "state": message.state.to_string(),
        "state_at": time_json(message.state_at),
        "created_at": time_json(message.created_at),
        "recipient": content.recipient.display_form(),
        "subject": content.subject.as_str(),
        "case_number": content.case_number.as_ref().map(|c| c.as_str()),
        "protection_class": content.protection_class.get(),
        "distribution_id": message.distribution_id,
        "mailbox": mailbox_json(message.mailbox.as_ref()),
        "sender_name": content.sender_name.as_str(),
        "officer": officer_json(content.officer.as_ref()),
        "event": event_json(content.event.as_ref()),
        "attempts": message.attempts,
        "failure_reason": message.failure_reason,
        "failure": message.failure_reason.as_deref().map(Reason::of),
        "last_failure": message.last_failure.as_ref().map(|f| json!({"code": f.code, "reason": f.reason, "coded": Reason::of(&f.reason)})),
        "history": history.iter().map(|e| json!({
            "at": time_json(e.at),
            "state": e.state.to_string(),
            "detail": e.detail,
            "note": HistoryNote::of(e.kind.as_str(), e.state, &e.detail),
        })).collect::<Vec<_>>(),
    })
}

fn status(json: bool, kuvert: &Kuvert, message_id: &str, refresh: bool) -> Result<u8, Error> {
    let message_id = &kuvert_core::message_id(message_id)?;
    let message = if refresh {
        kuvert.refresh_status(message_id)?
    } else {
        kuvert.message(message_id)?
    };
    let history = kuvert.history(message_id)?;
    print(json, message_json(&message, &history), || {
        let mut lines = vec![format!(
            "{} — {} to {} ({})",
            message.content.message_id,
            message.state,
            message.content.recipient,
            message.content.subject
        )];
        let sender = &message.content.sender_name;
        lines.push(match &message.content.officer {
            Some(officer) => format!(
                "  sent by {} ({}) for {sender}",
                officer.name, officer.account
            ),
            None => format!("  sent for {sender}"),
        });
        if let Some(mailbox) = &message.mailbox {
            lines.push(format!(
                "  mailbox {} ({})",
                mailbox.operator, mailbox.service_address
            ));
        }
        if let Some(event) = &message.content.event {
            lines.push(format!("  {}", event_text(event)));
        }
        for event in &history {
            lines.push(format!(
                "  {}  {:<10} {}",
                time_text(event.at),
                event.state.to_string(),
                event.detail
            ));
        }
        lines.join("\n")
    });
    Ok(0)
}

/// `kuvert withdraw ID`: takes the message back from the Outbox.
fn withdraw(json: bool, kuvert: &Kuvert, message_id: &str) -> Result<u8, Error> {
    let id = kuvert_core::message_id(message_id)?;
    let draft = kuvert.withdraw(&id)?;
    print(
        json,
        json!({ "message_id": message_id, "state": "withdrawn", "draft": draft.0 }),
        || {
            format!(
                "Withdrawn: message {message_id} was not sent and stays in the sent log as withdrawn.\nIts content is kept as draft {} (open it in the Kuvert app to change and send it).",
                draft.0
            )
        },
    );
    Ok(0)
}

fn letter(
    json: bool,
    kuvert: &Kuvert,
    message_id: &str,
    out: Option<PathBuf>,
) -> Result<u8, Error> {
    let message_id = &kuvert_core::message_id(message_id)?;
    let print_file = kuvert.print_file(message_id)?;
    let path = out.unwrap_or_else(|| PathBuf::from(format!("kuvert-{message_id}.pdf")));
    std::fs::write(&path, &print_file.pdf).map_err(file_error(&path))?;
    print(
        json,
        json!({ "message_id": message_id.as_str(), "letter": path, "appended": print_file.appended, "print_separately": print_file.left_out }),
        || {
            let mut text = format!(
                "Wrote {} (the letter and its PDF attachments)",
                path.display()
            );
            if !print_file.left_out.is_empty() {
                text.push_str(&format!(
                    "\nPrint these attachments separately: {}",
                    print_file.left_out.join(", ")
                ));
            }
            text
        },
    );
    Ok(0)
}

fn resume(json: bool, kuvert: &Kuvert) -> Result<u8, Error> {
    let reports = kuvert.process_outbox()?;
    let mut code = 0;
    let mut rows = Vec::new();
    for report in &reports {
        let state = match report {
            SendReport::Submitted { .. } => "submitted",
            SendReport::Paper { .. } => "paper",
            SendReport::Retrying { .. } => {
                code = REMOTE;
                "outbox"
            }
            SendReport::Failed { .. } => "failed",
            SendReport::Busy { .. } => "busy",
        };
        let message = kuvert.message(report.message_id())?;
        rows.push(json!({ "message_id": report.message_id().as_str(), "result": state, "state": message.state.to_string() }));
    }
    print(json, Value::Array(rows.clone()), || {
        if rows.is_empty() {
            return "Nothing in the Outbox is due.".to_string();
        }
        rows.iter()
            .map(|r| {
                format!(
                    "{}: {}",
                    r["message_id"].as_str().unwrap_or_default(),
                    r["state"].as_str().unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(code)
}

fn log_filter(filters: Filters) -> LogFilter {
    LogFilter {
        text: filters.text,
        recipient: filters.recipient,
        case_number: filters.case,
        from: filters.from,
        to: filters.to,
        states: filters.status,
        protection_class: filters.class,
        sender_name: filters.sender,
        officer: filters.officer,
        limit: filters.limit,
        offset: filters.offset,
    }
}

fn summary_json(row: &SentSummary) -> Value {
    json!({
        "message_id": row.message_id.as_str(),
        "created_at": time_json(row.created_at),
        "state": row.state.to_string(),
        "state_at": time_json(row.state_at),
        "recipient": row.recipient.as_str(),
        "recipient_display": row.recipient.display_form(),
        "subject": row.subject.as_str(),
        "case_number": row.case_number.as_ref().map(|c| c.as_str()),
        "protection_class": row.protection_class.get(),
        "profile": row.profile,
        "sender_name": row.sender_name.as_str(),
        "attachments": row.attachment_count,
        "distribution_id": row.distribution_id,
        "mailbox": mailbox_json(row.mailbox.as_ref()),
        "officer": officer_json(row.officer.as_ref()),
        "event": event_json(row.event.as_ref()),
    })
}

fn log(json: bool, kuvert: &Kuvert, filters: Filters) -> Result<u8, Error> {
    let query = log_filter(filters).to_query(kuvert.today())?;
    let rows = kuvert.log(&query)?;
    print(json, rows.iter().map(summary_json).collect(), || {
        if rows.is_empty() {
            return "No messages match.".to_string();
        }
        rows.iter()
            .map(|r| {
                format!(
                    "{}  {:<9} {}  {:<16} {}  [{}]",
                    LocalTime::of(r.created_at).date_text(),
                    r.state.to_string(),
                    r.recipient,
                    r.case_number.as_ref().map_or("-", |c| c.as_str()),
                    r.subject,
                    r.message_id
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(0)
}

fn thread(json: bool, kuvert: &Kuvert, case: &str) -> Result<u8, Error> {
    let events = kuvert.case_thread(case)?;
    let rows: Vec<SentSummary> = events.iter().map(SentSummary::from).collect();
    print(json, rows.iter().map(summary_json).collect(), || {
        if rows.is_empty() {
            return format!("No event messages in case {case}.");
        }
        rows.iter()
            .map(|r| {
                format!(
                    "{}  {:<9} {}  {}  [{}]\n    {}",
                    r.created_at.date(),
                    r.state.to_string(),
                    r.recipient,
                    r.subject,
                    r.message_id,
                    r.event.as_ref().map(event_text).unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(0)
}

fn export(
    json: bool,
    kuvert: &Kuvert,
    format: &str,
    out: &Path,
    filters: Filters,
) -> Result<u8, Error> {
    let format: ExportFormat = format.parse()?;
    let filter = log_filter(filters);
    let description = filter.describe();
    let query = filter.to_query(kuvert.today())?;
    // A failed export leaves no half file.
    let written = kuvert.export_to_file(format, &query, &description, out)?;
    let (count, purges) = (written.entries, written.purges);
    print(
        json,
        json!({ "out": out, "entries": count, "purges": purges, "purges_out": written.purges_file,
                "anchor_out": written.anchor_file }),
        || {
            match (&written.purges_file, &written.anchor_file) {
            (Some(file), Some(anchor)) => format!(
                "Exported {count} entries to {}, {purges} purges to {} and the log's signed anchor to {}",
                out.display(),
                file.display(),
                anchor.display()
            ),
            (Some(file), None) => format!(
                "Exported {count} entries to {} and {purges} purges to {}",
                out.display(),
                file.display()
            ),
            _ => format!(
                "Exported {count} entries and {purges} purges to {}",
                out.display()
            ),
        }
        },
    );
    Ok(0)
}

/// What `kuvert verify` judges against.
struct VerifyWith<'a> {
    ca: Option<&'a Path>,
    profile: Option<&'a Path>,
    intermediary: Option<&'a str>,
    intermediary_cert: Option<&'a Path>,
}

fn verify(json: bool, file: &Path, with: VerifyWith<'_>) -> Result<u8, Error> {
    use kuvert_core::verify::{AnchorOrigin, Anchors};
    let xml = std::fs::read(file).map_err(unreadable(file))?;
    if let Some(ca) = with.ca {
        std::fs::metadata(ca).map_err(unreadable(ca))?;
    }
    let anchors = Anchors::choose(with.ca, with.profile)?;
    let intermediary =
        kuvert_core::verify::intermediary(with.intermediary, with.intermediary_cert)?;
    let anchors_json = match &anchors.origin {
        AnchorOrigin::Given(path) => json!({ "from": "ca", "file": path }),
        AnchorOrigin::Profile(path) => json!({ "from": "profile", "file": path }),
        AnchorOrigin::None => Value::Null,
    };
    let now = time::OffsetDateTime::now_utc();
    match kuvert_core::verify::verify_delivery(&xml, &anchors, intermediary.as_ref(), now) {
        Ok(verified) => {
            let valid = verified.is_valid();
            let signatures: Vec<Value> = verified.signatures.iter().map(signature_json).collect();
            let problems: Vec<String> = verified.problems.iter().map(ToString::to_string).collect();
            print(
                json,
                json!({
                    "valid": valid,
                    "signatures_correct": true,
                    "sender_id": verified.sender_id,
                    "seal": verified.seal.map(|s| json!({
                        "received": s.received.to_string(),
                        "signatures_ok": s.signatures_ok,
                    })),
                    "trust_anchors": anchors_json,
                    "signatures": signatures,
                    "problems": problems,
                }),
                || verification_text(&verified, &anchors.origin),
            );
            Ok(if valid { 0 } else { NOT_VOUCHED_FOR })
        }
        Err(error @ (Error::Verification(_) | Error::InvalidInput { field: "file", .. })) => {
            print(
                json,
                json!({ "valid": false, "signatures_correct": false, "reason": error.to_string(), "trust_anchors": anchors_json }),
                || format!("NOT VALID: {error}"),
            );
            Ok(VERIFICATION)
        }
        Err(other) => Err(other),
    }
}

fn signature_json(s: &kuvert_core::verify::SignatureReport) -> Value {
    use kuvert_core::verify::{SignatureRole, Trust, Usage};
    let signer = &s.signer;
    json!({
        "role": match s.role { SignatureRole::Sender => "sender", SignatureRole::Seal => "seal" },
        "element": s.element,
        "algorithm": format!("{:?}", s.algorithm),
        "legacy_sha1": s.legacy_sha1,
        "signer": signer.subject,
        "organisation_number": signer.organisation_number,
        "signing_certificate": matches!(signer.usage, Usage::Signing),
        "valid_from": signer.valid_from,
        "valid_until": signer.valid_until,
        "valid_today": signer.valid_today.to_string(),
        "signed_on": signer.when_signed.map(|(day, _)| day.to_string()),
        "valid_when_signed": signer.when_signed.map(|(_, v)| v.to_string()),
        "trust": match &signer.trust {
            Trust::Trusted { anchor } => json!({ "trusted": true, "anchor": anchor }),
            Trust::NotTrusted { reason } => json!({ "trusted": false, "reason": reason }),
            Trust::NoTrustAnchors => json!({ "trusted": false, "reason": "no trust anchors" }),
        },
    })
}

fn verification_text(
    verified: &kuvert_core::verify::Verification,
    origin: &kuvert_core::verify::AnchorOrigin,
) -> String {
    use kuvert_core::verify::{AnchorOrigin, Trust};
    let mut lines = Vec::new();
    if verified.is_valid() {
        lines.push(format!(
            "OK: a genuine delivery from {}, every signer trusted.",
            verified.sender_id
        ));
    } else {
        lines.push(
            "NOT ACCEPTED: the signatures are mathematically correct, but the delivery is not vouched for:"
                .to_string(),
        );
        lines.extend(verified.problems.iter().map(|p| format!("  - {p}")));
    }
    for s in &verified.signatures {
        let signer = &s.signer;
        lines.push(format!(
            "{} over {}:",
            capitalised(&s.role.to_string()),
            s.element
        ));
        lines.push(format!(
            "  signer: {}{}",
            signer.subject,
            signer
                .organisation_number
                .as_ref()
                .map(|n| format!(" (organisation {n})"))
                .unwrap_or_default()
        ));
        lines.push(format!(
            "  certificate: {} – {}; {} today{}",
            signer.valid_from,
            signer.valid_until,
            signer.valid_today,
            signer
                .when_signed
                .map(|(day, v)| format!(", {v} on {day} (sealed)"))
                .unwrap_or_default()
        ));
        lines.push(format!(
            "  trust: {}",
            match &signer.trust {
                Trust::Trusted { anchor } => format!("trusted, chains to {anchor}"),
                Trust::NotTrusted { reason } => format!("NOT trusted: {reason}"),
                Trust::NoTrustAnchors => "NOT trusted: no CA certificates to judge by".to_string(),
            }
        ));
        if s.legacy_sha1 {
            lines.push("  algorithm: legacy SHA-1".to_string());
        }
    }
    lines.push(match origin {
        AnchorOrigin::Given(path) => format!("CA certificates: {} (--ca)", path.display()),
        AnchorOrigin::Profile(path) => {
            format!("CA certificates: {} (the profile's)", path.display())
        }
        AnchorOrigin::None => "CA certificates: none (give --ca or a profile)".to_string(),
    });
    lines.join("\n")
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn verify_log(json: bool, kuvert: &Kuvert, scope: ChainScope) -> Result<u8, Error> {
    let check = kuvert.verify_log(scope)?;
    let from_seq = check.from.as_ref().map(|c| c.seq);
    let last_full = check.last_full.as_ref().map(|c| time_text(c.checked_at));
    let scope_name = if check.from.is_some() {
        "since_checkpoint"
    } else {
        "full"
    };
    let anchor_seq = check.anchor.as_ref().map(|a| a.seq);
    let anchored_at = check.anchor.as_ref().and_then(|a| a.written_at());
    let facts = json!({ "scope": scope_name, "checkpoint_seq": from_seq,
                        "last_full_check": last_full, "anchor_seq": anchor_seq,
                        "anchored_at": anchored_at.map(time_json) });
    let with = |extra: Value| {
        let mut all = facts.clone();
        if let (Some(all), Value::Object(extra)) = (all.as_object_mut(), extra) {
            all.extend(extra);
        }
        all
    };
    let checked = |entries: u64| match &check.from {
        None => format!("{entries} entries, all checked"),
        Some(cp) => format!(
            "the {entries} entries from the checkpoint at entry {} on, whose hash is still the one \
             recorded on {}; entries before it were last checked in full on {} (run \
             `kuvert verify-log` to check them again)",
            cp.seq,
            time_text(cp.checked_at),
            last_full.as_deref().unwrap_or("(never)")
        ),
    };
    match check.verdict {
        ChainVerdict::Intact { entries } => {
            print(
                json,
                with(json!({ "intact": true, "entries": entries })),
                || {
                    let anchored = match (anchor_seq, anchored_at) {
                        (Some(seq), Some(at)) => format!(
                            " Its newest entry, {seq}, is the one anchored (signed, beside the \
                         database) on {}.",
                            time_text(at)
                        ),
                        _ => String::new(),
                    };
                    format!("The sent log is intact ({}).{anchored}", checked(entries))
                },
            );
            Ok(0)
        }
        ChainVerdict::Unanchored { entries } => {
            print(
                json,
                with(json!({ "intact": false, "anchored": false, "entries": entries })),
                || {
                    format!(
                        "The sent log's entries hold together ({}), but the log's key could not \
                         be read from the keyring, so the removal of its newest entries or a \
                         rebuilt log cannot be ruled out. Unlock the keyring and check again.",
                        checked(entries)
                    )
                },
            );
            Ok(VERIFICATION)
        }
        ChainVerdict::Broken { seq, reason } => {
            print(
                json,
                with(json!({ "intact": false, "seq": seq, "reason": reason.to_string() })),
                || format!("The sent log has been altered at entry {seq}: {reason}"),
            );
            Ok(VERIFICATION)
        }
    }
}

fn purge(json: bool, kuvert: &Kuvert, older_than: u32, dry_run: bool) -> Result<u8, Error> {
    let report = kuvert.purge(older_than, dry_run)?;
    print(
        json,
        json!({ "dry_run": report.dry_run, "count": report.count, "cutoff": time_json(report.cutoff), "message_ids": report.message_ids, "ids_sha256": report.ids_sha256, "seq": report.seq }),
        || {
            let verb = if report.dry_run {
                "Would purge"
            } else {
                "Purged"
            };
            format!(
                "{verb} {} messages final before {}",
                report.count,
                time_text(report.cutoff)
            )
        },
    );
    Ok(0)
}

fn purges(json: bool, kuvert: &Kuvert) -> Result<u8, Error> {
    let records = kuvert.purges()?;
    let rows: Vec<Value> = records
        .iter()
        .map(|r| {
            json!({ "seq": r.seq, "at": time_json(r.at), "cutoff": time_json(r.cutoff), "count": r.count,
                    "ids_sha256": r.ids_sha256, "purger": r.purger, "rule": r.rule })
        })
        .collect();
    print(json, Value::Array(rows), || {
        let lines = records
            .iter()
            .map(|r| {
                purge_line(
                    &time_text(r.at),
                    r.count,
                    &time_text(r.cutoff),
                    r.purger.as_deref().unwrap_or("-"),
                    r.rule.as_deref().unwrap_or("rule not recorded"),
                    &r.ids_sha256,
                )
            })
            .collect();
        purge_lines(lines)
    });
    Ok(0)
}

fn import_certificate(json: bool, profile: Option<&Path>, file: &Path) -> Result<u8, Error> {
    if profile.is_some() {
        return Err(Error::InvalidInput {
            field: "--profile",
            reason: "import-certificate writes the per-user profile; leave out --profile".into(),
        });
    }
    let password = password_from_stdin()?;
    let (profile, installed) = kuvert_core::certificate_import::import_certificate(
        file,
        &password,
        &kuvert_core::profile::ProfileLocations::from_environment(),
        &Keyring::system(),
        time::OffsetDateTime::now_utc(),
    )?;
    print(
        json,
        json!({
            "file": installed.file,
            "profile_file": installed.profile_file,
            "subject": installed.subject,
            "organisation_number": installed.organisation_number,
            "not_after": installed.not_after,
            "profile": profile.name(),
        }),
        || {
            format!(
                "Certificate {} ({}) valid until {} installed as {}.\n\
                 {} now uses it; the password is in the keyring.",
                installed.subject,
                installed
                    .organisation_number
                    .as_deref()
                    .unwrap_or("no organisation number"),
                installed.not_after,
                installed.file.display(),
                installed.profile_file.display(),
            )
        },
    );
    Ok(0)
}

/// One line from standard input, without its line end; never empty.
fn password_from_stdin() -> Result<Password, Error> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(file_error(Path::new("standard input")))?;
    let text = line.trim_end_matches(['\n', '\r']);
    if text.is_empty() {
        return Err(Error::InvalidInput {
            field: "password",
            reason: "no password on standard input".to_string(),
        });
    }
    Ok(Password::new(text))
}

fn password(profile: Option<&Path>, action: &str, seal: bool) -> Result<u8, Error> {
    let profile = Profile::load(profile)?;
    let keyring = Keyring::system();
    let role = if seal {
        if profile.own_seal().is_none() {
            return Err(Error::InvalidInput {
                field: "--seal",
                reason: "the profile has no [seal] certificate of its own (direct mode seals with \
                         [certificate], whose password is set without --seal)"
                    .to_string(),
            });
        }
        CertificateRole::Seal
    } else {
        CertificateRole::Organisation
    };
    if action == "forget" {
        let removed = keyring.forget_password_for(&profile, role)?;
        println!(
            "{}",
            if removed {
                "Password removed from the keyring."
            } else {
                "No password was stored."
            }
        );
        return Ok(0);
    }
    keyring.store_password_for(&profile, role, &password_from_stdin()?)?;
    println!(
        "{} stored in the keyring for profile {:?}.",
        if seal {
            "Seal certificate password"
        } else {
            "Password"
        },
        profile.name()
    );
    Ok(0)
}

/// Exit code of `kuvert doctor` when something needs attention soon.
const ATTENTION: u8 = 7;

/// `kuvert doctor`: every check, what was found and what to fix.
fn doctor(
    json: bool,
    profile: Option<&Path>,
    data: Option<PathBuf>,
    warn_days: u32,
    bundle: Option<&Path>,
) -> Result<u8, Error> {
    use kuvert_core::diagnostics::{write_bundle, BundleInput};
    use kuvert_core::doctor::{checkup, Health};
    let profile = Profile::load(profile)?;
    let paths = Paths::from_environment(data)?;
    let checkup = checkup(
        &profile,
        &Keyring::system(),
        paths.data_dir(),
        warn_days,
        time::OffsetDateTime::now_utc(),
    );
    let worst = checkup.worst();
    if let Some(out) = bundle {
        let program = concat!("kuvert ", env!("CARGO_PKG_VERSION"));
        write_bundle(out, &BundleInput::of(program, &checkup, &profile, &paths))?;
    }
    print(
        json,
        json!({ "health": worst, "warn_days": warn_days, "fewest_days_left": checkup.fewest_days_left(), "findings": checkup.findings, "bundle": bundle }),
        || {
            let mut lines = Vec::new();
            if let Some(out) = bundle {
                lines.push(format!("diagnostics bundle written to {}", out.display()));
            }
            for f in &checkup.findings {
                let mark = match f.health {
                    Health::Ok => "ok     ",
                    Health::Warning => "WARNING",
                    Health::Problem => "PROBLEM",
                };
                lines.push(format!("{mark} {:<22} {}", f.check, f.found));
                if let Some(fix) = &f.fix {
                    lines.push(format!("        {:<22} fix: {fix}", ""));
                }
            }
            lines.join("\n")
        },
    );
    Ok(match worst {
        Health::Ok => 0,
        Health::Warning => ATTENTION,
        Health::Problem => INVALID,
    })
}

/// `kuvert paths`: reads nothing but names and whether files exist; moves
/// nothing (the move of the app's old folder happens when a store is opened).
fn paths(json: bool, profile: Option<&Path>, data: Option<PathBuf>) -> Result<u8, Error> {
    let paths = Paths::from_environment(data)?.with_profile(profile.map(Path::to_path_buf));
    let files = paths.profile_files();
    let legacy = paths.legacy();
    let value = json!({
        "data_dir": paths.data_dir(),
        "data_dir_source": paths.source().code(),
        "database": paths.database(),
        "outbox_lock": paths.outbox_lock(),
        "test_environment": paths.test_environment_dir(),
        "profile_files": files.iter().map(|f| json!({
            "layer": f.layer.code(),
            "path": f.path,
            "read": f.exists(),
        })).collect::<Vec<_>>(),
        "certificate_store": paths.certificate_store(),
        "log_file": paths.log_file(),
        "legacy_dir": legacy.as_ref().map(|l| json!({ "path": l.path, "state": l.state.code() })),
    });
    print(json, value, || {
        let mut lines = vec![
            format!(
                "Data directory:    {}{}",
                paths.data_dir().display(),
                match paths.source() {
                    DataDirSource::CommandLine => " (--data-dir)",
                    DataDirSource::Environment => " (KUVERT_DATA_DIR)",
                    DataDirSource::Default => "",
                }
            ),
            format!("Database:          {}", paths.database().display()),
            format!("Outbox lock:       {}", paths.outbox_lock().display()),
            format!(
                "Test environment:  {} (the desktop app's built-in one)",
                paths.test_environment_dir().display()
            ),
        ];
        for (i, file) in files.iter().enumerate() {
            lines.push(format!(
                "{}{} ({}, {})",
                if i == 0 {
                    "Profile files:     "
                } else {
                    "                   "
                },
                file.path.display(),
                file.layer.code(),
                if file.exists() { "read" } else { "not found" }
            ));
        }
        lines.push(format!(
            "Certificate store: {}",
            paths
                .certificate_store()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "none (no per-user configuration folder)".into())
        ));
        lines.push(format!(
            "Log file:          {} (the desktop app's; kuvert logs to standard error, see KUVERT_LOG)",
            paths.log_file().display()
        ));
        if let Some(legacy) = &legacy {
            lines.push(format!(
                "Old app folder:    {} ({})",
                legacy.path.display(),
                legacy.state.english()
            ));
        }
        lines.join("\n")
    });
    Ok(0)
}

fn sandbox(
    json: bool,
    state: PathBuf,
    with_department: bool,
    database_url: Option<String>,
) -> Result<u8, Error> {
    let failed = |e: kuvert_sandbox::SandboxError| Error::InvalidInput {
        field: "sandbox",
        reason: e.to_string(),
    };
    let config = kuvert_sandbox::SandboxConfig::new(state.clone());
    let sandbox = kuvert_sandbox::Sandbox::start(config).map_err(failed)?;
    if with_department {
        // Kept running (and on disk) after Ctrl-C; the next start reuses it.
        let postgres = match &database_url {
            Some(_) => None,
            None => Some(
                kuvert_sandbox::department::PrivatePostgres::for_state_dir(&state, 0)
                    .map_err(failed)?,
            ),
        };
        let url = database_url
            .clone()
            .or_else(|| postgres.as_ref().map(|p| p.url()))
            .unwrap_or_default();
        let files =
            kuvert_sandbox::department::DepartmentFiles::write(&state, &url, 0).map_err(failed)?;
        std::mem::forget(postgres);
        let staff: Vec<Value> = kuvert_sandbox::department::STAFF
            .iter()
            .zip(&files.profiles)
            .map(|(member, path)| json!({ "identity": member.identity, "role": member.role, "profile": path }))
            .collect();
        print(
            json,
            json!({
                "profile": sandbox.profile_path(),
                "server_config": files.server_toml,
                "server_url": files.server_url,
                "database_url": url,
                "staff": staff,
            }),
            || {
                let mut lines = vec![
                    "Kuvert test environment running, with a department.".to_string(),
                    format!(
                        "  server:    kuvert-server --config {}   (serves {})",
                        files.server_toml.display(),
                        files.server_url
                    ),
                    format!("  database:  {url}"),
                ];
                for (member, path) in kuvert_sandbox::department::STAFF
                    .iter()
                    .zip(&files.profiles)
                {
                    lines.push(format!(
                        "  {:<10} kuvert --profile {} …   ({})",
                        member.role,
                        path.display(),
                        member.identity
                    ));
                }
                lines.push("Ctrl-C stops the test environment (PostgreSQL keeps running for the next start).".into());
                lines.join("\n")
            },
        );
        loop {
            std::thread::park();
        }
    }
    print(
        json,
        json!({
            "profile": sandbox.profile_path(),
            "recipient_url": sandbox.recipient_url(),
            "message_url": sandbox.message_url(),
            "web_url": sandbox.web_url(),
        }),
        || {
            format!(
                "Kuvert test environment running.\n  profile:   {}\n  FaR:       {}\n  messages:  {}\n  mailboxes: {}\nUse it with: kuvert --profile {} …   (Ctrl-C stops it)",
                sandbox.profile_path().display(),
                sandbox.recipient_url(),
                sandbox.message_url(),
                sandbox.web_url(),
                sandbox.profile_path().display(),
            )
        },
    );
    // Serve until the process is stopped; everything is already on disk.
    loop {
        std::thread::park();
    }
}
