//! The send pipeline's decisions, as pure functions from what just happened
//! to the next persisted state. [`crate::Kuvert`] does the I/O around them:
//!
//! ```text
//! validate → sign → store (Queued → Signed, one transaction, before any network call)
//!   → check reachability ── not digital ──→ Paper (letter stored)
//!   → distributeSecure ──── fault/timeout ─→ stays Signed, retried with back-off
//!                      └─── refused ───────→ Failed (plain reason)
//!   → Submitted(distribution id) → Pending → Delivered | Failed
//! ```
//!
//! Resuming after a crash starts from the stored state: a Signed message is
//! submitted again with the same bytes (same MessageId and CorrelationId), so
//! an intermediary that already accepted it recognises it instead of
//! delivering twice.

use std::time::Duration;

use kuvert_protocol::soap::{
    DeliveryStatus, DistributionStatus, DistributionType, Reachability, ReachabilityStatus,
    SoapError,
};
use kuvert_store::{AttemptFailure, NextState, SendState};
use kuvert_transport::{CallError, TransportError};
use time::OffsetDateTime;

/// How failed attempts are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts before the item is given up as Failed.
    pub max_attempts: u32,
    /// Wait after the first failure; doubled after each further one.
    pub first_delay: Duration,
    /// The longest wait between attempts.
    pub max_delay: Duration,
    /// Wait between status checks of a submitted message.
    pub status_interval: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            first_delay: Duration::from_secs(30),
            max_delay: Duration::from_secs(60 * 60),
            status_interval: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// When to try again after `attempts` failed attempts.
    pub fn next_attempt(&self, attempts: u32, now: OffsetDateTime) -> OffsetDateTime {
        let doublings = attempts.saturating_sub(1).min(20);
        let delay = self
            .first_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay);
        now + delay
    }
}

/// Where a checked recipient's message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// To the recipient's digital mailbox at this operator.
    Digital {
        /// The mailbox operator's name.
        operator: String,
    },
    /// On paper, because of this.
    Paper {
        /// Why digital delivery is not possible.
        reachability: Reachability,
    },
}

/// The route for a recipient from the reachability answer about them.
pub fn route(status: &ReachabilityStatus) -> Route {
    match status.reachability() {
        Reachability::Digital { operator } => Route::Digital { operator },
        reachability => Route::Paper { reachability },
    }
}

/// A plain Swedish explanation of a reachability answer, for officers.
pub fn reachability_swedish(reachability: &Reachability, sender: &str) -> String {
    match reachability {
        Reachability::Digital { operator } => {
            format!("Kan ta emot digital post ({operator})")
        }
        Reachability::NotRegistered => {
            "Har ingen digital brevlåda för säker post. Skicka brevet på papper.".to_string()
        }
        Reachability::RegistrationPending => {
            "Har börjat skaffa en digital brevlåda men är inte klar. Skicka brevet på papper."
                .to_string()
        }
        Reachability::SenderNotAccepted => format!(
            "Har en digital brevlåda men tar inte emot post från {sender}. Skicka brevet på papper."
        ),
    }
}

