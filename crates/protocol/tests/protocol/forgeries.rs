//! Issue 11: what `verify` vouches for must be true. A table of documents
//! forged by the test — signature wrapping of signed and sealed deliveries,
//! duplicate ids, references to other elements, unsigned content in
//! `ds:Object` — each refused with its exact error; forged signers
//! (self-signed, another organisation, a TLS server certificate, expired,
//! another sealer) each named as the exact problem; genuine deliveries,
//! Kuvert's own and xmlsec1's, accepted.

use std::sync::OnceLock;

use kuvert_protocol::date::CalendarDate;
use kuvert_protocol::dsig::SigningKey;
use kuvert_protocol::seal::seal;
use kuvert_protocol::soap;
use kuvert_protocol::verify::{Intermediary, Problem, SignatureRole, Validity, VerifyError};
use kuvert_protocol::xml::names::{MESSAGE_V3, SERVICE_V3, SOAP_ENV};
use kuvert_protocol::xml::Element;
use kuvert_testpki::CertifiedKey;

use crate::forge::{forge, Forgery, HERE};
use crate::support::*;

const SENDER_ORG: &str = "162021003898";
const OTHER_ORG: &str = "165568402266";

/// Certificates beside the fixture's: generated once (RSA is slow).
struct Keys {
    intermediary: CertifiedKey,
    self_signed: CertifiedKey,
    other_organisation: CertifiedKey,
    expired: CertifiedKey,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let ca = &fixture().pki.ca;
        let year = 365 * 24 * 3600;
        Keys {
            intermediary: kuvert_testpki::issue_organisation_certificate(
                ca,
                OTHER_ORG,
                "Förmedlare AB (test)",
            )
            .unwrap(),
            self_signed: kuvert_testpki::self_signed_organisation_certificate(
                SENDER_ORG, "Kommun B",
            )
            .unwrap(),
            other_organisation: kuvert_testpki::issue_organisation_certificate(
                ca,
                OTHER_ORG,
                "Annan myndighet (test)",
            )
            .unwrap(),
            expired: kuvert_testpki::issue_organisation_certificate_valid_between(
                ca,
                SENDER_ORG,
                "Kommun B",
                now() - 3 * year,
                now() - year,
            )
            .unwrap(),
        }
    })
}

fn signing_key(material: &CertifiedKey) -> SigningKey {
    SigningKey::from_pem(material.cert_pem.as_bytes(), material.key_pem.as_bytes()).unwrap()
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

/// Kuvert's own signed delivery (minimal, or the full one).
fn genuine() -> String {
    text(minimal().sign(&fixture().key).unwrap())
}

fn genuine_full() -> String {
    text(full().sign(&fixture().key).unwrap())
}

fn sealed_on(signed: &str, received: CalendarDate, ok: bool, sealer: &CertifiedKey) -> String {
    text(seal(signed, received, ok, &signing_key(sealer)).unwrap())
}

fn genuine_sealed() -> String {
    sealed_on(&genuine(), real_today(), true, &keys().intermediary)
}

fn intermediary() -> Intermediary {
    Intermediary::OrganisationNumber(OTHER_ORG.into())
}

/// The text from `start` to the end of `end`.
fn span<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("no {start}"));
    let to = from + text[from..].find(end).unwrap_or_else(|| panic!("no {end}")) + end.len();
    &text[from..to]
}

fn delivery(signed: &str) -> &str {
    span(signed, "<Delivery>", "</Delivery>")
}

/// The last `ds:Signature` (the root's own).
fn root_signature(signed: &str) -> &str {
    let from = signed.rfind("<ds:Signature ").unwrap();
    span(&signed[from..], "<ds:Signature ", "</ds:Signature>")
}

/// The SignedDelivery inside a sealed delivery, as the seal writes it.
fn inner_signed(sealed: &str) -> &str {
    span(sealed, "<SignedDelivery>", "</SignedDelivery>")
}

