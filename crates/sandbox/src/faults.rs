//! SOAP faults the sandbox answers with, as the real services do: a
//! `Client` fault when the caller's request is at fault, a `Server` fault
//! for the sandbox's own trouble, each with `ExceptionInformation`.

use kuvert_protocol::soap::ExceptionInformation;
use kuvert_service::answers::fault_response;
use kuvert_service::{Request, Response};

/// Error codes (from the `ErrorCodes` list of the Common schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Code {
    /// The sandbox failed (server fault).
    Internal = 5000,
    /// The request or document is not schema-valid.
    NotSchemaValid = 5001,
    /// The signature does not verify.
    Signature = 5002,
    /// The caller is not a registered sender, or names another sender.
    Sender = 5003,
    /// An unknown distribution id, or a recipient that cannot receive.
    Unknown = 5004,
    /// The same MessageId with other content.
    Duplicate = 5005,
    /// The request is larger than the intermediary takes (the contract's
    /// generic code; the description says "too large").
    TooLarge = 4999,
    /// The mailbox is out of service.
    MailboxUnavailable = 6004,
}

/// A fault to answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fault {
    pub client: bool,
    pub code: Code,
    pub description: String,
}

impl Fault {
    /// The caller's error.
    pub fn client(code: Code, description: impl Into<String>) -> Self {
        Fault {
            client: true,
            code,
            description: description.into(),
        }
    }

    /// The sandbox's own error.
    pub fn server(code: Code, description: impl Into<String>) -> Self {
        Fault {
            client: false,
            code,
            description: description.into(),
        }
    }

    /// The fault as an HTTP 500 SOAP response with a fresh call id.
    pub fn response(&self) -> Response {
        let call_id = uuid::Uuid::new_v4().to_string();
        tracing::info!(
            code = self.code as u32,
            client = self.client,
            call_id = %call_id,
            "answering with a SOAP fault: {}",
            self.description
        );
        let detail = ExceptionInformation {
            error_code: self.code as u32,
            description: self.description.clone(),
            call_id,
        };
        Response::xml(500, fault_response(self.client, &detail))
    }
}

/// SOAP 1.1 requests carry `Content-Type: text/xml`; anything else is
/// refused before the body is read, as SOAP stacks do (HTTP 415).
pub(crate) fn unsupported_media_type(request: &Request) -> Option<Response> {
    let media_type = request
        .header("Content-Type")
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    (media_type.as_deref() != Some("text/xml")).then(|| {
        Response::text(
            415,
            "SOAP 1.1 requests must be sent as Content-Type: text/xml; charset=utf-8.\n",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(content_type: Option<&str>) -> Request {
        Request {
            method: "POST".into(),
            path: "/Message/v3".into(),
            headers: content_type
                .map(|v| vec![("content-type".to_string(), v.to_string())])
                .unwrap_or_default(),
            body: Vec::new(),
            peer_certificate_der: None,
        }
    }

    #[test]
    fn only_text_xml_is_taken() {
        assert!(unsupported_media_type(&request(Some("text/xml; charset=utf-8"))).is_none());
        assert!(unsupported_media_type(&request(Some("Text/XML"))).is_none());
        for other in [Some("application/soap+xml"), Some("text/plain"), None] {
            assert_eq!(
                unsupported_media_type(&request(other)).map(|r| r.status),
                Some(415)
            );
        }
    }

    #[test]
    fn faults_carry_exception_information() {
        let response = Fault::client(Code::Duplicate, "MessageId x <igen>").response();
        assert_eq!(response.status, 500);
        let text = String::from_utf8(response.body).unwrap();
        match kuvert_protocol::soap::body_element(&text) {
            Err(kuvert_protocol::soap::SoapError::Fault(fault)) => {
                assert!(fault.is_client_fault());
                let detail = fault.detail.unwrap();
                assert_eq!(detail.error_code, 5005);
                assert_eq!(detail.description, "MessageId x <igen>");
                assert_eq!(detail.call_id.len(), 36);
            }
            other => panic!("{other:?}"),
        }
    }
}
