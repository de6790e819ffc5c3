//! Integration tests: real certificates from kuvert-testpki, the real server (from
//! kuvert-service) over 127.0.0.1, the real client. No mocks.

mod support;

mod client;
mod failures;
mod identity;
mod intermediary;
mod tls;
