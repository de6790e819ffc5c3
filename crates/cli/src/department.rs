//! The commands in department mode (a profile with `[department]`): they
//! speak to the organisation's `kuvert-server` instead of the local store.
//! `send` hands the message over and waits a little for the server's first
//! step; `status`, `log` and `verify-log` read from the server.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kuvert_core::department::wire::{ExportFilter, MessageView};
use kuvert_core::department::DepartmentClient;
use kuvert_core::profile::Profile;
use kuvert_core::reason::Reason;
use kuvert_core::secrets::Keyring;
use kuvert_core::Error;
use serde_json::json;

use crate::args::{Filters, SendArgs};
use crate::output::{print, purge_line, purge_lines};

const INVALID: u8 = 2;
const NOT_REACHABLE: u8 = 3;
const REMOTE: u8 = 4;
const LOG_ALTERED: u8 = 5;

/// How long `send` waits for the server's worker to take the first step.
const FIRST_STEP_WAIT: Duration = Duration::from_secs(20);

/// The department client of `profile`, with the officer's certificate
/// (a PKCS#12 file's password from the keyring).
pub fn client(profile: &Profile) -> Result<DepartmentClient, Error> {
    DepartmentClient::from_keyring(profile, &Keyring::system())
}

/// What a command that department mode does not offer yet answers.
pub fn not_offered(command: &str) -> Error {
    Error::InvalidInput {
        field: "department mode",
        reason: format!(
            "`kuvert {command}` is not available in department mode yet: the department server keeps the log (ask a registrar)"
        ),
    }
}

/// `kuvert check`: the server asks FaR with the organisation's
/// certificate (exit 3 when one cannot receive digital mail, 2 when one is
/// not an identity number).
pub fn check(json: bool, client: &DepartmentClient, ids: &[String]) -> Result<u8, Error> {
    let mut code = 0;
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    for answer in client.check(ids)? {
        match (&answer.invalid, &answer.recipient) {
            (None, Some(display)) => {
                let digital = answer.operator.is_some();
                if !digital && code == 0 {
                    code = NOT_REACHABLE;
                }
                rows.push(json!({
                    "input": answer.input, "valid": true, "display": display,
                    "digital": digital, "operator": answer.operator,
                    "sv": answer.swedish, "en": answer.english,
                }));
                lines.push(format!("{display}: {}", answer.english));
            }
            (reason, _) => {
                code = INVALID;
                let reason = reason.clone().unwrap_or_default();
                lines.push(format!(
                    "{}: not a valid identity number: {reason}",
                    answer.input
                ));
                rows.push(json!({ "input": answer.input, "valid": false, "reason": reason }));
            }
        }
    }
    print(json, serde_json::Value::Array(rows), || lines.join("\n"));
    Ok(code)
}

/// `kuvert send`: hands the message to the server, then reports its state
/// once the server's worker has taken the first step (or the wait is over:
/// the message is safe in the server's Outbox either way).
pub fn send(
    json: bool,
    client: &DepartmentClient,
    draft: &kuvert_core::compose::Draft,
    args: &SendArgs,
) -> Result<u8, Error> {
    if args.dry_run {
        return Err(Error::InvalidInput {
            field: "dry run",
            reason: "in department mode the server signs with the organisation certificate; there is nothing to sign here".into(),
        });
    }
    if args.on_paper || args.compress_pdf {
        return Err(Error::InvalidInput {
            field: if args.on_paper { "--on-paper" } else { "--compress-pdf" },
            reason: "not available in department mode yet; the department server refuses a message too large to send and says so".into(),
        });
    }
    let submission_id = uuid::Uuid::new_v4().to_string();
    let accepted = client.submit(draft, &submission_id)?;
    let message = client.first_step(&accepted.message_id, FIRST_STEP_WAIT)?;
    let id = &message.message_id;
    match message.state.as_str() {
        "paper" => {
            let default = PathBuf::from(format!("kuvert-{id}.pdf"));
            let path = args.paper_out.as_deref().unwrap_or(&default);
            let letter = client.letter(id)?;
            std::fs::write(path, letter).map_err(|source| Error::File {
                path: path.to_path_buf(),
                source,
            })?;
            print(
                json,
                json!({ "message_id": id, "state": "paper", "letter": path }),
                || {
                    format!(
                        "The recipient cannot receive digital mail: the message is recorded as sent on paper; print and post {}\nMessage id {id}",
                        path.display()
                    )
                },
            );
            Ok(NOT_REACHABLE)
        }
        "failed" => {
            let reason = message.failure_reason.clone().unwrap_or_default();
            print(
                json,
                json!({ "message_id": id, "state": "failed", "reason": reason, "coded": Reason::of(&reason) }),
                || format!("Failed: {reason}\nMessage id {id}"),
            );
            Ok(REMOTE)
        }
        "signed" => {
            let reason = message.retry_reason.clone();
            print(
                json,
                json!({ "message_id": id, "state": "outbox", "reason": reason, "coded": reason.as_deref().map(Reason::of) }),
                || {
                    match &reason {
                    Some(reason) => format!(
                        "Not sent yet: {reason}\nThe message is in the department server's Outbox, which tries again.\nMessage id {id}"
                    ),
                    None => format!(
                        "Handed to the department server, which sends it.\nMessage id {id}"
                    ),
                }
                },
            );
            Ok(if reason.is_some() { REMOTE } else { 0 })
        }
        state => {
            let operator = message.mailbox_operator.clone().unwrap_or_default();
            print(
                json,
                json!({ "message_id": id, "state": state, "distribution_id": message.distribution_id, "operator": operator }),
                || {
                    format!(
                        "Sent through the department server: {state} via {operator}\nMessage id {id}, distribution id {}",
                        message.distribution_id.as_deref().unwrap_or("")
                    )
                },
            );
            Ok(0)
        }
    }
}

