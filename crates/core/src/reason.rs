//! What a person reads about a message's progress, as codes their language
//! renders: why a message failed or waits ([`Reason`]) and what each line of
//! its status history says ([`HistoryNote`]).
//!
//! The sent log keeps those texts as Kuvert wrote them, in English, sealed
//! in its hash chain; they stay the record (and what the CLI prints). This
//! module reads them back into codes with their parameters, so the app can
//! say them in Swedish and `--json` can carry the code. The texts it reads
//! are written in [`lifecycle`](crate::lifecycle) and the store; the tests
//! below run every writer through the reader, so a changed text that the
//! reader no longer knows fails them. A text it does not know (from a
//! future version, say) is [`Reason::Other`], shown as written.

use kuvert_store::SendState;
use serde::Serialize;

/// Why a message failed, or why its last attempt did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    /// The mailbox operator could not deliver the message (final).
    NotDelivered,
    /// The intermediary did not distribute the message (final).
    NotDistributed,
    /// The intermediary refused the message as too large (final).
    TooLarge {
        /// The intermediary's own words.
        answer: Answer,
    },
    /// The intermediary answered with a fault; final when it refused the
    /// message itself.
    Answered {
        /// Its own words.
        answer: Answer,
    },
    /// The intermediary's answer could not be understood.
    MalformedAnswer,
    /// The intermediary may already hold the message: needs attention,
    /// resolved by a status check or a resubmission with the same ids.
    OutcomeUnknown {
        /// What the last attempt ran into.
        cause: Box<Reason>,
    },
    /// The profile's address for a call answered 401/403/404: IT must
    /// correct the profile or the organisation's access.
    Configuration {
        /// The profile key naming the address.
        key: String,
        /// What it answered.
        cause: Box<Reason>,
    },
    /// Kuvert stopped retrying a message that was never sent.
    GaveUp {
        /// How many attempts were made.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        attempts: u32,
        /// What the last one ran into.
        cause: Box<Reason>,
    },
    /// The intermediary could not be reached (name look-up or connection).
    Unreachable {
        /// The network's words, for IT.
        detail: String,
    },
    /// The intermediary did not answer in time.
    Timeout {
        /// The network's words, for IT.
        detail: String,
    },
    /// The secure connection (TLS) failed.
    Tls {
        /// The network's words, for IT.
        detail: String,
    },
    /// The intermediary's server answered with an HTTP error.
    Http {
        /// The status code.
        status: u16,
        /// The network's words, for IT.
        detail: String,
    },
    /// A text this version does not know, shown as written.
    Other {
        /// The text.
        text: String,
    },
}

/// What the intermediary said in a fault: its own words (often Swedish),
/// and the error code and call id to quote to its support.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Answer {
    /// The description or fault message.
    pub text: String,
    /// The intermediary's error code, where it gave one.
    pub error_code: Option<String>,
    /// The call id, where it gave one.
    pub call_id: Option<String>,
}

impl Answer {
    /// "DESCRIPTION (error CODE, call id ID)" or a bare message.
    fn of(text: &str) -> Answer {
        let coded = text.rfind(" (error ").and_then(|at| {
            let (code, call) = text[at + 8..].strip_suffix(')')?.split_once(", call id ")?;
            Some(Answer {
                text: text[..at].to_string(),
                error_code: Some(code.to_string()),
                call_id: Some(call.to_string()),
            })
        });
        coded.unwrap_or_else(|| Answer {
            text: text.to_string(),
            error_code: None,
            call_id: None,
        })
    }
}

const TOO_LARGE: &str = "the intermediary refused the message as too large";
const TOO_LARGE_ANSWER: &str = "(the intermediary answered: ";
const ANSWERED: &str = "the intermediary answered: ";
const MALFORMED: &str = "the intermediary's answer could not be understood";
const NOT_DELIVERED: &str = "the mailbox operator could not deliver the message";
const NOT_DISTRIBUTED: &str = "the intermediary did not distribute the message";
const UNKNOWN: &str = "outcome unknown, needs attention:";
const UNKNOWN_CAUSE: &str = "with the same ids (";
const CONFIGURATION: &str = "configuration error: the intermediary's address in the profile (`";
const CONFIGURATION_CAUSE: &str = "`) answered ";
const CONFIGURATION_END: &str = ". The address or the organisation's access is wrong";
const GAVE_UP: &str = " (gave up after ";

