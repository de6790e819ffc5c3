//! HTTP/1.1 message shapes of the server and the wire parsing and writing behind them.
//! Pure functions over bytes, so that they can be tested without sockets.

/// A request as the handler sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method, e.g. `POST`.
    pub method: String,
    /// The request target as sent, e.g. `/far?wsdl`.
    pub path: String,
    /// Headers in arrival order, names as sent; look them up with [`header`](Self::header).
    pub headers: Vec<(String, String)>,
    /// The body (empty when there was no `Content-Length`).
    pub body: Vec<u8>,
    /// The client's TLS certificate (DER), if it presented one.
    pub peer_certificate_der: Option<Vec<u8>>,
}

impl Request {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A response produced by the handler. It is always sent with `Content-Length`; the
/// connection stays open for the next request unless either side asked to close it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status; values outside 200–599 are sent as 500.
    pub status: u16,
    /// The `Content-Type` header.
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A response with any content type.
    pub fn new(status: u16, content_type: impl Into<String>, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            content_type: content_type.into(),
            body: body.into(),
        }
    }

    /// `text/xml; charset=utf-8`, the SOAP 1.1 content type.
    pub fn xml(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self::new(status, "text/xml; charset=utf-8", body)
    }

    /// `text/html; charset=utf-8`.
    pub fn html(status: u16, body: impl Into<String>) -> Self {
        Self::new(status, "text/html; charset=utf-8", body.into())
    }

    /// `text/plain; charset=utf-8`.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Self::new(status, "text/plain; charset=utf-8", body.into())
    }

    /// The complete message on the wire. `head_only` leaves out the body (for HEAD);
    /// `close` announces that the server closes the connection after it.
    pub(crate) fn to_wire(&self, head_only: bool, close: bool) -> Vec<u8> {
        let status = if (200..=599).contains(&self.status) {
            self.status
        } else {
            500
        };
        // A handler-supplied content type must not be able to inject headers.
        let content_type: String = self
            .content_type
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        let connection = if close { "close" } else { "keep-alive" };
        let mut wire = format!(
            "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
             Connection: {connection}\r\n\r\n",
            reason_phrase(status),
            self.body.len()
        )
        .into_bytes();
        if !head_only {
            wire.extend_from_slice(&self.body);
        }
        wire
    }
}

/// The parsed request line and headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// Body length from `Content-Length`; zero without one.
    pub content_length: usize,
    pub expects_continue: bool,
    /// The client may send another request on this connection: HTTP/1.1
    /// without `Connection: close`.
    pub keep_alive: bool,
}

/// Limits applied while parsing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeadLimits {
    pub max_headers: usize,
    pub max_body_bytes: usize,
}

/// Where the head ends: the index just past the blank line.
pub(crate) fn head_end(buffer: &[u8]) -> Option<usize> {
    buffer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|position| position + 4)
}

/// Parses the head (request line and headers, without the final blank line). A rejection
/// is the error response to send.
pub(crate) fn parse_head(head: &[u8], limits: HeadLimits) -> Result<Head, Response> {
    let bad_request = |why: &str| Response::text(400, format!("Bad request: {why}\n"));
    let text = std::str::from_utf8(head).map_err(|_| bad_request("head is not UTF-8"))?;
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(path), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad_request("malformed request line"));
    };
    if method.is_empty() || !method.bytes().all(is_token_byte) {
        return Err(bad_request("malformed method"));
    }
    if path.is_empty() || path.bytes().any(|b| b.is_ascii_control()) {
        return Err(bad_request("malformed request target"));
    }
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(Response::text(
            505,
            "Only HTTP/1.0 and HTTP/1.1 are supported\n",
        ));
    }

    let mut headers = Vec::new();
    for line in lines.filter(|line| !line.is_empty()) {
        if headers.len() == limits.max_headers {
            return Err(Response::text(431, "Too many header fields\n"));
        }
        // Obsolete line folding (a line starting with white space) is rejected, as RFC
        // 9112 allows, rather than guessed at.
        let Some((name, value)) = line.split_once(':') else {
            return Err(bad_request("malformed header line"));
        };
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(bad_request("malformed header name"));
        }
        let value = value.trim_matches([' ', '\t']);
        if value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
            return Err(bad_request("control character in header value"));
        }
        headers.push((name.to_owned(), value.to_owned()));
    }

    let values = |wanted: &'static str| header_values(&headers, wanted);
    if values("transfer-encoding").next().is_some() {
        return Err(Response::text(
            411,
            "Chunked or otherwise encoded request bodies are not supported; send Content-Length\n",
        ));
    }
    let mut content_length: Option<u64> = None;
    for value in values("content-length") {
        let parsed = value
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| value.parse::<u64>().ok())
            .flatten()
            .ok_or_else(|| bad_request("malformed Content-Length"))?;
        if content_length.is_some_and(|previous| previous != parsed) {
            return Err(bad_request("conflicting Content-Length headers"));
        }
        content_length = Some(parsed);
    }
    let content_length = content_length.unwrap_or(0);
    if content_length > limits.max_body_bytes as u64 {
        return Err(Response::text(
            413,
            format!(
                "Request body of {content_length} bytes exceeds the limit of {} bytes\n",
                limits.max_body_bytes
            ),
        ));
    }
    let expects_continue = values("expect").any(|v| v.eq_ignore_ascii_case("100-continue"));
    let asks_to_close = values("connection")
        .flat_map(|v| v.split(','))
        .any(|option| option.trim().eq_ignore_ascii_case("close"));
    // HTTP/1.0 keep-alive is an old extension; those clients get one request.
    let keep_alive = version == "HTTP/1.1" && !asks_to_close;

    Ok(Head {
        method: method.to_owned(),
        path: path.to_owned(),
        content_length: usize::try_from(content_length).unwrap_or(usize::MAX),
        headers,
        expects_continue,
        keep_alive,
    })
}

