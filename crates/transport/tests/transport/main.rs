//! Integration tests for kuvert-transport: the real client against the real
//! server over 127.0.0.1, with certificates from kuvert-testpki.

mod common;
mod errors;
mod identity;
mod limits;
mod mtls;
