//! The send lifecycle: the states a message passes through, which moves
//! between them exist, and the pure functions that decide the next move from
//! what just happened. This module is the one place that knows the state
//! machine; [`crate::Kuvert`] does the I/O around it, and the store only
//! persists the [`Step`]s made here, with a compare-and-set on the state the
//! step starts from (so two processes can never both make a move).
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
//!
//! ```
//! use kuvert_core::lifecycle::{self, Mailbox, SendState};
//!
//! let signed = lifecycle::signed(b"<SignedDelivery/>".to_vec());
//! assert_eq!((signed.from(), signed.to()), (SendState::Queued, SendState::Signed));
//! // Submitting an unsigned message is not a move of the state machine.
//! let kivra = Mailbox { operator: "Kivra".into(), service_address: "https://kivra.example/".into() };
//! assert!(lifecycle::submitted(SendState::Queued, "d-1".into(), kivra).is_err());
//! assert!(lifecycle::allows(SendState::Failed, SendState::Paper));
//! ```

use std::time::Duration;

use kuvert_protocol::soap::{
    DeliveryStatus, DistributionStatus, DistributionType, Reachability, ReachabilityStatus,
    SoapError,
};
use kuvert_transport::{CallError, TransportError};
use time::OffsetDateTime;

/// The states and the data a move records, as the store persists them.
pub use kuvert_store::{AttemptFailure, Mailbox, NextState, PaperLetter, SendState};

/// The state in Swedish, as the officer, the registrar and the archive
/// read it (the PDF report, the filing package).
pub fn swedish(state: SendState) -> &'static str {
    match state {
        SendState::Queued => "köad",
        SendState::Signed => "signerad",
        SendState::Submitted => "inlämnad till förmedlaren",
        SendState::Pending => "väntar på leverans",
        SendState::Delivered => "levererad till mottagarens brevlåda",
        SendState::Failed => "misslyckad",
        SendState::Paper => "skickad på papper",
        SendState::Withdrawn => "återkallad av handläggaren",
    }
}

/// The state as a table's cell names it, in Swedish (the PDF report), in
/// the app's words: `Levererad`, `Skickad på papper`, …
pub fn swedish_label(state: SendState) -> &'static str {
    match state {
        SendState::Queued => "Köad",
        SendState::Signed => "Signerad, väntar",
        SendState::Submitted => "Skickad",
        SendState::Pending => "Under leverans",
        SendState::Delivered => "Levererad",
        SendState::Failed => "Misslyckad",
        SendState::Paper => "Skickad på papper",
        SendState::Withdrawn => "Återkallad",
    }
}

/// Whether the state machine has a move `from → to`.
pub fn allows(from: SendState, to: SendState) -> bool {
    use SendState::*;
    matches!(
        (from, to),
        (Queued, Signed | Paper | Failed | Withdrawn)
            | (Signed, Submitted | Paper | Failed | Withdrawn)
            | (Submitted, Pending | Delivered | Failed)
            | (Pending, Delivered | Failed)
            | (Failed, Paper)
    )
}

/// A move of the state machine: from the state the message is in to the
/// next, with what the next state records. Only this module's functions
/// make one, and each makes only moves that [`allows`] admits; the store
/// persists it with a compare-and-set on [`Step::from`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    from: SendState,
    next: NextState,
}

impl Step {
    fn new(from: SendState, next: NextState) -> Result<Step, NotAMove> {
        let to = next.state();
        if allows(from, to) {
            Ok(Step { from, next })
        } else {
            Err(NotAMove { from, to })
        }
    }

    /// The state the message must still be in for the move to happen.
    pub fn from(&self) -> SendState {
        self.from
    }

    /// The state it moves to.
    pub fn to(&self) -> SendState {
        self.next.state()
    }

    /// The next state with the data it records.
    pub fn next(&self) -> &NextState {
        &self.next
    }
}