/// A plain English explanation of a reachability answer.
pub fn reachability_english(reachability: &Reachability, sender: &str) -> String {
    match reachability {
        Reachability::Digital { operator } => format!("Can receive digital mail ({operator})"),
        Reachability::SenderNotAccepted => format!(
            "Has a digital mailbox but has not accepted mail from {sender}. Send the letter on paper."
        ),
        other => format!("{}. Send the letter on paper.", capitalised(&other.to_string())),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What to record after a failed call to the intermediary, for a message in
/// `state` that has failed `attempts` times before this one.
pub fn after_failed_call(
    error: &CallError,
    attempts: u32,
    policy: &RetryPolicy,
    now: OffsetDateTime,
) -> Failure {
    let reason = plain_reason(error);
    let code = failure_code(error).to_string();
    if refuses_the_message(error) {
        return Failure::GiveUp { reason };
    }
    let attempts = attempts + 1;
    if attempts >= policy.max_attempts {
        return Failure::GiveUp {
            reason: format!("{reason} (gave up after {attempts} attempts)"),
        };
    }
    Failure::Retry(AttemptFailure {
        code,
        reason,
        retryable: true,
        next_attempt_at: Some(policy.next_attempt(attempts, now)),
    })
}

/// The outcome of a failed call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Keep the item in the Outbox and try again.
    Retry(AttemptFailure),
    /// Retrying cannot help: move the item to Failed with this reason.
    GiveUp {
        /// Plain reason for the officer.
        reason: String,
    },
}

/// Whether the intermediary refused the message itself, so that sending the
/// same bytes again cannot succeed: a client fault, an HTTP 4xx other than
/// 408/429, or a document Kuvert did not write. Everything else (time-outs,
/// refused connections, TLS and certificate problems, 5xx, server faults,
/// garbled answers) may pass once the network, the service or the
/// configuration is fixed, so the message stays in the Outbox.
fn refuses_the_message(error: &CallError) -> bool {
    match error {
        CallError::Soap(SoapError::Fault(fault)) => fault.is_client_fault(),
        CallError::Soap(SoapError::NotCanonicalDelivery) => true,
        CallError::Transport(TransportError::HttpStatus { status, .. }) => {
            (400..500).contains(status) && !matches!(status, 408 | 429)
        }
        _ => false,
    }
}

fn failure_code(error: &CallError) -> &'static str {
    match error {
        CallError::Transport(TransportError::Timeout { .. }) => "timeout",
        CallError::Transport(TransportError::Connect { .. } | TransportError::Dns { .. }) => {
            "unreachable"
        }
        CallError::Transport(TransportError::Tls { .. }) => "tls",
        CallError::Transport(TransportError::HttpStatus { .. }) => "http",
        CallError::Transport(_) => "transport",
        CallError::Soap(SoapError::Fault(fault)) if fault.is_client_fault() => "refused",
        CallError::Soap(SoapError::Fault(_)) => "fault",
        CallError::Soap(_) => "malformed_answer",
        _ => "other",
    }
}

/// The reason as an officer can read it: for SOAP faults the service's own
/// description and the call id to quote to its support, never raw XML.
pub fn plain_reason(error: &CallError) -> String {
    match error {
        CallError::Soap(SoapError::Fault(fault)) => match &fault.detail {
            Some(info) => format!(
                "the intermediary answered: {} (error {}, call id {})",
                info.description, info.error_code, info.call_id
            ),
            None => format!("the intermediary answered: {}", fault.message),
        },
        CallError::Soap(_) => "the intermediary's answer could not be understood".to_string(),
        CallError::Transport(e) => e.to_string(),
        other => other.to_string(),
    }
}

