//! What a verification found: which element was verified and by whom it is
//! signed, and the problems that keep it from being vouched for.

use crate::date::CalendarDate;

use super::signature::SignatureAlgorithm;
use super::signer::{Signer, Trust, Usage, Validity};
use super::{Policy, VerifyError};

/// Which signature of a delivery a report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureRole {
    /// The sending authority's signature over the SignedDelivery.
    Sender,
    /// The intermediary's seal over the SealedDelivery.
    Seal,
}

impl std::fmt::Display for SignatureRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SignatureRole::Sender => "sender's signature",
            SignatureRole::Seal => "intermediary's seal",
        })
    }
}

/// One mathematically correct signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureReport {
    /// Sender signature or seal.
    pub role: SignatureRole,
    /// The element verified, by its place in the document given
    /// (`/SignedDelivery`, `/SealedDelivery/SignedDelivery`,
    /// `/Envelope/Body/distributeSecure/signedDelivery`).
    pub element: String,
    /// The signature algorithm.
    pub algorithm: SignatureAlgorithm,
    /// Whether SHA-1 was used anywhere (signature or digest): legacy.
    pub legacy_sha1: bool,
    /// Who signed.
    pub signer: Signer,
}

/// The intermediary's `Seal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seal {
    /// `ReceivedTime`: the day the intermediary received (and sealed) it.
    pub received: CalendarDate,
    /// `SignaturesOK`: whether the intermediary found the sender's
    /// signature correct.
    pub signatures_ok: bool,
}

/// Why correct signatures are still not vouched for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// No trust anchors were given: the signatures are mathematically
    /// correct, but nothing says who the signers are.
    #[error("the signatures are mathematically correct, but no CA certificates were given to judge the signers by: the signers are not trusted")]
    NoTrustAnchors,
    /// The signer's certificate does not chain to the trust anchors.
    #[error("the {role} is mathematically correct, but its signer is not trusted: {reason}")]
    NotTrusted {
        /// Which signature.
        role: SignatureRole,
        /// Why.
        reason: String,
    },
    /// The certificate is not one for signing.
    #[error("the {role} is made with a certificate that is not for signing: {reason}")]
    NotASigningCertificate {
        /// Which signature.
        role: SignatureRole,
        /// Why.
        reason: String,
    },
    /// The certificate is not valid today.
    #[error("the certificate of the {role} is {validity} today")]
    NotValidToday {
        /// Which signature.
        role: SignatureRole,
        /// How.
        validity: Validity,
    },
    /// The certificate was not valid on the day the document says it was
    /// signed.
    #[error("the certificate of the {role} was {validity} on {day}, when it signed")]
    NotValidWhenSigned {
        /// Which signature.
        role: SignatureRole,
        /// The day of signing (the seal's ReceivedTime).
        day: CalendarDate,
        /// How.
        validity: Validity,
    },
    /// The sender's signature is not made with the sender's certificate.
    #[error("the delivery says it is from {sender}, but it is signed by {signer}")]
    SignerIsNotSender {
        /// The signer (organisation number, or subject when it has none).
        signer: String,
        /// The delivery's `Sender/Id`.
        sender: String,
    },
    /// The seal is not made by the expected intermediary.
    #[error("the seal is made by {sealer}, not by the intermediary ({expected})")]
    SealerIsNotIntermediary {
        /// The sealer (organisation number or subject).
        sealer: String,
        /// The intermediary expected.
        expected: String,
    },
    /// A sealed delivery was verified without saying which intermediary
    /// must have sealed it.
    #[error("the seal's signer was not compared with an intermediary: say which intermediary must have sealed it")]
    NoIntermediaryGiven,
    /// The intermediary recorded that the sender's signature did not verify.
    #[error("the intermediary recorded in the seal that the sender's signature did not verify (SignaturesOK=false)")]
    SealSaysSignaturesNotOk,
}

/// The outcome of verifying a delivery document whose signatures are all
/// mathematically correct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The signatures checked: the sender's first, then the seal if sealed.
    pub signatures: Vec<SignatureReport>,
    /// The verified delivery's `Header/Sender/Id`.
    pub sender_id: String,
    /// The seal, for a sealed delivery.
    pub seal: Option<Seal>,
    /// Why it is not vouched for; empty when it is.
    pub problems: Vec<Problem>,
}

impl Verification {
    /// Whether the delivery is vouched for: every signer trusted, holding
    /// a valid signing certificate, the sender's signature by the sender
    /// and the seal by the intermediary.
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }

    /// `self` when valid, else the first problem as an error.
    pub fn require_valid(self) -> Result<Self, VerifyError> {
        match self.problems.first() {
            None => Ok(self),
            Some(problem) => Err(VerifyError::NotAccepted(problem.clone())),
        }
    }

    pub(super) fn judged(
        signatures: Vec<SignatureReport>,
        sender_id: String,
        seal: Option<Seal>,
        policy: &Policy<'_>,
    ) -> Self {
        let mut problems = Vec::new();
        if policy.anchors.is_none() {
            problems.push(Problem::NoTrustAnchors);
        }
        for report in &signatures {
            let role = report.role;
            let signer = &report.signer;
            if let Trust::NotTrusted { reason } = &signer.trust {
                problems.push(Problem::NotTrusted {
                    role,
                    reason: reason.clone(),
                });
            }
            if let Usage::NotSigning(reason) = &signer.usage {
                problems.push(Problem::NotASigningCertificate {
                    role,
                    reason: reason.clone(),
                });
            }
            if signer.valid_today != Validity::Valid {
                problems.push(Problem::NotValidToday {
                    role,
                    validity: signer.valid_today,
                });
            }
            if let Some((day, validity)) = signer.when_signed {
                if validity != Validity::Valid {
                    problems.push(Problem::NotValidWhenSigned {
                        role,
                        day,
                        validity,
                    });
                }
            }
            match role {
                SignatureRole::Sender => {
                    if signer.organisation_number.as_deref() != Some(sender_id.as_str()) {
                        problems.push(Problem::SignerIsNotSender {
                            signer: who(signer),
                            sender: sender_id.clone(),
                        });
                    }
                }
                SignatureRole::Seal => match policy.intermediary {
                    None => problems.push(Problem::NoIntermediaryGiven),
                    Some(expected) if !expected.matches(signer) => {
                        problems.push(Problem::SealerIsNotIntermediary {
                            sealer: who(signer),
                            expected: expected.to_string(),
                        })
                    }
                    Some(_) => {}
                },
            }
        }
        if seal.is_some_and(|s| !s.signatures_ok) {
            problems.push(Problem::SealSaysSignaturesNotOk);
        }
        Verification {
            signatures,
            sender_id,
            seal,
            problems,
        }
    }
}

fn who(signer: &Signer) -> String {
    match &signer.organisation_number {
        Some(number) => format!("organisation {number} ({})", signer.subject),
        None => signer.subject.clone(),
    }
}