impl Reason {
    /// Reads a reason as Kuvert wrote it.
    pub fn of(text: &str) -> Reason {
        let text = text.trim();
        let other = || Reason::Other {
            text: text.to_string(),
        };
        if text == NOT_DELIVERED {
            return Reason::NotDelivered;
        }
        if text == NOT_DISTRIBUTED {
            return Reason::NotDistributed;
        }
        if text == MALFORMED {
            return Reason::MalformedAnswer;
        }
        if text.starts_with(TOO_LARGE) {
            let answer = text
                .find(TOO_LARGE_ANSWER)
                .map(|at| &text[at + TOO_LARGE_ANSWER.len()..])
                .and_then(|rest| rest.strip_suffix(')'))
                .unwrap_or_default();
            return Reason::TooLarge {
                answer: Answer::of(answer),
            };
        }
        if text.starts_with(UNKNOWN) {
            return match text
                .find(UNKNOWN_CAUSE)
                .map(|at| &text[at + UNKNOWN_CAUSE.len()..])
                .and_then(|rest| rest.strip_suffix(')'))
            {
                Some(cause) => Reason::OutcomeUnknown {
                    cause: Box::new(Reason::of(cause)),
                },
                None => other(),
            };
        }
        if let Some(rest) = text.strip_prefix(CONFIGURATION) {
            let parts = rest
                .split_once(CONFIGURATION_CAUSE)
                .and_then(|(key, rest)| {
                    rest.find(CONFIGURATION_END).map(|end| (key, &rest[..end]))
                });
            return match parts {
                Some((key, cause)) => Reason::Configuration {
                    key: key.to_string(),
                    cause: Box::new(Reason::of(cause)),
                },
                None => other(),
            };
        }
        if let Some(at) = text.rfind(GAVE_UP) {
            let attempts = text[at + GAVE_UP.len()..]
                .strip_suffix(" attempts)")
                .and_then(|n| n.parse().ok());
            if let Some(attempts) = attempts {
                return Reason::GaveUp {
                    attempts,
                    cause: Box::new(Reason::of(&text[..at])),
                };
            }
        }
        if let Some(answer) = text.strip_prefix(ANSWERED) {
            return Reason::Answered {
                answer: Answer::of(answer),
            };
        }
        let detail = text.to_string();
        if text.starts_with("could not look up ") || text.starts_with("could not connect to ") {
            return Reason::Unreachable { detail };
        }
        if text.contains(" did not answer in time (") {
            return Reason::Timeout { detail };
        }
        if text.starts_with("secure connection to ") {
            return Reason::Tls { detail };
        }
        if let Some(rest) = text.strip_prefix("the server answered HTTP ") {
            if let Some(status) = rest.get(..3).and_then(|s| s.parse().ok()) {
                return Reason::Http { status, detail };
            }
        }
        other()
    }

    /// The reason's code, as `--json` and the app name it.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::NotDelivered => "not_delivered",
            Reason::NotDistributed => "not_distributed",
            Reason::TooLarge { .. } => "too_large",
            Reason::Answered { .. } => "answered",
            Reason::MalformedAnswer => "malformed_answer",
            Reason::OutcomeUnknown { .. } => "outcome_unknown",
            Reason::Configuration { .. } => "configuration",
            Reason::GaveUp { .. } => "gave_up",
            Reason::Unreachable { .. } => "unreachable",
            Reason::Timeout { .. } => "timeout",
            Reason::Tls { .. } => "tls",
            Reason::Http { .. } => "http",
            Reason::Other { .. } => "other",
        }
    }
}

/// An attachment the officer had compressed to fit the envelope, as its
/// Enqueued history line records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CompressedNote {
    /// The attachment's name.
    pub name: String,
    /// The original's size in bytes.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub from_bytes: u64,
    /// The compressed size in bytes (what was sent).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub to_bytes: u64,
}

