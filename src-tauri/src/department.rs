//! The window in department mode (a profile with `[department]`): the
//! folders, the reading pane, the sent log and the registrar's tools read
//! from the organisation's `kuvert-server`; drafts stay on this PC and
//! sending hands a draft to the server ([`Kuvert::hand_over_draft`]).
//! This module turns the server's answers into the window's views.

use std::sync::{Mutex, PoisonError};

use kuvert_core::department::wire::{self, HistoryLine};
use kuvert_core::department::DepartmentClient;
use kuvert_core::local_time::LocalTime;
use kuvert_core::profile::Profile;
use kuvert_core::reason::{HistoryNote, Reason};
use kuvert_core::secrets::Keyring;
use kuvert_core::{Error, MatterStatus, SendState};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::dto::{
    ChainView, EventView, LogFilterView, MessageRow, MessageState, MessageView, PurgeRecordView,
    PurgeView, RecipientCheck, SendOutcome, StatusChange, StoredAttachmentView, TimelineEntry,
};

/// The department server of the open profile; its client is built on first
/// use (a PKCS#12 staff certificate needs its password from the keyring).
#[derive(Debug)]
pub struct Link {
    profile: Profile,
    client: Mutex<Option<DepartmentClient>>,
}

impl Link {
    /// The link of `profile`, `None` when it is not in department mode.
    pub fn of(profile: &Profile) -> Option<Link> {
        profile.department().map(|_| Link {
            profile: profile.clone(),
            client: Mutex::new(None),
        })
    }

    /// The client (built once; clones share its connections).
    ///
    /// # Errors
    ///
    /// The keyring's error when the certificate's password is not stored,
    /// or the profile's when its certificate or CA bundle is unusable.
    pub fn client(&self) -> Result<DepartmentClient, Error> {
        let mut slot = self.client.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(client) = slot.as_ref() {
            return Ok(client.clone());
        }
        let client = DepartmentClient::from_keyring(&self.profile, &Keyring::system())?;
        *slot = Some(client.clone());
        Ok(client)
    }

