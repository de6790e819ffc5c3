//! End-to-end tests of the `kuvert` binary against the built-in test
//! environment, started in this process over real TLS; SQLite on disk.

mod support;

mod bad_input;
mod certificate;
mod crash;
mod events;
mod paths;
mod proxy;
mod record;
mod send;
mod verify;