/// A SignedDelivery as it appears inside a SealedDelivery (the default
/// namespace declaration is the parent's).
fn as_child(signed: &str) -> String {
    signed.replacen(&format!(" xmlns=\"{MESSAGE_V3}\""), "", 1)
}

fn forged_delivery() -> String {
    delivery(&genuine()).replacen("Beslut om", "Beslut om INTE", 1)
}

fn root(content: &str) -> String {
    format!("<SignedDelivery xmlns=\"{MESSAGE_V3}\">{content}</SignedDelivery>")
}

fn sealed_root(content: &str) -> String {
    format!("<SealedDelivery xmlns=\"{MESSAGE_V3}\">{content}</SealedDelivery>")
}

fn is_local(local: &'static str) -> impl Fn(&Element) -> bool {
    move |e: &Element| e.local == local
}

fn wrapped(place: &str, element: &str) -> VerifyError {
    VerifyError::UnexpectedElement {
        element: element.into(),
        place: place.into(),
    }
}

fn reference_elsewhere(reason: &str) -> VerifyError {
    VerifyError::ReferenceElsewhere(reason.into())
}

#[test]
fn issue_11_forged_documents_are_refused_with_their_exact_error() {
    let f = fixture();
    let signed = genuine();
    let signature = root_signature(&signed).to_string();
    let sealed = genuine_sealed();
    let seal_part = span(&sealed, "<Seal>", "</Seal>").to_string();
    let seal_signature = root_signature(&sealed).to_string();
    let inner = inner_signed(&sealed).to_string();
    let other_inner = as_child(&genuine_full());
    let key = &f.pki.sender;
    let forged = forged_delivery();
    let hidden_original = format!(
        "<ds:Object>{}</ds:Object></ds:Signature>",
        as_child(&signed)
    );
    let delivery_with = |attribute: &str| {
        delivery(&signed).replacen("<Delivery>", &format!("<Delivery {attribute}>"), 1)
    };

    let cases: Vec<(&str, String, VerifyError)> = vec![
        // --- signature wrapping of a SignedDelivery
        (
            "forged content, the genuine delivery hidden in ds:Object",
            root(&format!(
                "{forged}{}",
                signature.replacen("</ds:Signature>", &hidden_original, 1)
            )),
            wrapped("/SignedDelivery/Signature", "ds:Object"),
        ),
        (
            "signature before the delivery",
            root(&format!("{signature}{}", delivery(&signed))),
            VerifyError::SignatureNotLast("SignedDelivery".into()),
        ),
        (
            "a forged delivery beside the signed one",
            root(&format!("{forged}{}{signature}", delivery(&signed))),
            VerifyError::ChildrenNotAsSchema {
                element: "SignedDelivery".into(),
                expected: "Delivery, ds:Signature",
            },
        ),
        (
            "a second signature",
            root(&format!("{}{signature}{signature}", delivery(&signed))),
            wrapped("SignedDelivery", "a second ds:Signature"),
        ),
        (
            "the genuine delivery moved into an extension element",
            root(&format!(
                "{forged}<x:Extension xmlns:x=\"urn:x\">{}</x:Extension>{signature}",
                delivery(&signed)
            )),
            VerifyError::ChildrenNotAsSchema {
                element: "SignedDelivery".into(),
                expected: "Delivery, ds:Signature",
            },
        ),
        (
            "no signature at all",
            root(&forged),
            VerifyError::NoSignature("SignedDelivery".into()),
        ),
        // --- references that do not cover the SignedDelivery
        (
            "a reference to the Delivery only",
            forge(
                &root(&format!("{}{HERE}", delivery_with("Id=\"d1\""))),
                key,
                &Forgery {
                    uri: "#d1",
                    digest_of: Some(&is_local("Delivery")),
                    enveloped: false,
                    ..Forgery::default()
                },
            ),
            reference_elsewhere(&format!(
                "#d1 is {{{MESSAGE_V3}}}Delivery, not the SignedDelivery that holds the signature"
            )),
        ),
        (
            "a reference to signed evidence hidden in forged content",
            forge(
                &root(&format!(
                    "{}{HERE}",
                    forged.replacen(
                        "</Delivery>",
                        "<x:Evidence xmlns:x=\"urn:x\" Id=\"orig\">genuine</x:Evidence></Delivery>",
                        1
                    )
                )),
                key,
                &Forgery {
                    uri: "#orig",
                    digest_of: Some(&is_local("Evidence")),
                    enveloped: false,
                    ..Forgery::default()
                },
            ),
            reference_elsewhere(
                "#orig is {urn:x}Evidence, not the SignedDelivery that holds the signature",
            ),
        ),
        (
            "a reference to an id no element carries",
            forge(&root(&format!("{}{HERE}", delivery(&signed))), key, &Forgery {
                uri: "#nothing",
                ..Forgery::default()
            }),
            VerifyError::UnresolvedReference("nothing".into()),
        ),
        (
            "a reference to an external resource",
            forge(&root(&format!("{}{HERE}", delivery(&signed))), key, &Forgery {
                uri: "http://evil.example/delivery.xml",
                ..Forgery::default()
            }),
            reference_elsewhere(
                "\"http://evil.example/delivery.xml\" is not the document (URI=\"\") nor an element in it",
            ),
        ),
        (
            "URI=\"\" without the enveloped-signature transform",
            forge(&root(&format!("{}{HERE}", delivery(&signed))), key, &Forgery {
                enveloped: false,
                ..Forgery::default()
            }),
            reference_elsewhere("the reference lacks the enveloped-signature transform"),
        ),
        (
            "duplicate ids",
            forge(
                &format!(
                    "<SignedDelivery xmlns=\"{MESSAGE_V3}\" Id=\"a\">{}{HERE}</SignedDelivery>",
                    delivery_with("Id=\"a\"")
                ),
                key,
                &Forgery {
                    uri: "#a",
                    ..Forgery::default()
                },
            ),
            VerifyError::DuplicateId("a".into()),
        ),
        (
            "unsigned content in ds:Object",
            forge(&root(&format!("{}{HERE}", delivery(&signed))), key, &Forgery {
                extra: &format!("<ds:Object>{forged}</ds:Object>"),
                ..Forgery::default()
            }),
            wrapped("/SignedDelivery/Signature", "ds:Object"),
        ),
        // --- signature wrapping of a SealedDelivery
        (
            "the seal of one delivery over another",
            sealed_root(&format!("{other_inner}{seal_part}{seal_signature}")),
            VerifyError::DigestMismatch,
        ),
        (
            "another delivery presented, the sealed one hidden in ds:Object",
            sealed_root(&format!(
                "{other_inner}{seal_part}{}",
                seal_signature.replacen(
                    "</ds:Signature>",
                    &format!("<ds:Object>{inner}</ds:Object></ds:Signature>"),
                    1
                )
            )),
            wrapped("/SealedDelivery/Signature", "ds:Object"),
        ),
        (
            "two signed deliveries in the sealed one",
            sealed_root(&format!("{other_inner}{inner}{seal_part}{seal_signature}")),
            VerifyError::ChildrenNotAsSchema {
                element: "SealedDelivery".into(),
                expected: "SignedDelivery, Seal, ds:Signature",
            },
        ),
        (
            "the seal's signature before the seal",
            sealed_root(&format!("{inner}{seal_signature}{seal_part}")),
            VerifyError::SignatureNotLast("SealedDelivery".into()),
        ),
        (
            "the sender's signature taken out of the sealed delivery",
            sealed_root(&format!(
                "{}{seal_part}{seal_signature}",
                inner.replacen(root_signature(&inner), "", 1)
            )),
            VerifyError::NoSignature("SignedDelivery".into()),
        ),
        // --- SOAP envelopes
        (
            "a forged delivery in the SOAP header",
            text(soap::distribute_secure_request(signed.as_bytes()).unwrap()).replacen(
                "<soap:Body>",
                &format!(
                    "<soap:Header>{}</soap:Header><soap:Body>",
                    forged.replacen("<Delivery>", &format!("<Delivery xmlns=\"{MESSAGE_V3}\">"), 1)
                ),
                1,
            ),
            wrapped("/Envelope/Header", &format!("{{{MESSAGE_V3}}}Delivery")),
        ),
        (
            "two payloads in distributeSecure",
            text(soap::distribute_secure_request(signed.as_bytes()).unwrap()).replacen(
                "</signedDelivery>",
                &format!("</signedDelivery><signedDelivery>{forged}{signature}</signedDelivery>"),
                1,
            ),
            VerifyError::ChildrenNotAsSchema {
                element: "distributeSecure".into(),
                expected: "exactly one payload element",
            },
        ),
    ];
    for (name, document, expected) in cases {
        let outcome = verify_trusted(&document, Some(&intermediary()));
        assert_eq!(
            outcome.as_ref().err(),
            Some(&expected),
            "{name}: {outcome:?}\n{document}"
        );
    }
}

