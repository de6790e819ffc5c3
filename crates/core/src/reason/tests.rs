//! Every reason Kuvert writes reads back as its code; history lines as the
//! local store and kuvert-server write them read back as theirs.

use super::*;
use crate::lifecycle::{after_failed_call, after_status, Call, Failure, RetryPolicy};
use kuvert_protocol::date::CalendarDate;
use kuvert_protocol::identity::RecipientId;
use kuvert_protocol::soap::{
    DeliveryStatus, DistributionStatus, DistributionType, ExceptionInformation, SoapError,
    SoapFault,
};
use kuvert_store::{AttemptFailure, NextState};
use kuvert_transport::{CallError, TimeoutPhase, TlsFailure, TransportError};
use time::macros::datetime;

fn fault(client: bool, description: &str) -> CallError {
    CallError::Soap(SoapError::Fault(SoapFault {
        code: if client { "soap:Client" } else { "soap:Server" }.into(),
        message: "nej".into(),
        detail: Some(ExceptionInformation {
            error_code: 1004,
            description: description.into(),
            call_id: "call-42".into(),
        }),
    }))
}

fn http(status: u16) -> CallError {
    CallError::Transport(TransportError::HttpStatus {
        status,
        excerpt: "Not Found".into(),
    })
}

/// The reason `after_failed_call` records for `error`, after `previous`.
fn reason_after(error: &CallError, call: Call, previous: Option<&AttemptFailure>) -> String {
    let attempts = if previous.is_some() { 1 } else { 0 };
    let now = datetime!(2026-12-02 10:00 UTC);
    match after_failed_call(
        error,
        call,
        attempts,
        previous,
        &RetryPolicy::default(),
        now,
    ) {
        Failure::Retry(f) => f.reason,
        Failure::GiveUp { reason } => reason,
    }
}

fn code_of(reason: &Reason) -> String {
    match reason {
        Reason::OutcomeUnknown { cause } => format!("outcome_unknown({})", code_of(cause)),
        Reason::Configuration { key, cause } => format!("configuration[{key}]({})", code_of(cause)),
        Reason::GaveUp { attempts, cause } => format!("gave_up[{attempts}]({})", code_of(cause)),
        other => other.code().to_string(),
    }
}

