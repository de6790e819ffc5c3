//! End-to-end tests of the `kuvert` binary against the built-in test
//! environment, started in this process over real TLS; SQLite on disk.

mod support;

mod bad_input;
mod certificate;
mod crash;
mod department;
mod direct;
mod doctor;
mod envelope;
mod events;
mod paths;
mod proxy;
mod record;
#[path = "../../../core/tests/core/scan.rs"]
mod scan;
mod send;
mod verify;