fn header_values<'a>(
    headers: &'a [(String, String)],
    wanted: &'a str,
) -> impl Iterator<Item = &'a str> {
    headers
        .iter()
        .filter(move |(name, _)| name.eq_ignore_ascii_case(wanted))
        .map(|(_, value)| value.as_str())
}

/// RFC 9110 `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: HeadLimits = HeadLimits {
        max_headers: 4,
        max_body_bytes: 100,
    };

    fn status_of(head: &str) -> u16 {
        match parse_head(head.as_bytes(), LIMITS) {
            Ok(_) => 0,
            Err(response) => response.status,
        }
    }

    #[test]
    fn parses_a_soap_post() {
        let head = parse_head(
            b"POST /far?x=1 HTTP/1.1\r\nHost: localhost\r\ncontent-LENGTH: 12\r\nSOAPAction: \"\"",
            LIMITS,
        )
        .unwrap();
        assert_eq!(head.method, "POST");
        assert_eq!(head.path, "/far?x=1");
        assert_eq!(head.content_length, 12);
        assert_eq!(
            head.headers[2],
            ("SOAPAction".to_owned(), "\"\"".to_owned())
        );
        assert!(!head.expects_continue);
        assert!(head.keep_alive);
    }

    #[test]
    fn a_client_can_ask_to_close() {
        for (head, keep_alive) in [
            ("GET / HTTP/1.1\r\nConnection: keep-alive", true),
            ("GET / HTTP/1.1\r\nConnection: Close", false),
            ("GET / HTTP/1.1\r\nConnection: TE, close", false),
            ("GET / HTTP/1.0", false),
        ] {
            assert_eq!(
                parse_head(head.as_bytes(), LIMITS).unwrap().keep_alive,
                keep_alive
            );
        }
    }

    #[test]
    fn rejects_bad_heads_with_the_right_status() {
        for (head, status) in [
            ("GET /", 400),
            ("GET / HTTP/1.1 extra", 400),
            ("G(T / HTTP/1.1", 400),
            ("GET / HTTP/2.0", 505),
            ("GET / HTTP/1.1\r\nNoColon", 400),
            ("GET / HTTP/1.1\r\n folded: x", 400),
            ("GET / HTTP/1.1\r\nBad Name: x", 400),
            ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked", 411),
            ("POST / HTTP/1.1\r\nContent-Length: -1", 400),
            (
                "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2",
                400,
            ),
            (
                "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999",
                400,
            ),
            ("POST / HTTP/1.1\r\nContent-Length: 101", 413),
            (
                "GET / HTTP/1.1\r\na: 1\r\nb: 2\r\nc: 3\r\nd: 4\r\ne: 5",
                431,
            ),
        ] {
            assert_eq!(status_of(head), status, "{head:?}");
        }
        assert_eq!(status_of("POST / HTTP/1.1\r\nContent-Length: 100"), 0);
        assert_eq!(parse_head(&[0xff, 0xfe], LIMITS).unwrap_err().status, 400);
    }

    #[test]
    fn finds_the_end_of_the_head() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n\r\nbody"), Some(18));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n"), None);
    }

    #[test]
    fn response_wire_form_has_length_and_connection() {
        let wire = Response::text(404, "nope").to_wire(false, true);
        assert_eq!(
            String::from_utf8(wire).unwrap(),
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Length: 4\r\nConnection: close\r\n\r\nnope"
        );
        let kept = Response::text(200, "ok").to_wire(false, false);
        assert!(String::from_utf8(kept)
            .unwrap()
            .contains("\r\nConnection: keep-alive\r\n\r\nok"));
        let injected = Response::new(99, "a\r\nSet-Cookie: x", "").to_wire(true, true);
        let injected = String::from_utf8(injected).unwrap();
        assert!(injected.starts_with("HTTP/1.1 500 "));
        assert!(!injected.contains("\r\nSet-Cookie"));
    }
}