/// A move the state machine does not have (a bug in the caller, or a
/// message that changed state meanwhile).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a message cannot go from {from} to {to}")]
pub struct NotAMove {
    /// The state it is in.
    pub from: SendState,
    /// The state asked for.
    pub to: SendState,
}

/// Queued → Signed: the signed delivery, exactly as it will be submitted
/// (and resubmitted on retry: the same bytes, the same ids).
pub fn signed(signed_xml: Vec<u8>) -> Step {
    Step {
        from: SendState::Queued,
        next: NextState::Signed { signed_xml },
    }
}

/// The intermediary accepted the delivery and gave it `distribution_id`.
pub fn submitted(
    from: SendState,
    distribution_id: String,
    mailbox: Mailbox,
) -> Result<Step, NotAMove> {
    Step::new(
        from,
        NextState::Submitted {
            distribution_id,
            mailbox,
        },
    )
}

/// Direct mode: Kuvert sealed the delivery on `sealed_on` and the
/// recipient's mailbox operator (`mailbox`) took it, answering with
/// `transaction_id`: Signed → Submitted.
pub fn handed_to_operator(
    from: SendState,
    transaction_id: String,
    mailbox: Mailbox,
    sealed_on: kuvert_protocol::date::CalendarDate,
) -> Result<Step, NotAMove> {
    Step::new(
        from,
        NextState::HandedToOperator {
            transaction_id,
            mailbox,
            sealed_on: sealed_on.to_string(),
        },
    )
}

/// Direct mode: the mailbox operator took the delivery (its answer was
/// recorded as Submitted, with its transaction id): Submitted → Delivered,
/// with no status to wait for.
pub fn delivered_directly() -> Step {
    Step {
        from: SendState::Submitted,
        next: NextState::Delivered,
    }
}

/// The recipient cannot receive digital mail: recorded as sent on paper
/// with the letter.
pub fn on_paper(from: SendState, letter: PaperLetter) -> Result<Step, NotAMove> {
    Step::new(from, NextState::Paper { letter })
}

/// Given up, or the mailbox operator could not deliver: Failed with a plain
/// reason for the officer.
pub fn failed(from: SendState, reason: String) -> Result<Step, NotAMove> {
    Step::new(from, NextState::Failed { reason })
}

/// The officer takes the message back before it was handed to the
/// intermediary (the store refuses it once the hand-over has begun).
pub fn withdrawn(from: SendState) -> Result<Step, NotAMove> {
    Step::new(from, NextState::Withdrawn)
}

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
    /// To the recipient's digital mailbox.
    Digital {
        /// The mailbox: its operator and service address, as FaR gave them.
        mailbox: Mailbox,
    },
    /// On paper, because of this.
    Paper {
        /// Why digital delivery is not possible.
        reachability: Reachability,
    },
}

/// The route for a recipient from the reachability answer about them.
pub fn route(status: &ReachabilityStatus) -> Route {
    match (status.reachability(), &status.supplier) {
        (Reachability::Digital { operator }, Some(supplier)) => Route::Digital {
            mailbox: Mailbox {
                operator,
                service_address: supplier.service_address.clone(),
            },
        },
        // Digital reachability always names its supplier; without one
        // there is no mailbox to deliver to.
        (Reachability::Digital { .. }, None) => Route::Paper {
            reachability: Reachability::NotRegistered,
        },
        (reachability, _) => Route::Paper { reachability },
    }
}

/// Which call to the intermediary failed: it decides whether the delivery
/// can have reached it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// The reachability look-up before the delivery (`service.recipient_url`):
    /// the delivery was not sent in this attempt.
    Reachability,
    /// `distributeSecure` itself (`service.message_url`): once its request
    /// bytes left, the intermediary may hold the delivery whatever came back.
    Distribution,
}

impl Call {
    /// The profile key naming the endpoint the call went to.
    pub fn profile_key(self) -> &'static str {
        match self {
            Call::Reachability => "service.recipient_url",
            Call::Distribution => "service.message_url",
        }
    }
}

