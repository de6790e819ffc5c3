//! Builds and signs a delivery carrying the given files as attachments —
//! the work measured by `bench/sign.sh`.
//!
//! ```text
//! sign_delivery KEY.pem CERT.pem OUT.xml [--template TEMPLATE.xml] FILE…
//! ```
//! With `--template`, also writes the same unsigned document with an empty
//! signature template, so `xmlsec1 --sign` can sign exactly the same bytes.

use kuvert_protocol::date::CalendarDate;
use kuvert_protocol::delivery::*;
use kuvert_protocol::dsig::SigningKey;
use kuvert_protocol::identity::{OrganizationNumber, RecipientId};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        return Err(
            "usage: sign_delivery KEY.pem CERT.pem OUT.xml [--template T.xml] FILE…".into(),
        );
    }
    let key_pem = std::fs::read(args.remove(0))?;
    let cert_pem = std::fs::read(args.remove(0))?;
    let out = args.remove(0);
    let template = if args.first().map(String::as_str) == Some("--template") {
        args.remove(0);
        Some(args.remove(0))
    } else {
        None
    };

    let key = SigningKey::from_pem(&cert_pem, &key_pem)?;
    let attachments = args
        .iter()
        .map(|path| -> Result<Attachment, Box<dyn std::error::Error>> {
            let name = std::path::Path::new(path)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("bilaga.pdf");
            Ok(Attachment::new(
                name,
                ContentType::new("application/pdf")?,
                std::fs::read(path)?,
            )?)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let today = CalendarDate::new(2026, 11, 23)?;
    let delivery = Delivery {
        sender: Sender {
            id: OrganizationNumber::parse("202100-3898")?,
            name: SenderName::new("Kommun B")?,
        },
        recipient: RecipientId::parse("19850101-2382", today)?,
        case_number: Some(CaseNumber::new("KS 2026/0123")?),
        correlation_id: Some(MessageId::new("bench-1")?),
        attention: None,
        message: SecureMessage {
            id: MessageId::new("7d1c8a52-0d6e-4a57-9a0e-2b8d6f1cbe9c")?,
            subject: Subject::new("Beslut")?,
            support: SupportInfo::new("Kommun B kontaktcenter", None, None, None)?,
            event: None,
            protection_class: ProtectionClass::new(2)?,
            language: "svSE".into(),
            reply: ReplyOption::NotAllowed,
            receipt: ReceiptOption::Not,
            body: Body::plain("Se bifogat beslut.")?,
            attachments,
        },
    };

    if let Some(template) = template {
        let mut unsigned = delivery.to_canonical_xml()?;
        let close = unsigned.len() - "</SignedDelivery>".len();
        unsigned.splice(close..close, TEMPLATE.bytes());
        std::fs::write(template, unsigned)?;
    }
    let signed = delivery.sign(&key)?;
    std::fs::write(out, signed)?;
    Ok(())
}

/// The signature Kuvert makes, as an xmlsec1 template.
const TEMPLATE: &str = concat!(
    r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>"#,
    r#"<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#,
    r#"<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>"#,
    r#"<ds:Reference URI=""><ds:Transforms>"#,
    r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>"#,
    r#"</ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>"#,
    r#"<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/>"#,
    r#"<ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>"#
);
