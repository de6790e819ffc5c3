//! One TLS connection: handshake, then requests and responses in turn until either
//! side closes it (HTTP/1.1 keep-alive), then close.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use openssl::ssl::{HandshakeError, SslAcceptor, SslStream};

use super::http::{head_end, parse_head, HeadLimits, Request, Response};
use super::{Handler, ServerLimits};

/// How long a closing connection keeps reading (and discarding) what the client still
/// sends. See [`close_gently`].
const LINGER: Duration = Duration::from_secs(2);
/// How much a closing connection discards at most before giving up.
const MAX_DRAIN_BYTES: usize = 16 * 1024 * 1024;
const CHUNK: usize = 16 * 1024;

/// Serves one connection to completion. Every failure ends only this connection.
///
/// `handshakes` counts completed TLS handshakes, so that tests can see how
/// often clients connect.
pub(super) fn serve(
    stream: TcpStream,
    acceptor: &SslAcceptor,
    handler: &Handler,
    limits: &ServerLimits,
    handshakes: &AtomicU64,
) {
    // One deadline covers handshake and request, so a client trickling bytes cannot hold
    // a thread longer than a silent one. Each further request on the connection gets
    // the same allowance, counted from the previous response: waiting idle included.
    let mut deadline = Instant::now() + limits.request_timeout;
    // The handshake and each response go out in several small writes; with
    // Nagle's algorithm one of them waits for the client's delayed ACK
    // (some 40 ms) before leaving.
    if stream.set_nodelay(true).is_err()
        || set_read_deadline(&stream, deadline).is_err()
        || stream
            .set_write_timeout(Some(limits.request_timeout))
            .is_err()
    {
        return;
    }
    let mut tls = match acceptor.accept(stream) {
        Ok(tls) => tls,
        Err(HandshakeError::Failure(failed)) => {
            // OpenSSL has queued its alert (unknown CA, certificate required, …); make
            // sure the client gets to read it.
            close_gently(failed.get_ref());
            return;
        }
        // Time-out or OpenSSL set-up failure: nothing useful can reach the client.
        Err(_) => return,
    };
    handshakes.fetch_add(1, Ordering::Relaxed);
    let peer_certificate_der = tls
        .ssl()
        .peer_certificate()
        .and_then(|cert| cert.to_der().ok());

    // Bytes read past the end of one request: the start of the next.
    let mut pending = Vec::new();
    loop {
        let (response, keep_alive) = match read_request(&mut tls, limits, deadline, &mut pending) {
            Ok(Ok((head, body))) => {
                let head_only = head.method == "HEAD";
                let keep_alive = head.keep_alive;
                let request = Request {
                    method: head.method,
                    path: head.path,
                    headers: head.headers,
                    body,
                    peer_certificate_der: peer_certificate_der.clone(),
                };
                let response =
                    catch_unwind(AssertUnwindSafe(|| handler(request))).unwrap_or_else(|_| {
                        Response::text(500, "The test server's handler failed on this request\n")
                    });
                (response.to_wire(head_only, !keep_alive), keep_alive)
            }
            // A refused request may leave its body unread: the connection cannot go on.
            Ok(Err(rejection)) => (rejection.to_wire(false, true), false),
            // The client went away (or closed between requests) or was too slow: there
            // is nobody to answer, but a client still there learns that the
            // connection ends (TLS close_notify) rather than seeing it cut.
            Err(_) => {
                let _ = tls.shutdown();
                return;
            }
        };
        if tls.write_all(&response).and_then(|()| tls.flush()).is_err() {
            break;
        }
        if !keep_alive {
            let _ = tls.shutdown();
            break;
        }
        deadline = Instant::now() + limits.request_timeout;
    }
    close_gently(tls.get_ref());
}

type Incoming = Result<(super::http::Head, Vec<u8>), Response>;

/// Reads the head and body, starting with the `pending` bytes already read; bytes past
/// the body are left in `pending` for the next request. `Ok(Err(response))` is a
/// request refused with that response.
fn read_request(
    tls: &mut SslStream<TcpStream>,
    limits: &ServerLimits,
    deadline: Instant,
    pending: &mut Vec<u8>,
) -> io::Result<Incoming> {
    let mut buffer = std::mem::take(pending);
    let mut chunk = vec![0u8; CHUNK];
    let end = loop {
        if let Some(end) = head_end(&buffer) {
            break end;
        }
        if buffer.len() > limits.max_header_bytes {
            return Ok(Err(Response::text(431, "Request head too large\n")));
        }
        let read = read_before(tls, &mut chunk, deadline)?;
        buffer.extend_from_slice(&chunk[..read]);
    };
    if end > limits.max_header_bytes {
        return Ok(Err(Response::text(431, "Request head too large\n")));
    }
    let head_limits = HeadLimits {
        max_headers: limits.max_headers,
        max_body_bytes: limits.max_body_bytes,
    };
    let head = match parse_head(&buffer[..end - 4], head_limits) {
        Ok(head) => head,
        Err(rejection) => return Ok(Err(rejection)),
    };
    if head.expects_continue && head.content_length > 0 {
        tls.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        tls.flush()?;
    }

    let mut body = buffer.split_off(end);
    if body.len() > head.content_length {
        *pending = body.split_off(head.content_length);
    }
    body.reserve(head.content_length - body.len());
    while body.len() < head.content_length {
        let wanted = (head.content_length - body.len()).min(chunk.len());
        let read = read_before(tls, &mut chunk[..wanted], deadline)?;
        body.extend_from_slice(&chunk[..read]);
    }
    Ok(Ok((head, body)))
}

/// One read that gives up at `deadline`; end of stream is an error here because the
/// request is incomplete.
fn read_before(
    tls: &mut SslStream<TcpStream>,
    buffer: &mut [u8],
    deadline: Instant,
) -> io::Result<usize> {
    set_read_deadline(tls.get_ref(), deadline)?;
    match tls.read(buffer)? {
        0 => Err(io::ErrorKind::UnexpectedEof.into()),
        read => Ok(read),
    }
}

fn set_read_deadline(stream: &TcpStream, deadline: Instant) -> io::Result<()> {
    let remaining = deadline.saturating_duration_since(Instant::now());
    if remaining.is_zero() {
        return Err(io::ErrorKind::TimedOut.into());
    }
    stream.set_read_timeout(Some(remaining))
}

/// Closes without destroying what was just sent.
///
/// Closing a socket that still has unread input makes the kernel send a reset, and a
/// reset can make the client discard our last bytes — the response to a refused request
/// body, or the TLS alert that explains a rejected certificate. So: stop sending, then
/// read and discard until the client closes (bounded in time and bytes).
fn close_gently(stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let until = Instant::now() + LINGER;
    let mut sink = [0u8; CHUNK];
    let mut drained = 0;
    while drained < MAX_DRAIN_BYTES {
        if set_read_deadline(stream, until).is_err() {
            break;
        }
        match (&*stream).read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(read) => drained += read,
        }
    }
}