/// `kuvert status ID`.
/// `kuvert handled ID --note TEXT` through the server: the officer's own
/// Failed message, handled outside Kuvert; then its status.
pub fn handled(
    json: bool,
    client: &DepartmentClient,
    message_id: &str,
    note: &str,
) -> Result<u8, Error> {
    client.mark_handled(message_id.trim(), note)?;
    status(json, client, message_id)
}

pub fn status(json: bool, client: &DepartmentClient, message_id: &str) -> Result<u8, Error> {
    let message = client.message(message_id.trim())?;
    let history = client.history(message_id.trim())?;
    let value = json!({ "message": message, "history": history });
    print(json, value, || {
        let mut lines = vec![
            line(&message),
            format!(
                "  sent by {} ({}){} for {}",
                message.officer_name,
                message.officer,
                message
                    .unit
                    .as_deref()
                    .map(|u| format!(", {u}"))
                    .unwrap_or_default(),
                message.sender_name
            ),
        ];
        for event in &history {
            lines.push(format!(
                "  {}  {:<10} {}",
                event.at,
                event.state,
                event.detail.as_deref().unwrap_or("")
            ));
        }
        lines.join("\n")
    });
    Ok(0)
}

/// `kuvert log`: the messages this caller may read (an officer's own, a
/// registrar's units').
pub fn log(json: bool, client: &DepartmentClient, filters: &Filters) -> Result<u8, Error> {
    text_only(filters, Case::Refused)?;
    let found = client.log(filters.text.as_deref(), filters.limit)?;
    print(json, json!(found), || {
        found.iter().map(line).collect::<Vec<_>>().join("\n")
    });
    Ok(0)
}

/// `kuvert export --format csv --out FILE`: the server's CSV of what the
/// caller may read (a registrar: the organisation's, or their units').
pub fn export(
    json: bool,
    client: &DepartmentClient,
    format: &str,
    out: &Path,
    filters: &Filters,
) -> Result<u8, Error> {
    if format != "csv" {
        return Err(Error::InvalidInput {
            field: "--format",
            reason: format!("department mode exports CSV (--format csv) for now, not {format:?}"),
        });
    }
    let filter = ExportFilter {
        text: filters.text.clone(),
        case: filters.case.clone(),
    };
    text_only(filters, Case::Allowed)?;
    let rows = client.export_csv(&filter, out)?;
    print(
        json,
        json!({ "format": "csv", "path": out, "messages": rows }),
        || {
            format!(
                "Wrote {rows} messages of the department log to {}.",
                out.display()
            )
        },
    );
    Ok(0)
}

/// `kuvert purges`: the department log's recorded purges (registrars).
pub fn purges(json: bool, client: &DepartmentClient) -> Result<u8, Error> {
    let records = client.purges()?;
    print(json, json!(records), || {
        let lines = records
            .iter()
            .map(|r| {
                purge_line(
                    &r.at,
                    r.count,
                    &r.older_than,
                    &r.purged_by,
                    &r.rule,
                    &r.ids_sha256,
                )
            })
            .collect();
        purge_lines(lines)
    });
    Ok(0)
}