#[test]
fn issue_11_forged_signers_are_named_as_the_exact_problem() {
    let k = keys();
    let sender = |material: &CertifiedKey| text(minimal().sign(&signing_key(material)).unwrap());
    let expect = |document: &str, problems: Vec<Problem>| {
        let verified = verify_trusted(document, Some(&intermediary())).unwrap();
        assert_eq!(verified.problems, problems);
        assert!(!verified.is_valid());
    };
    expect(
        &sender(&k.self_signed),
        vec![Problem::NotTrusted {
            role: SignatureRole::Sender,
            reason: "self-signed certificate".into(),
        }],
    );
    expect(
        &sender(&k.other_organisation),
        vec![Problem::SignerIsNotSender {
            signer: format!(
                "organisation {OTHER_ORG} (C=SE, O=Annan myndighet (test), CN=Annan myndighet (test), serialNumber={OTHER_ORG})"
            ),
            sender: SENDER_ORG.into(),
        }],
    );
    expect(
        &sender(&fixture().pki.server),
        vec![
            Problem::NotASigningCertificate {
                role: SignatureRole::Sender,
                reason: "the certificate is a TLS server certificate only".into(),
            },
            Problem::SignerIsNotSender {
                signer: "C=SE, O=Kuvert test environment, CN=localhost".into(),
                sender: SENDER_ORG.into(),
            },
        ],
    );
    expect(
        &sender(&k.expired),
        vec![
            Problem::NotTrusted {
                role: SignatureRole::Sender,
                reason: "certificate has expired".into(),
            },
            Problem::NotValidToday {
                role: SignatureRole::Sender,
                validity: Validity::Expired,
            },
        ],
    );

    // Seals: by someone else than the intermediary, on a day its
    // certificates were not valid, and recording a failed check.
    expect(
        &sealed_on(&genuine(), real_today(), true, &fixture().pki.sender),
        vec![Problem::SealerIsNotIntermediary {
            sealer: format!(
                "organisation {SENDER_ORG} (C=SE, O=Kommun B, CN=Kommun B, serialNumber={SENDER_ORG})"
            ),
            expected: format!("organisation {OTHER_ORG}"),
        }],
    );
    let long_ago = CalendarDate::new(2020, 1, 1).unwrap();
    expect(
        &sealed_on(&genuine(), long_ago, true, &k.intermediary),
        vec![
            Problem::NotValidWhenSigned {
                role: SignatureRole::Sender,
                day: long_ago,
                validity: Validity::NotYetValid,
            },
            Problem::NotValidWhenSigned {
                role: SignatureRole::Seal,
                day: long_ago,
                validity: Validity::NotYetValid,
            },
        ],
    );
    expect(
        &sealed_on(&genuine(), real_today(), false, &k.intermediary),
        vec![Problem::SealSaysSignaturesNotOk],
    );
    let verified = verify_trusted(&genuine_sealed(), None).unwrap();
    assert_eq!(verified.problems, [Problem::NoIntermediaryGiven]);
    let verified = verify_untrusted(&genuine()).unwrap();
    assert_eq!(verified.problems, [Problem::NoTrustAnchors]);
}