/// What one line of a message's status history says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum HistoryNote {
    /// Stored in the Outbox.
    Queued {
        /// Attachments compressed to fit the envelope.
        compressed: Vec<CompressedNote>,
    },
    /// Signed with the organisation's certificate.
    Signed {
        /// The signed delivery's size, where recorded.
        #[cfg_attr(feature = "ts", ts(type = "number | null"))]
        bytes: Option<u64>,
    },
    /// Handed to the intermediary.
    Submitted {
        /// The intermediary's distribution id, where recorded.
        distribution_id: Option<String>,
        /// The recipient's mailbox operator, where recorded.
        operator: Option<String>,
    },
    /// Direct mode (own förmedling): sealed by the organisation and handed
    /// to the recipient's mailbox operator, which took it.
    HandedToOperator {
        /// The operator's transaction id from its answer.
        transaction_id: String,
        /// The mailbox operator.
        operator: String,
        /// The operator's address the delivery went to.
        address: String,
        /// The seal's date (`YYYY-MM-DD`).
        sealed_on: String,
    },
    /// The mailbox operator has not yet confirmed delivery.
    Pending,
    /// Delivered to the recipient's digital mailbox.
    Delivered,
    /// Sent on paper.
    Paper,
    /// Withdrawn by the officer before it was handed to the intermediary.
    Withdrawn,
    /// Failed for good.
    Failed {
        /// Why.
        reason: Reason,
    },
    /// An attempt failed; the message stayed where it was.
    AttemptFailed {
        /// Which attempt, where recorded.
        #[cfg_attr(feature = "ts", ts(type = "number | null"))]
        attempt: Option<u32>,
        /// Why.
        reason: Reason,
    },
    /// The officer sent this failed message again as a new message.
    SentAgain {
        /// The new message's id.
        message_id: String,
    },
    /// This message was sent in place of a failed one.
    ResendOf {
        /// The failed message's id.
        message_id: String,
    },
    /// The officer handled this failed message outside Kuvert.
    HandledOutside {
        /// The officer's note, as written.
        note: String,
    },
    /// Moved from an officer's local log into the department's.
    Imported {
        /// The line as written.
        text: String,
    },
    /// A line this version does not know, shown as written.
    Other {
        /// The line.
        text: String,
    },
}

impl HistoryNote {
    /// Reads a history line: its kind (`enqueued`, `state_changed` or
    /// `transition`, `attempt_failed`, `sent_again`, `resend_of`,
    /// `handled_outside`, `imported`), the state after it and
    /// its detail, as the local store and kuvert-server write them.
    pub fn of(kind: &str, state: SendState, detail: &str) -> HistoryNote {
        let detail = detail.trim();
        match (kind, state) {
            ("enqueued", _) => queued(detail),
            ("attempt_failed", _) => attempt_failed(detail),
            ("sent_again", _) => HistoryNote::SentAgain {
                message_id: detail.to_string(),
            },
            ("resend_of", _) => HistoryNote::ResendOf {
                message_id: detail.to_string(),
            },
            ("handled_outside", _) => HistoryNote::HandledOutside {
                note: detail.to_string(),
            },
            ("imported", _) => HistoryNote::Imported {
                text: detail.to_string(),
            },
            ("state_changed" | "transition", state) => state_entered(state, detail),
            _ => HistoryNote::Other {
                text: detail.to_string(),
            },
        }
    }
}

/// The line of a move into `state`.
fn state_entered(state: SendState, detail: &str) -> HistoryNote {
    match state {
        SendState::Signed => HistoryNote::Signed {
            bytes: detail
                .strip_prefix("signed delivery, ")
                .and_then(|rest| rest.strip_suffix(" bytes"))
                .and_then(|n| n.parse().ok()),
        },
        SendState::Submitted => submitted(detail),
        SendState::Pending => HistoryNote::Pending,
        SendState::Delivered => HistoryNote::Delivered,
        SendState::Paper => HistoryNote::Paper,
        SendState::Failed => HistoryNote::Failed {
            reason: Reason::of(detail),
        },
        SendState::Withdrawn => HistoryNote::Withdrawn,
        SendState::Queued => HistoryNote::Other {
            text: detail.to_string(),
        },
    }
}

