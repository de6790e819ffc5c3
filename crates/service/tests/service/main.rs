//! Integration tests of the service side: the HTTPS/mTLS server over 127.0.0.1 with
//! certificates from kuvert-testpki, and the SOAP answers against the captured vectors
//! in `tests/vectors/`, judged by `xmllint` against the official contracts.

mod support;

mod server;