    /// Forgets the client (a new password was stored).
    pub fn reset(&self) {
        *self.client.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

/// What the window says of something department mode does not do here.
pub fn not_here(what: &str) -> Error {
    Error::Department {
        code: "invalid_input".into(),
        message: format!("I avdelningsläge går det inte att {what} här: avdelningens server har meddelandet. Fråga registrator eller IT."),
        problems: Vec::new(),
    }
}

fn state(name: &str) -> Result<SendState, Error> {
    SendState::parse(name).ok_or_else(|| Error::Department {
        code: "internal".into(),
        message: format!("Avdelningens server svarade med ett okänt läge: {name:?}."),
        problems: Vec::new(),
    })
}

/// A UTC time from the server as the window shows times (Swedish local).
fn local(at: &str) -> String {
    OffsetDateTime::parse(at, &Rfc3339)
        .map(|t| LocalTime::of(t).iso())
        .unwrap_or_else(|_| at.to_string())
}

/// A folder or search row of a message from the server.
pub fn row(m: &wire::MessageView) -> Result<MessageRow, Error> {
    Ok(MessageRow {
        message_id: m.message_id.clone(),
        created_at: local(&m.created_at),
        state: state(&m.state)?.into(),
        state_at: local(&m.state_at),
        recipient: m.recipient.clone(),
        subject: m.subject.clone(),
        case_number: m.case_number.clone(),
        protection_class: m.protection_class,
        sender_name: m.sender_name.clone(),
        mailbox: m.mailbox_operator.clone(),
        officer: Some(if m.officer_name.is_empty() {
            m.officer.clone()
        } else {
            m.officer_name.clone()
        }),
        attachment_count: u32::try_from(m.attachments.len()).unwrap_or(u32::MAX),
        reason: m
            .failure_reason
            .as_deref()
            .or(m.retry_reason.as_deref())
            .map(Reason::of),
        event: m
            .event_status
            .as_deref()
            .and_then(MatterStatus::from_wire)
            .map(|status| EventView {
                status: status.into(),
                preceding_event_id: m.preceding_event_id.clone(),
            }),
        followed_up: m.followed_up,
    })
}

/// Rows of the server's messages.
pub fn rows(messages: &[wire::MessageView]) -> Result<Vec<MessageRow>, Error> {
    messages.iter().map(row).collect()
}

/// The reading pane's view of a message from the server and its history.
pub fn view(m: wire::MessageView, history: Vec<HistoryLine>) -> Result<MessageView, Error> {
    let timeline = history
        .into_iter()
        .map(|line| {
            let after = state(&line.state)?;
            let detail = line.detail.unwrap_or_default();
            Ok(TimelineEntry {
                at: local(&line.at),
                note: HistoryNote::of(&line.kind, after, &detail),
                kind: line.kind,
                state: after.into(),
                detail,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(MessageView {
        row: row(&m)?,
        body: m.body,
        attention: m.attention,
        distribution_id: m.distribution_id,
        mailbox_address: m.mailbox_address,
        officer_account: Some(m.officer),
        next_attempt_at: m.next_attempt_at.as_deref().map(local),
        attachments: m
            .attachment_files
            .into_iter()
            .map(|a| StoredAttachmentView {
                name: a.name,
                content_type: a.content_type,
                size: a.size,
            })
            .collect(),
        timeline,
        // The thread and follow-ups are the server's to keep; it offers
        // neither to the window yet.
        thread: Vec::new(),
        follow_up: None,
        withdrawable: false,
    })
}

/// The send's outcome as the window shows it, from the message as it
/// stood after the server's first step.
pub fn outcome(m: &wire::MessageView) -> Result<SendOutcome, Error> {
    let message_id = m.message_id.clone();
    Ok(match state(&m.state)? {
        SendState::Submitted | SendState::Pending | SendState::Delivered => {
            SendOutcome::Submitted {
                message_id,
                operator: m.mailbox_operator.clone().unwrap_or_default(),
            }
        }
        SendState::Paper => SendOutcome::Paper {
            message_id,
            reason_swedish: "Mottagaren kan inte ta emot säker digital post. Avdelningens server har registrerat meddelandet som skickat på papper; skriv ut brevet och posta det.".into(),
            reason_english: "The recipient cannot receive secure digital mail. The department server recorded the message as sent on paper; print the letter and post it.".into(),
        },
        SendState::Failed => SendOutcome::Failed {
            message_id,
            reason: Reason::of(m.failure_reason.as_deref().unwrap_or_default()),
        },
        _ => match &m.retry_reason {
            Some(reason) => SendOutcome::Retrying {
                message_id,
                reason: Reason::of(reason),
                next_attempt_at: m.next_attempt_at.as_deref().map(local),
            },
            None => SendOutcome::HandedOver { message_id },
        },
    })
}

/// The change of a message the window is told about.
pub fn change(m: &wire::MessageView) -> Result<StatusChange, Error> {
    Ok(StatusChange {
        message_id: m.message_id.clone(),
        state: MessageState::from(state(&m.state)?),
        subject: m.subject.clone(),
        recipient: m.recipient.clone(),
    })
}

/// The server's answer about a recipient, as the compose form shows it.
pub fn recipient(answer: wire::RecipientAnswer) -> RecipientCheck {
    match (answer.invalid, answer.recipient) {
        (Some(reason), _) => RecipientCheck::Invalid {
            input: answer.input,
            reason,
        },
        (None, None) => RecipientCheck::Invalid {
            input: answer.input,
            reason: "no answer".into(),
        },
        (None, Some(recipient)) => RecipientCheck::Checked {
            input: answer.input,
            recipient,
            operator: answer.operator,
            swedish: answer.swedish,
            english: answer.english,
        },
    }
}

/// A purge the server did (or counted), `days` being the age asked for.
pub fn purge(answer: &wire::PurgeAnswer, days: u32) -> PurgeView {
    let cutoff = OffsetDateTime::now_utc() - time::Duration::days(i64::from(days));
    PurgeView {
        cutoff: LocalTime::of(cutoff).iso(),
        count: answer.count,
        dry_run: answer.dry_run,
    }
}

/// A purge the server recorded.
pub fn purge_record(r: &wire::PurgeRecordView) -> PurgeRecordView {
    PurgeRecordView {
        at: local(&r.at),
        cutoff: local(&r.older_than),
        count: r.count,
        ids_sha256: r.ids_sha256.clone(),
        purger: Some(r.purged_by.clone()),
        rule: Some(r.rule.clone()),
    }
}

/// The server's check of the department log's chain.
pub fn chain(check: &wire::LogCheck) -> ChainView {
    ChainView {
        intact: check.intact(),
        unanchored: false,
        // As the local check's: the entry count when intact (the window's
        // text says "… ({detail} poster kontrollerade)"), else the breaks.
        detail: if check.intact() {
            check.entries.to_string()
        } else {
            check.breaks.join("; ")
        },
        anchor_seq: None,
        anchored_at: None,
    }
}

/// A sent-log filter field as typed, if anything was (trimmed).
fn given(field: &Option<String>) -> Option<&str> {
    field.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// Whether a message from the server matches the sent-log filter's fields
/// the server does not search by (it searches by the free text).
pub fn matches(filter: &LogFilterView, m: &wire::MessageView) -> bool {
    let day = |at: &str| local(at).chars().take(10).collect::<String>();
    let case_ok = given(&filter.case_number).is_none_or(|wanted| {
        let case = m.case_number.as_deref().unwrap_or_default();
        match wanted.strip_suffix('*') {
            Some(prefix) => case.starts_with(prefix),
            None => case == wanted,
        }
    });
    let recipient_ok = given(&filter.recipient).is_none_or(|wanted| {
        let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
        digits(&m.recipient).ends_with(&digits(wanted))
    });
    let states_ok = filter.states.is_empty() || filter.states.contains(&m.state);
    let class_ok = filter
        .protection_class
        .is_none_or(|c| c == m.protection_class);
    let sender_ok = given(&filter.sender_name).is_none_or(|s| m.sender_name == s);
    let officer_ok = given(&filter.officer).is_none_or(|o| m.officer == o);
    let from_ok = given(&filter.from).is_none_or(|from| day(&m.created_at).as_str() >= from);
    let to_ok = given(&filter.to).is_none_or(|to| day(&m.created_at).as_str() <= to);
    case_ok && recipient_ok && states_ok && class_ok && sender_ok && officer_ok && from_ok && to_ok
}

/// Whether the server can export exactly what `filter` selects: it
/// exports by the free text (a substring, as its search) and the
/// diarienummer (exactly, or a prefix with `*`).
pub fn exportable(filter: &LogFilterView) -> bool {
    let blank = |f: &Option<String>| given(f).is_none();
    blank(&filter.recipient)
        && filter.states.is_empty()
        && filter.protection_class.is_none()
        && blank(&filter.from)
        && blank(&filter.to)
        && blank(&filter.sender_name)
        && blank(&filter.officer)
}

/// The server's export filter for the sent log's `filter` (see
/// [`exportable`]).
pub fn export_filter(filter: &LogFilterView) -> wire::ExportFilter {
    wire::ExportFilter {
        text: given(&filter.text).map(str::to_string),
        case: given(&filter.case_number).map(str::to_string),
    }
}

/// The text the server searches by for `filter`: the free text, else the
/// diarienummer (without a trailing `*`) or the recipient.
pub fn search_text(filter: &LogFilterView) -> Option<String> {
    let searched = |f: &Option<String>| {
        given(f)
            .map(|t| t.trim_end_matches('*').trim())
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    };
    searched(&filter.text)
        .or_else(|| searched(&filter.case_number))
        .or_else(|| searched(&filter.recipient))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(state: &str) -> wire::MessageView {
        wire::MessageView {
            message_id: "m-1".into(),
            officer: "anna@kommun.example".into(),
            officer_name: "Anna Andersson".into(),
            unit: None,
            sender_name: "Byggnadsnämnden".into(),
            recipient: "19850101-2382".into(),
            subject: "Beslut".into(),
            case_number: Some("BN 2026/17".into()),
            state: state.into(),
            state_at: "2026-12-04T10:00:00Z".into(),
            created_at: "2026-12-03T23:30:00Z".into(),
            distribution_id: None,
            mailbox_operator: Some("Kivra".into()),
            failure_reason: None,
            retry_reason: None,
            attachments: vec!["a.pdf".into()],
            protection_class: 2,
            body: "Hej".into(),
            attention: None,
            mailbox_address: None,
            next_attempt_at: None,
            event_status: None,
            preceding_event_id: None,
            attachment_files: Vec::new(),
            followed_up: false,
        }
    }

    #[test]
    fn the_servers_message_reads_as_the_windows_row_in_swedish_local_time() {
        let row = row(&message("delivered")).unwrap();
        assert_eq!(row.state, MessageState::Delivered);
        // 23:30 UTC on 3 December is 00:30 on 4 December in Sweden.
        assert!(
            row.created_at.starts_with("2026-12-04"),
            "{}",
            row.created_at
        );
        assert_eq!(row.officer.as_deref(), Some("Anna Andersson"));
        assert_eq!(row.attachment_count, 1);
        assert!(row_state_refused("lost"));
    }

    fn row_state_refused(state: &str) -> bool {
        matches!(super::row(&message(state)), Err(Error::Department { .. }))
    }

    #[test]
    fn a_send_that_the_server_has_not_started_reads_as_handed_over_not_as_sent() {
        assert!(matches!(
            outcome(&message("signed")).unwrap(),
            SendOutcome::HandedOver { .. }
        ));
        let mut retried = message("signed");
        retried.retry_reason = Some("connection refused".into());
        assert!(matches!(
            outcome(&retried).unwrap(),
            SendOutcome::Retrying { .. }
        ));
        assert!(matches!(
            outcome(&message("submitted")).unwrap(),
            SendOutcome::Submitted { .. }
        ));
        assert!(matches!(
            outcome(&message("paper")).unwrap(),
            SendOutcome::Paper { .. }
        ));
    }

    #[test]
    fn the_servers_log_check_reads_as_the_local_ones_entry_count_or_its_breaks() {
        let intact = chain(&wire::LogCheck {
            entries: 12,
            messages: 4,
            breaks: Vec::new(),
        });
        assert!(intact.intact);
        assert_eq!(intact.detail, "12");
        let broken = chain(&wire::LogCheck {
            entries: 12,
            messages: 4,
            breaks: vec!["entry 3 is missing".into(), "entry 7 seals nothing".into()],
        });
        assert!(!broken.intact);
        assert_eq!(broken.detail, "entry 3 is missing; entry 7 seals nothing");
    }

    #[test]
    fn the_sent_log_filters_apply_to_the_servers_answer() {
        let m = message("delivered");
        let filter = |f: LogFilterView| matches(&f, &m);
        assert!(filter(LogFilterView::default()));
        assert!(filter(LogFilterView {
            case_number: Some("BN 2026/*".into()),
            ..LogFilterView::default()
        }));
        assert!(!filter(LogFilterView {
            case_number: Some("BN 2026/1".into()),
            ..LogFilterView::default()
        }));
        assert!(filter(LogFilterView {
            from: Some("2026-12-04".into()),
            to: Some("2026-12-04".into()),
            ..LogFilterView::default()
        }));
        assert!(!filter(LogFilterView {
            states: vec!["failed".into()],
            ..LogFilterView::default()
        }));
        assert!(!filter(LogFilterView {
            protection_class: Some(1),
            ..LogFilterView::default()
        }));
        assert_eq!(
            search_text(&LogFilterView {
                case_number: Some("BN 2026/*".into()),
                ..LogFilterView::default()
            })
            .as_deref(),
            Some("BN 2026/")
        );
    }
}