/// The next state from a status answer, for a message now in `current`
/// (Submitted or Pending); `None` when nothing changed.
pub fn after_status(statuses: &[DistributionStatus], current: SendState) -> Option<NextState> {
    let status = statuses.first()?;
    let next = match (status.distribution, status.delivery) {
        (_, Some(DeliveryStatus::Delivered)) => NextState::Delivered,
        (_, Some(DeliveryStatus::DeliveryFailed)) => NextState::Failed {
            reason: "the mailbox operator could not deliver the message".to_string(),
        },
        (DistributionType::Not, _) => NextState::Failed {
            reason: "the intermediary did not distribute the message".to_string(),
        },
        (_, Some(DeliveryStatus::Pending) | None) => NextState::Pending,
    };
    (next.state() != current).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kuvert_protocol::date::CalendarDate;
    use kuvert_protocol::identity::RecipientId;
    use kuvert_protocol::soap::{ExceptionInformation, SoapFault};
    use time::macros::datetime;

    fn status(
        distribution: DistributionType,
        delivery: Option<DeliveryStatus>,
    ) -> DistributionStatus {
        DistributionStatus {
            recipient: RecipientId::parse("198501012382", CalendarDate::new(2026, 11, 23).unwrap())
                .unwrap(),
            distribution,
            delivery,
        }
    }

    #[test]
    fn back_off_doubles_up_to_the_cap() {
        let policy = RetryPolicy::default();
        let now = datetime!(2026-11-23 10:00 UTC);
        let waits: Vec<i64> = (1..=9)
            .map(|n| (policy.next_attempt(n, now) - now).whole_seconds())
            .collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }

    #[test]
    fn status_answers_map_to_states() {
        use DeliveryStatus::*;
        use DistributionType::*;
        let s = SendState::Submitted;
        assert_eq!(
            after_status(&[status(Digital, Some(Delivered))], s),
            Some(NextState::Delivered)
        );
        assert_eq!(
            after_status(&[status(Digital, Some(Pending))], s),
            Some(NextState::Pending)
        );
        assert_eq!(
            after_status(&[status(Digital, Some(Pending))], SendState::Pending),
            None
        );
        assert!(matches!(
            after_status(&[status(Digital, Some(DeliveryFailed))], s),
            Some(NextState::Failed { .. })
        ));
        assert!(matches!(
            after_status(&[status(Not, None)], s),
            Some(NextState::Failed { .. })
        ));
        assert_eq!(after_status(&[], s), None);
    }

    fn fault(client: bool) -> CallError {
        CallError::Soap(SoapError::Fault(SoapFault {
            code: if client { "soap:Client" } else { "soap:Server" }.into(),
            message: "nej".into(),
            detail: Some(ExceptionInformation {
                error_code: 1004,
                description: "Avsändaren är inte registrerad".into(),
                call_id: "call-42".into(),
            }),
        }))
    }

    #[test]
    fn a_client_fault_gives_up_at_once_with_the_services_words() {
        let now = datetime!(2026-11-23 10:00 UTC);
        match after_failed_call(&fault(true), 0, &RetryPolicy::default(), now) {
            Failure::GiveUp { reason } => {
                assert!(
                    reason.contains("Avsändaren är inte registrerad"),
                    "{reason}"
                );
                assert!(reason.contains("call-42"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn transport_and_certificate_problems_keep_the_message_in_the_outbox() {
        use kuvert_transport::TlsFailure;
        let now = datetime!(2026-11-23 10:00 UTC);
        let tls = CallError::Transport(TransportError::Tls {
            address: "127.0.0.1:443".into(),
            failure: TlsFailure::ServerCertificateUntrusted,
            detail: "certificate has expired".into(),
        });
        match after_failed_call(&tls, 0, &RetryPolicy::default(), now) {
            Failure::Retry(failure) => assert_eq!(failure.code, "tls"),
            other => panic!("{other:?}"),
        }
        let status = |status| {
            CallError::Transport(TransportError::HttpStatus {
                status,
                excerpt: String::new(),
            })
        };
        assert!(matches!(
            after_failed_call(&status(503), 0, &RetryPolicy::default(), now),
            Failure::Retry(_)
        ));
        assert!(matches!(
            after_failed_call(&status(429), 0, &RetryPolicy::default(), now),
            Failure::Retry(_)
        ));
        assert!(matches!(
            after_failed_call(&status(403), 0, &RetryPolicy::default(), now),
            Failure::GiveUp { .. }
        ));
    }

    #[test]
    fn a_server_fault_is_retried_until_the_limit() {
        let now = datetime!(2026-11-23 10:00 UTC);
        let policy = RetryPolicy::default();
        match after_failed_call(&fault(false), 0, &policy, now) {
            Failure::Retry(failure) => {
                assert_eq!(failure.code, "fault");
                assert_eq!(failure.next_attempt_at, Some(now + Duration::from_secs(30)));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            after_failed_call(&fault(false), policy.max_attempts - 1, &policy, now),
            Failure::GiveUp { .. }
        ));
    }
}
