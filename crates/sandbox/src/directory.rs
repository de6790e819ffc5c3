//! The sandbox's address register (FaR): the seeded recipients, the mailbox
//! operators they chose, and how each one behaves.
//!
//! Only Skatteverket's published test numbers are seeded; every other number
//! is "not registered".

use std::time::Duration;

use kuvert_protocol::identity::RecipientId;
use kuvert_protocol::soap::{AccountType, ReachabilityStatus, ServiceSupplier};
use serde::{Deserialize, Serialize};

/// The organisation number the sandbox accepts as a sender (Kommun B, the
/// public test environment's organisation).
pub const SENDER_ORGANISATION: &str = "162021003898";
/// The sender's name.
pub const SENDER_NAME: &str = "Kommun B";

/// A mailbox operator of the sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Operator {
    /// "Kivra (testmiljö)".
    Kivra,
    /// "Min myndighetspost (testmiljö)".
    MinMyndighetspost,
}

impl Operator {
    /// Every operator, in display order.
    pub const ALL: [Operator; 2] = [Operator::Kivra, Operator::MinMyndighetspost];

    /// The operator's name as FaR reports it.
    pub fn name(self) -> &'static str {
        match self {
            Operator::Kivra => "Kivra (testmiljö)",
            Operator::MinMyndighetspost => "Min myndighetspost (testmiljö)",
        }
    }

    /// The path segment naming the operator in URLs (`kivra`, `min-myndighetspost`).
    pub fn slug(self) -> &'static str {
        match self {
            Operator::Kivra => "kivra",
            Operator::MinMyndighetspost => "min-myndighetspost",
        }
    }

    /// The operator named by `slug`.
    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.slug() == slug)
    }

    /// The organisation number written as the supplier's `Id`. The contract
    /// requires one; the sandbox may only use published test numbers, so both
    /// operators carry the test organisation 556840-2266.
    pub(crate) fn organisation_number(self) -> &'static str {
        "165568402266"
    }
}

/// How a seeded recipient behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Reachable through the operator; deliveries succeed.
    Reachable(Operator),
    /// Not registered (`Type=Not`).
    NotRegistered,
    /// Registration begun but not finished (`Secure`, `Pending=true`).
    RegistrationPending(Operator),
    /// Registered but has not accepted mail from the sender (`SenderAccepted=false`).
    SenderNotAccepted(Operator),
    /// Reachable, but the operator's `deliverSecure` fails (→ `DeliveryFailed`).
    DeliveryFails(Operator),
    /// Reachable, but every answer concerning the recipient is slow.
    Slow(Operator),
}

impl Scenario {
    /// The operator holding the recipient's mailbox, if any.
    pub fn operator(self) -> Option<Operator> {
        match self {
            Scenario::NotRegistered => None,
            Scenario::Reachable(o)
            | Scenario::RegistrationPending(o)
            | Scenario::SenderNotAccepted(o)
            | Scenario::DeliveryFails(o)
            | Scenario::Slow(o) => Some(o),
        }
    }

    /// Whether a secure delivery to the recipient can be distributed.
    pub fn accepts_deliveries(self) -> bool {
        matches!(
            self,
            Scenario::Reachable(_) | Scenario::DeliveryFails(_) | Scenario::Slow(_)
        )
    }
}

/// The seeded recipients (wire form) and their scenarios.
pub const SEEDED: [(&str, Scenario); 9] = [
    ("198501012382", Scenario::Reachable(Operator::Kivra)),
    (
        "198501012390",
        Scenario::Reachable(Operator::MinMyndighetspost),
    ),
    ("202201612385", Scenario::Reachable(Operator::Kivra)),
    (
        "165568402266",
        Scenario::Reachable(Operator::MinMyndighetspost),
    ),
    ("192705178354", Scenario::NotRegistered),
    (
        "201701012393",
        Scenario::RegistrationPending(Operator::Kivra),
    ),
    ("199001012385", Scenario::SenderNotAccepted(Operator::Kivra)),
    ("197001012389", Scenario::DeliveryFails(Operator::Kivra)),
    ("196001012381", Scenario::Slow(Operator::MinMyndighetspost)),
];

/// The scenario of `recipient` (wire form): unknown numbers are not registered.
pub fn scenario(recipient: &str) -> Scenario {
    SEEDED
        .iter()
        .find(|(id, _)| *id == recipient)
        .map(|(_, s)| *s)
        .unwrap_or(Scenario::NotRegistered)
}

/// How long answers about `recipient` are held back.
pub(crate) fn delay_for(recipient: &str, slow: Duration) -> Option<Duration> {
    matches!(scenario(recipient), Scenario::Slow(_)).then_some(slow)
}

/// What FaR answers about `recipient`; `service_address` gives each
/// operator's `deliverSecure` endpoint and `ui_address` its web mailbox.
pub(crate) fn reachability(
    recipient: &RecipientId,
    service_address: &dyn Fn(Operator) -> String,
    ui_address: &dyn Fn(Operator) -> String,
) -> ReachabilityStatus {
    let scenario = scenario(recipient.as_str());
    let supplier = scenario.operator().map(|o| ServiceSupplier {
        id: o.organisation_number().to_string(),
        name: o.name().to_string(),
        service_address: service_address(o),
        ui_address: Some(ui_address(o)),
    });
    let (account, pending, sender_accepted) = match scenario {
        Scenario::NotRegistered => (AccountType::Not, false, false),
        Scenario::RegistrationPending(_) => (AccountType::Secure, true, true),
        Scenario::SenderNotAccepted(_) => (AccountType::Secure, false, false),
        Scenario::Reachable(_) | Scenario::DeliveryFails(_) | Scenario::Slow(_) => {
            (AccountType::Secure, false, true)
        }
    };
    ReachabilityStatus {
        recipient: recipient.clone(),
        account,
        pending,
        supplier,
        sender_accepted,
    }
}