#[test]
fn every_failure_kuvert_records_reads_back_as_its_code() {
    let refused_connection = CallError::Transport(TransportError::Connect {
        address: "127.0.0.1:9".into(),
        detail: "Connection refused".into(),
    });
    let dns = CallError::Transport(TransportError::Dns {
        host: "formedlare.example".into(),
        detail: "no such host".into(),
    });
    let timeout_waiting = CallError::Transport(TransportError::Timeout {
        address: "127.0.0.1:443".into(),
        phase: TimeoutPhase::Response,
    });
    let tls = CallError::Transport(TransportError::Tls {
        address: "127.0.0.1:443".into(),
        failure: TlsFailure::ServerCertificateUntrusted,
        detail: "certificate has expired".into(),
    });
    let garbled = CallError::Soap(SoapError::NotSoap);
    let too_large = fault(true, "Meddelandet är för stort");
    let unknown = AttemptFailure {
        code: crate::lifecycle::OUTCOME_UNKNOWN.into(),
        reason: "earlier".into(),
        retryable: true,
        next_attempt_at: None,
    };
    let last_try = {
        let now = datetime!(2026-12-02 10:00 UTC);
        let policy = RetryPolicy::default();
        match after_failed_call(
            &refused_connection,
            Call::Distribution,
            policy.max_attempts - 1,
            None,
            &policy,
            now,
        ) {
            Failure::GiveUp { reason } => reason,
            other => panic!("{other:?}"),
        }
    };
    let d = Call::Distribution;
    let table: Vec<(&str, String, &str)> = vec![
        (
            "refused connection",
            reason_after(&refused_connection, d, None),
            "unreachable",
        ),
        ("no such host", reason_after(&dns, d, None), "unreachable"),
        ("TLS", reason_after(&tls, d, None), "tls"),
        (
            "time-out waiting",
            reason_after(&timeout_waiting, d, None),
            "outcome_unknown(timeout)",
        ),
        (
            "garbled answer",
            reason_after(&garbled, d, None),
            "outcome_unknown(malformed_answer)",
        ),
        (
            "server fault",
            reason_after(&fault(false, "Tillfälligt fel"), d, None),
            "outcome_unknown(answered)",
        ),
        (
            "client fault",
            reason_after(&fault(true, "Avsändaren är inte registrerad"), d, None),
            "answered",
        ),
        ("too large", reason_after(&too_large, d, None), "too_large"),
        (
            "HTTP 503",
            reason_after(&http(503), d, None),
            "outcome_unknown(http)",
        ),
        (
            "HTTP 404",
            reason_after(&http(404), d, None),
            "configuration[service.message_url](http)",
        ),
        (
            "HTTP 403 at the look-up",
            reason_after(&http(403), Call::Reachability, None),
            "configuration[service.recipient_url](http)",
        ),
        (
            "HTTP 404 after an unknown outcome",
            reason_after(&http(404), d, Some(&unknown)),
            "outcome_unknown(configuration[service.message_url](http))",
        ),
        (
            "refused after an unknown outcome",
            reason_after(&refused_connection, d, Some(&unknown)),
            "outcome_unknown(unreachable)",
        ),
        ("the last attempt", last_try, "gave_up[8](unreachable)"),
    ];
    let mut wrong = Vec::new();
    for (case, text, expected) in &table {
        let got = code_of(&Reason::of(text));
        if got != *expected {
            wrong.push(format!("{case}: {got} (expected {expected}) from {text:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_services_own_words_are_kept_as_the_answer() {
    let text = reason_after(
        &fault(true, "Meddelandet är för stort"),
        Call::Distribution,
        None,
    );
    assert_eq!(
        Reason::of(&text),
        Reason::TooLarge {
            answer: Answer {
                text: "Meddelandet är för stort".into(),
                error_code: Some("1004".into()),
                call_id: Some("call-42".into()),
            }
        }
    );
    let text = reason_after(
        &fault(true, "Avsändaren är inte registrerad"),
        Call::Distribution,
        None,
    );
    assert_eq!(
        Reason::of(&text),
        Reason::Answered {
            answer: Answer {
                text: "Avsändaren är inte registrerad".into(),
                error_code: Some("1004".into()),
                call_id: Some("call-42".into()),
            }
        }
    );
    assert_eq!(
        Reason::of("the intermediary answered: Nej"),
        Reason::Answered {
            answer: Answer {
                text: "Nej".into(),
                error_code: None,
                call_id: None
            }
        }
    );
    assert_eq!(
        Reason::of("the server answered HTTP 404: Not Found"),
        Reason::Http {
            status: 404,
            detail: "the server answered HTTP 404: Not Found".into()
        }
    );
}

#[test]
fn final_status_answers_read_back_as_their_codes() {
    let status = |distribution, delivery| DistributionStatus {
        recipient: RecipientId::parse("198501012382", CalendarDate::new(2026, 11, 23).unwrap())
            .unwrap(),
        distribution,
        delivery,
    };
    let reason = |s: DistributionStatus| match after_status(&[s], SendState::Submitted)
        .map(|step| step.next().clone())
    {
        Some(NextState::Failed { reason }) => Reason::of(&reason),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        reason(status(
            DistributionType::Digital,
            Some(DeliveryStatus::DeliveryFailed)
        )),
        Reason::NotDelivered
    );
    assert_eq!(
        reason(status(DistributionType::Not, None)),
        Reason::NotDistributed
    );
}

#[test]
fn an_unknown_text_is_shown_as_written() {
    for text in [
        "",
        "något helt annat",
        "outcome unknown, needs attention: cut short",
        "configuration error: the intermediary's address in the profile (`x",
        "x (gave up after many attempts)",
    ] {
        assert_eq!(
            Reason::of(text),
            Reason::Other {
                text: text.trim().into()
            },
            "{text:?}"
        );
    }
}

#[test]
fn history_lines_of_both_stores_read_back_as_their_codes() {
    use SendState::*;
    let cases: Vec<(&str, SendState, &str, HistoryNote)> = vec![
        ("enqueued", Queued, "queued", HistoryNote::Queued { compressed: vec![] }),
        ("enqueued", Signed, "", HistoryNote::Queued { compressed: vec![] }),
        (
            "enqueued",
            Queued,
            "queued; skanning; mars.pdf compressed from 6350000 bytes (sha256 ab) to 670000 bytes (sha256 cd); b.pdf compressed from 10 bytes (sha256 01) to 9 bytes (sha256 02)",
            HistoryNote::Queued {
                compressed: vec![
                    CompressedNote { name: "skanning; mars.pdf".into(), from_bytes: 6_350_000, to_bytes: 670_000 },
                    CompressedNote { name: "b.pdf".into(), from_bytes: 10, to_bytes: 9 },
                ],
            },
        ),
        ("state_changed", Signed, "signed delivery, 5253 bytes", HistoryNote::Signed { bytes: Some(5253) }),
        ("transition", Signed, "", HistoryNote::Signed { bytes: None }),
        (
            "state_changed",
            Submitted,
            "distribution id d-1; mailbox Kivra (https://kivra.example/)",
            HistoryNote::Submitted { distribution_id: Some("d-1".into()), operator: Some("Kivra".into()) },
        ),
        (
            "state_changed",
            Submitted,
            "distribution id d-1",
            HistoryNote::Submitted { distribution_id: Some("d-1".into()), operator: None },
        ),
        (
            "transition",
            Submitted,
            "d-2",
            HistoryNote::Submitted { distribution_id: Some("d-2".into()), operator: None },
        ),
        ("state_changed", Pending, "delivery pending", HistoryNote::Pending),
        ("state_changed", Delivered, "delivered", HistoryNote::Delivered),
        ("transition", Paper, "", HistoryNote::Paper),
        ("state_changed", Withdrawn, "withdrawn by the officer", HistoryNote::Withdrawn),
        (
            "state_changed",
            Failed,
            "the mailbox operator could not deliver the message",
            HistoryNote::Failed { reason: Reason::NotDelivered },
        ),
        (
            "attempt_failed",
            Signed,
            "attempt 2 failed (tls): secure connection to 127.0.0.1:443 failed: x (y)",
            HistoryNote::AttemptFailed {
                attempt: Some(2),
                reason: Reason::Tls { detail: "secure connection to 127.0.0.1:443 failed: x (y)".into() },
            },
        ),
        (
            "attempt_failed",
            Signed,
            "the intermediary's answer could not be understood",
            HistoryNote::AttemptFailed { attempt: None, reason: Reason::MalformedAnswer },
        ),
        ("sent_again", Failed, "m-2", HistoryNote::SentAgain { message_id: "m-2".into() }),
        ("resend_of", Queued, " m-1 ", HistoryNote::ResendOf { message_id: "m-1".into() }),
        (
            "handled_outside",
            Failed,
            "Lämnat personligen.",
            HistoryNote::HandledOutside { note: "Lämnat personligen.".into() },
        ),
        ("queued_again", Queued, "?", HistoryNote::Other { text: "?".into() }),
    ];
    for (kind, state, detail, expected) in cases {
        assert_eq!(
            HistoryNote::of(kind, state, detail),
            expected,
            "{kind} {state:?} {detail:?}"
        );
    }
}