/// "queued", then "; NAME compressed from A bytes (sha256 X) to B bytes
/// (sha256 Y)" for each compressed attachment.
fn queued(detail: &str) -> HistoryNote {
    let Some(rest) = detail.strip_prefix("queued") else {
        // kuvert-server's enqueued line has no detail.
        return HistoryNote::Queued { compressed: vec![] };
    };
    let mut compressed = Vec::new();
    let mut rest = rest;
    while let Some(part) = rest.strip_prefix("; ") {
        // A name may hold "; ", so each entry ends at its own "(sha256 …)".
        let Some(one) = compressed_entry(part) else {
            return HistoryNote::Other {
                text: detail.to_string(),
            };
        };
        compressed.push(one.0);
        rest = one.1;
    }
    if !rest.is_empty() {
        return HistoryNote::Other {
            text: detail.to_string(),
        };
    }
    HistoryNote::Queued { compressed }
}

fn compressed_entry(text: &str) -> Option<(CompressedNote, &str)> {
    let (name, rest) = text.split_once(" compressed from ")?;
    let (from, rest) = rest.split_once(" bytes (sha256 ")?;
    let (_, rest) = rest.split_once(") to ")?;
    let (to, rest) = rest.split_once(" bytes (sha256 ")?;
    let end = rest.find(')')?;
    Some((
        CompressedNote {
            name: name.to_string(),
            from_bytes: from.parse().ok()?,
            to_bytes: to.parse().ok()?,
        },
        &rest[end + 1..],
    ))
}

/// "distribution id X; mailbox OPERATOR (ADDRESS)", "distribution id X",
/// (kuvert-server) the bare id, or in direct mode "operator transaction id
/// X; mailbox OPERATOR (ADDRESS); sealed on DATE".
fn submitted(detail: &str) -> HistoryNote {
    if let Some(note) = handed_to_operator(detail) {
        return note;
    }
    let (id, mailbox) = match detail.strip_prefix("distribution id ") {
        Some(rest) => match rest.split_once("; mailbox ") {
            Some((id, mailbox)) => (id, Some(mailbox)),
            None => (rest, None),
        },
        None => (detail, None),
    };
    let operator = mailbox.map(|m| match m.rfind(" (") {
        Some(at) => m[..at].to_string(),
        None => m.to_string(),
    });
    HistoryNote::Submitted {
        distribution_id: (!id.is_empty()).then(|| id.to_string()),
        operator,
    }
}

/// "operator transaction id X; mailbox OPERATOR (ADDRESS); sealed on DATE".
fn handed_to_operator(detail: &str) -> Option<HistoryNote> {
    let rest = detail.strip_prefix(kuvert_store::messages::OPERATOR_TRANSACTION)?;
    let (transaction_id, rest) = rest.split_once("; mailbox ")?;
    let (mailbox, sealed_on) = rest.rsplit_once("; sealed on ")?;
    let (operator, address) = mailbox.strip_suffix(')')?.rsplit_once(" (")?;
    Some(HistoryNote::HandedToOperator {
        transaction_id: transaction_id.to_string(),
        operator: operator.to_string(),
        address: address.to_string(),
        sealed_on: sealed_on.to_string(),
    })
}

/// "attempt N failed (code): reason" (the local store) or the bare reason
/// (kuvert-server).
fn attempt_failed(detail: &str) -> HistoryNote {
    let numbered = detail.strip_prefix("attempt ").and_then(|rest| {
        let (n, rest) = rest.split_once(" failed (")?;
        let (_, reason) = rest.split_once("): ")?;
        Some((n.parse().ok()?, reason))
    });
    match numbered {
        Some((attempt, reason)) => HistoryNote::AttemptFailed {
            attempt: Some(attempt),
            reason: Reason::of(reason),
        },
        None => HistoryNote::AttemptFailed {
            attempt: None,
            reason: Reason::of(detail),
        },
    }
}

#[cfg(test)]
mod tests;