/// `kuvert archive ID|--case DNR --out FILE`: the server's filing package.
pub fn archive(
    json: bool,
    client: &DepartmentClient,
    message_id: Option<&str>,
    case: Option<&str>,
    out: &Path,
) -> Result<u8, Error> {
    let messages = client.archive(message_id, case, out)?;
    print(
        json,
        json!({ "archive": out, "messages": messages }),
        || {
            format!(
                "Wrote the filing package of {messages} messages of the department log to {}.",
                out.display()
            )
        },
    );
    Ok(0)
}

/// The department log is searched by text only (for now): any other
/// filter is refused rather than ignored.
/// Whether `--case` may narrow the command (the server's export takes it).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Case {
    Allowed,
    Refused,
}

fn text_only(filters: &Filters, case: Case) -> Result<(), Error> {
    let others = filters.recipient.is_some()
        || (filters.case.is_some() && case == Case::Refused)
        || filters.from.is_some()
        || filters.to.is_some()
        || !filters.status.is_empty()
        || filters.class.is_some()
        || filters.sender.is_some()
        || filters.officer.is_some()
        || filters.offset > 0;
    if others {
        return Err(Error::InvalidInput {
            field: "department mode",
            reason: "the department log is searched with --text and --limit for now".into(),
        });
    }
    Ok(())
}

/// `kuvert verify-log`: the server walks the whole chain (registrars).
pub fn verify_log(json: bool, client: &DepartmentClient) -> Result<u8, Error> {
    let check = client.verify_log()?;
    print(json, json!(check), || {
        if check.intact() {
            format!(
                "The department log is intact: {} chain entries over {} messages.",
                check.entries, check.messages
            )
        } else {
            let mut lines = vec!["The department log has been ALTERED:".to_string()];
            lines.extend(check.breaks.iter().map(|b| format!("  {b}")));
            lines.join("\n")
        }
    });
    Ok(if check.intact() { 0 } else { LOG_ALTERED })
}

/// `kuvert purge`: a registrar's retention purge on the server.
pub fn purge(
    json: bool,
    client: &DepartmentClient,
    older_than_days: u32,
    dry_run: bool,
) -> Result<u8, Error> {
    let answer = client.purge(older_than_days, dry_run)?;
    print(json, json!(answer), || {
        if answer.dry_run {
            format!(
                "Would purge {} messages (rule: {}).",
                answer.count, answer.rule
            )
        } else {
            format!(
                "Purged {} messages (rule: {}); the purge is recorded in the log.",
                answer.count, answer.rule
            )
        }
    });
    Ok(0)
}

/// `kuvert migrate-to-department --to PROFILE`: the local log, message by
/// message, into the department's.
pub fn migrate(json: bool, local: &kuvert_core::Kuvert, target: &Profile) -> Result<u8, Error> {
    if target.department().is_none() {
        return Err(Error::InvalidInput {
            field: "--to",
            reason: "that profile has no [department]: name the department profile".into(),
        });
    }
    if local.profile().organisation_number() != target.organisation_number() {
        return Err(Error::InvalidInput {
            field: "--to",
            reason: format!(
                "the local log is {}'s and the department is {}'s: a log is moved only within its organisation",
                local.profile().organisation_number().display_form(),
                target.organisation_number().display_form()
            ),
        });
    }
    let unsent = local.unsent_in_outbox()?;
    if unsent > 0 {
        return Err(Error::InvalidInput {
            field: "outbox",
            reason: format!("{unsent} messages in the local Outbox are not sent yet: send them (kuvert resume) before moving the log"),
        });
    }
    let check = local.verify_log(kuvert_core::ChainScope::Full)?;
    if let kuvert_core::ChainVerdict::Broken { .. } = check.verdict {
        return Err(Error::LogAltered(
            "the local log does not verify (kuvert verify-log); it is not moved".into(),
        ));
    }
    let client = client(target)?;
    let (mut moved, mut already) = (0u64, 0u64);
    for id in local.local_message_ids()? {
        if client.import(&local.imported_form(&id)?)? {
            moved += 1;
        } else {
            already += 1;
        }
    }
    print(
        json,
        json!({ "moved": moved, "already_there": already }),
        || format!("Moved {moved} messages to the department log ({already} were there already)."),
    );
    Ok(0)
}

fn line(message: &MessageView) -> String {
    format!(
        "{} — {} to {} ({}){}",
        message.message_id,
        message.state,
        message.recipient,
        message.subject,
        message
            .case_number
            .as_deref()
            .map(|c| format!(" [{c}]"))
            .unwrap_or_default()
    )
}

/// Whether the profile named on the command line (or found) is in
/// department mode; `None` when it cannot be loaded (the local path then
/// reports why).
pub fn profile(explicit: Option<&Path>) -> Option<Profile> {
    Profile::load(explicit)
        .ok()
        .filter(|p| p.department().is_some())
}