/// What a failed call says about whether the intermediary has the delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reception {
    /// It definitely does not: nothing was sent (refused connection, DNS,
    /// TLS handshake, a time-out before the request, or the look-up failed).
    NotReceived,
    /// It may: the request was sent and the answer is not a definite
    /// refusal (garbled, 5xx, 4xx after acceptance, a time-out waiting).
    /// The outcome is unknown; only a status check or an idempotent
    /// resubmission with the same ids resolves it, never a new send.
    OutcomeUnknown,
    /// The intermediary refused the message itself (a client fault, too
    /// large): final.
    Refused,
    /// The endpoint answered 401/403/404: the profile's URL or the
    /// organisation's access is wrong. IT must fix it; nothing about the
    /// message is decided.
    Misconfigured,
}

/// The code an attempt failure carries while the outcome is unknown; it
/// sticks until the message leaves the Outbox, so a later "not received"
/// answer never lets an earlier possibly-received attempt end as Failed.
pub const OUTCOME_UNKNOWN: &str = "outcome_unknown";

/// The code of an attempt failure caused by a misconfigured endpoint.
pub const CONFIGURATION: &str = "configuration";

/// What `error` from `call` says about whether the intermediary has the delivery.
pub fn reception(error: &CallError, call: Call) -> Reception {
    use kuvert_transport::TimeoutPhase;
    if matches!(
        error,
        CallError::Transport(TransportError::HttpStatus {
            status: 401 | 403 | 404,
            ..
        })
    ) {
        return Reception::Misconfigured;
    }
    if refuses_the_message(error) {
        return Reception::Refused;
    }
    if call == Call::Reachability {
        return Reception::NotReceived;
    }
    match error {
        CallError::Transport(
            TransportError::Connect { .. }
            | TransportError::Dns { .. }
            | TransportError::Tls { .. }
            | TransportError::Timeout {
                phase: TimeoutPhase::Connect | TimeoutPhase::TlsHandshake,
                ..
            },
        ) => Reception::NotReceived,
        _ => Reception::OutcomeUnknown,
    }
}