#[test]
fn issue_11_genuine_deliveries_are_accepted_and_the_verified_element_named() {
    let f = fixture();
    let signed = genuine();
    let sealed = genuine_sealed();
    let distribute = text(soap::distribute_secure_request(signed.as_bytes()).unwrap());
    let deliver = format!(
        "<soap:Envelope xmlns:soap=\"{SOAP_ENV}\"><soap:Body><svc3:deliverSecure xmlns:svc3=\"{SERVICE_V3}\">\
         <svc3:deliverSecure xmlns=\"{MESSAGE_V3}\">{}</svc3:deliverSecure></svc3:deliverSecure></soap:Body></soap:Envelope>",
        sealed
            .strip_prefix(&format!("<SealedDelivery xmlns=\"{MESSAGE_V3}\">"))
            .and_then(|s| s.strip_suffix("</SealedDelivery>"))
            .unwrap()
    );
    let by_id = forge(
        &format!(
            "<SignedDelivery xmlns=\"{MESSAGE_V3}\" Id=\"leverans\">{}{HERE}</SignedDelivery>",
            delivery(&signed)
        ),
        &f.pki.sender,
        &Forgery {
            uri: "#leverans",
            ..Forgery::default()
        },
    );
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "Kuvert's signed delivery",
            signed.clone(),
            vec!["/SignedDelivery"],
        ),
        (
            "a reference by id to the SignedDelivery",
            by_id,
            vec!["/SignedDelivery"],
        ),
        (
            "Kuvert's distributeSecure",
            distribute,
            vec!["/Envelope/Body/distributeSecure/signedDelivery"],
        ),
        (
            "a sealed delivery",
            sealed,
            vec!["/SealedDelivery/SignedDelivery", "/SealedDelivery"],
        ),
        (
            "a deliverSecure",
            deliver,
            vec![
                "/Envelope/Body/deliverSecure/deliverSecure/SignedDelivery",
                "/Envelope/Body/deliverSecure/deliverSecure",
            ],
        ),
    ];
    for (name, document, elements) in cases {
        let verified = verify_trusted(&document, Some(&intermediary()))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(verified.is_valid(), "{name}: {:?}", verified.problems);
        assert_eq!(verified.sender_id, SENDER_ORG, "{name}");
        let verified_elements: Vec<_> = verified
            .signatures
            .iter()
            .map(|s| s.element.as_str())
            .collect();
        assert_eq!(verified_elements, elements, "{name}");
        for report in &verified.signatures {
            assert_eq!(report.signer.valid_today, Validity::Valid);
        }
    }
}

/// Kuvert's own `signedDelivery` in `distributeSecure` declares its
/// namespace itself: the raw subtree cut out of the request and named
/// `SignedDelivery` again is the signed document, which xmlsec1 accepts.
#[test]
fn issue_11_the_raw_signed_delivery_cut_out_of_distribute_secure_verifies() {
    let f = fixture();
    let signed = genuine_full();
    let request = text(soap::distribute_secure_request(signed.as_bytes()).unwrap());
    let raw = span(&request, "<signedDelivery", "</signedDelivery>");
    let cut = raw
        .replacen("<signedDelivery", "<SignedDelivery", 1)
        .replacen("</signedDelivery>", "</SignedDelivery>", 1);
    assert_eq!(cut, signed);
    let file = write(f.dir.path(), "cut-out.xml", cut.as_bytes());
    let sec = xmlsec_verify(&f.ca_pem(), &file, &[]);
    assert!(sec.ok, "xmlsec1: {}", sec.output);
    assert!(verify_trusted(&cut, None).unwrap().is_valid());
}