/// What to record after a failed `call` to the intermediary, for a message
/// that has failed `attempts` times before this one, the last time with
/// `previous` (its `last_failure`).
///
/// Only a definite refusal ends in Failed, and a message that was never
/// sent gives up after [`RetryPolicy::max_attempts`]. A message the
/// intermediary may hold never does: it stays in the Outbox as "Outcome
/// unknown — needs attention" ([`OUTCOME_UNKNOWN`]) and is resubmitted with
/// the same ids, which the intermediary recognises.
pub fn after_failed_call(
    error: &CallError,
    call: Call,
    attempts: u32,
    previous: Option<&AttemptFailure>,
    policy: &RetryPolicy,
    now: OffsetDateTime,
) -> Failure {
    let mut reason = plain_reason(error);
    let was_unknown = previous.is_some_and(|p| p.code == OUTCOME_UNKNOWN);
    let attempts = attempts + 1;
    let next_attempt_at = Some(policy.next_attempt(attempts, now));
    let code = match reception(error, call) {
        Reception::Refused => return Failure::GiveUp { reason },
        Reception::Misconfigured => {
            reason = format!(
                "configuration error: the intermediary's address in the profile \
                 (`{key}`) answered {reason}. The address or the organisation's access is \
                 wrong; tell IT. The message stays in the Outbox and has not been sent",
                key = call.profile_key()
            );
            if was_unknown {
                OUTCOME_UNKNOWN.to_string()
            } else {
                CONFIGURATION.to_string()
            }
        }
        Reception::NotReceived if !was_unknown => {
            if attempts >= policy.max_attempts {
                return Failure::GiveUp {
                    reason: format!("{reason} (gave up after {attempts} attempts)"),
                };
            }
            failure_code(error).to_string()
        }
        Reception::NotReceived | Reception::OutcomeUnknown => OUTCOME_UNKNOWN.to_string(),
    };
    if code == OUTCOME_UNKNOWN {
        reason = format!(
            "outcome unknown, needs attention: the intermediary may already have the \
             message, so do not send it again or on paper; Kuvert checks by resubmitting \
             it with the same ids ({reason})"
        );
    }
    Failure::Retry(AttemptFailure {
        code,
        reason,
        retryable: true,
        next_attempt_at,
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
/// same bytes again cannot succeed: a client fault, a too-large answer, or
/// a document Kuvert did not write. Any other 4xx after the request was
/// sent may come after the intermediary accepted the delivery, so it is not
/// a refusal.
fn refuses_the_message(error: &CallError) -> bool {
    if is_too_large(error) {
        return true;
    }
    match error {
        CallError::Soap(SoapError::Fault(fault)) => fault.is_client_fault(),
        CallError::Soap(SoapError::NotCanonicalDelivery) => true,
        _ => false,
    }
}

/// Whether the answer says the message is too large: HTTP 413, or a fault
/// whose text says "too large" (in English or Swedish, as the test
/// environment's intermediary and production front ends word it).
/// Sending the same bytes again cannot help.
pub fn is_too_large(error: &CallError) -> bool {
    match error {
        CallError::Transport(TransportError::HttpStatus { status: 413, .. }) => true,
        CallError::Soap(SoapError::Fault(fault)) => {
            let says = |text: &str| {
                let text = text.to_lowercase();
                text.contains("too large") || text.contains("för stor")
            };
            says(&fault.message) || fault.detail.as_ref().is_some_and(|d| says(&d.description))
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
    if is_too_large(error) {
        let answered = match error {
            CallError::Soap(SoapError::Fault(fault)) => match &fault.detail {
                Some(info) => format!(
                    "{} (error {}, call id {})",
                    info.description, info.error_code, info.call_id
                ),
                None => fault.message.clone(),
            },
            other => other.to_string(),
        };
        return format!(
            "the intermediary refused the message as too large; sending it again cannot help. \
             Compress the PDF or send the message on paper (the intermediary answered: {answered})"
        );
    }
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

/// The move a status answer calls for, for a message now in `current`
/// (Submitted or Pending); `None` when nothing changed.
pub fn after_status(statuses: &[DistributionStatus], current: SendState) -> Option<Step> {
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
    if next.state() == current {
        return None;
    }
    Step::new(current, next).ok()
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
    fn the_state_machine_has_exactly_these_moves() {
        use SendState::*;
        let moves: Vec<(SendState, SendState)> = SendState::ALL
            .into_iter()
            .flat_map(|from| SendState::ALL.into_iter().map(move |to| (from, to)))
            .filter(|&(from, to)| allows(from, to))
            .collect();
        assert_eq!(
            moves,
            [
                (Queued, Signed),
                (Queued, Failed),
                (Queued, Paper),
                (Queued, Withdrawn),
                (Signed, Submitted),
                (Signed, Failed),
                (Signed, Paper),
                (Signed, Withdrawn),
                (Submitted, Pending),
                (Submitted, Delivered),
                (Submitted, Failed),
                (Pending, Delivered),
                (Pending, Failed),
                (Failed, Paper),
            ]
        );
        // Nothing leaves Delivered, Paper or Withdrawn; nothing goes back.
        for state in SendState::ALL {
            assert!(!allows(Delivered, state) && !allows(Paper, state));
            assert!(!allows(Withdrawn, state));
            assert!(!allows(state, Queued));
        }
    }

    fn kivra() -> Mailbox {
        Mailbox {
            operator: "Kivra".into(),
            service_address: "https://kivra.example/".into(),
        }
    }

    #[test]
    fn steps_are_made_only_along_the_moves() {
        assert_eq!(
            submitted(SendState::Queued, "d".into(), kivra()).unwrap_err(),
            NotAMove {
                from: SendState::Queued,
                to: SendState::Submitted
            }
        );
        assert!(failed(SendState::Delivered, "no".into()).is_err());
        assert!(on_paper(SendState::Paper, PaperLetter::Sha256Hex("00".into())).is_err());
        let step = submitted(SendState::Signed, "d-1".into(), kivra()).unwrap();
        assert_eq!(
            (step.from(), step.to()),
            (SendState::Signed, SendState::Submitted)
        );
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
        let to = |step: Option<Step>| step.map(|s| s.next().clone());
        assert_eq!(
            to(after_status(&[status(Digital, Some(Delivered))], s)),
            Some(NextState::Delivered)
        );
        assert_eq!(
            to(after_status(&[status(Digital, Some(Pending))], s)),
            Some(NextState::Pending)
        );
        assert_eq!(
            after_status(&[status(Digital, Some(Pending))], SendState::Pending),
            None
        );
        assert!(matches!(
            to(after_status(&[status(Digital, Some(DeliveryFailed))], s)),
            Some(NextState::Failed { .. })
        ));
        assert!(matches!(
            to(after_status(&[status(Not, None)], s)),
            Some(NextState::Failed { .. })
        ));
        // A delivered message is never reported failed by a later answer.
        assert_eq!(
            after_status(
                &[status(Digital, Some(DeliveryFailed))],
                SendState::Delivered
            ),
            None
        );
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
        match after_failed_call(
            &fault(true),
            Call::Distribution,
            0,
            None,
            &RetryPolicy::default(),
            now,
        ) {
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
        match after_failed_call(
            &tls,
            Call::Distribution,
            0,
            None,
            &RetryPolicy::default(),
            now,
        ) {
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
            after_failed_call(
                &status(503),
                Call::Distribution,
                0,
                None,
                &RetryPolicy::default(),
                now
            ),
            Failure::Retry(_)
        ));
        assert!(matches!(
            after_failed_call(
                &status(429),
                Call::Distribution,
                0,
                None,
                &RetryPolicy::default(),
                now
            ),
            Failure::Retry(_)
        ));
        match after_failed_call(
            &status(403),
            Call::Distribution,
            0,
            None,
            &RetryPolicy::default(),
            now,
        ) {
            Failure::Retry(failure) => {
                assert_eq!(failure.code, CONFIGURATION);
                assert!(
                    failure.reason.contains("service.message_url"),
                    "{}",
                    failure.reason
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_server_fault_is_retried_and_never_given_up() {
        let now = datetime!(2026-11-23 10:00 UTC);
        let policy = RetryPolicy::default();
        match after_failed_call(&fault(false), Call::Distribution, 0, None, &policy, now) {
            Failure::Retry(failure) => {
                assert_eq!(failure.code, OUTCOME_UNKNOWN);
                assert_eq!(failure.next_attempt_at, Some(now + Duration::from_secs(30)));
            }
            other => panic!("{other:?}"),
        }
        // A server fault answers a request that was sent: the intermediary
        // may hold the delivery, so the message never ends as Failed.
        match after_failed_call(
            &fault(false),
            Call::Distribution,
            policy.max_attempts - 1,
            None,
            &policy,
            now,
        ) {
            Failure::Retry(failure) => assert_eq!(failure.code, OUTCOME_UNKNOWN),
            other => panic!("{other:?}"),
        }
    }

    fn http(status: u16) -> CallError {
        CallError::Transport(TransportError::HttpStatus {
            status,
            excerpt: String::new(),
        })
    }

    /// SKL 2015, "Nothing lost, nothing twice": a failure after which the
    /// intermediary may hold the delivery never ends in Failed, not even
    /// after the last attempt; only a definite refusal does.
    #[test]
    fn krav_leverans_en_levererad_forsandelse_redovisas_aldrig_som_misslyckad() {
        use kuvert_transport::TimeoutPhase;
        let now = datetime!(2026-11-23 10:00 UTC);
        let policy = RetryPolicy::default();
        let last = policy.max_attempts - 1;
        let timeout = |phase| {
            CallError::Transport(TransportError::Timeout {
                address: "127.0.0.1:8443".into(),
                phase,
            })
        };
        let refused = || {
            CallError::Transport(TransportError::Connect {
                address: "127.0.0.1:8443".into(),
                detail: "Connection refused".into(),
            })
        };
        let garbled = || CallError::Soap(SoapError::NotSoap);
        let too_large = CallError::Soap(SoapError::Fault(SoapFault {
            code: "soap:Client".into(),
            message: "request too large".into(),
            detail: None,
        }));
        let unknown_before = AttemptFailure {
            code: OUTCOME_UNKNOWN.into(),
            reason: "earlier".into(),
            retryable: true,
            next_attempt_at: None,
        };
        // (what happened, call, earlier attempts, the last failure, expected code or None for Failed)
        type Row<'a> = (
            &'a str,
            CallError,
            Call,
            u32,
            Option<&'a AttemptFailure>,
            Option<&'a str>,
        );
        let table: Vec<Row> = vec![
            (
                "garbled answer",
                garbled(),
                Call::Distribution,
                0,
                None,
                Some(OUTCOME_UNKNOWN),
            ),
            (
                "garbled answer, eighth",
                garbled(),
                Call::Distribution,
                last,
                None,
                Some(OUTCOME_UNKNOWN),
            ),
            (
                "5xx, last attempt",
                http(503),
                Call::Distribution,
                last,
                None,
                Some(OUTCOME_UNKNOWN),
            ),
            (
                "4xx after acceptance",
                http(409),
                Call::Distribution,
                0,
                None,
                Some(OUTCOME_UNKNOWN),
            ),
            (
                "4xx after acceptance, last",
                http(400),
                Call::Distribution,
                last,
                None,
                Some(OUTCOME_UNKNOWN),
            ),
            (
                "404 at the URL",
                http(404),
                Call::Distribution,
                last,
                None,
                Some(CONFIGURATION),
            ),
            (
                "401 at the URL",
                http(401),
                Call::Distribution,
                0,
                None,
                Some(CONFIGURATION),
            ),
            (
                "403 at the look-up",
                http(403),
                Call::Reachability,
                last,
                None,
                Some(CONFIGURATION),
            ),
            (
                "client fault refusal",
                fault(true),
                Call::Distribution,
                0,
                None,
                None,
            ),
            ("too large", too_large, Call::Distribution, 0, None, None),
            ("413", http(413), Call::Distribution, 0, None, None),
            (
                "connection refused",
                refused(),
                Call::Distribution,
                0,
                None,
                Some("unreachable"),
            ),
            (
                "connection refused, last",
                refused(),
                Call::Distribution,
                last,
                None,
                None,
            ),
            (
                "refused after an unknown outcome",
                refused(),
                Call::Distribution,
                last,
                Some(&unknown_before),
                Some(OUTCOME_UNKNOWN),
            ),
            (
                "404 after an unknown outcome",
                http(404),
                Call::Distribution,
                last,
                Some(&unknown_before),
                Some(OUTCOME_UNKNOWN),
            ),
            (
                "look-up fails after an unknown outcome",
                http(503),
                Call::Reachability,
                last,
                Some(&unknown_before),
                Some(OUTCOME_UNKNOWN),
            ),
            (
                "timeout waiting for the answer",
                timeout(TimeoutPhase::Response),
                Call::Distribution,
                last,
                None,
                Some(OUTCOME_UNKNOWN),
            ),
            (
                "timeout connecting",
                timeout(TimeoutPhase::Connect),
                Call::Distribution,
                0,
                None,
                Some("timeout"),
            ),
            (
                "look-up 5xx, last",
                http(503),
                Call::Reachability,
                last,
                None,
                None,
            ),
        ];
        for (what, error, call, attempts, previous, expected) in table {
            let got = match after_failed_call(&error, call, attempts, previous, &policy, now) {
                Failure::Retry(failure) => {
                    assert!(failure.next_attempt_at.is_some(), "{what}");
                    Some(failure.code)
                }
                Failure::GiveUp { .. } => None,
            };
            assert_eq!(got.as_deref(), expected, "{what}");
        }
    }
}
