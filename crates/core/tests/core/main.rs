//! Integration tests of kuvert-core, one module per feature.

mod certificate_import;
mod compose;
mod connection;
mod envelope;
mod facade;
mod pdf;
mod profile;
mod relay;
mod scan;
mod secrets;
mod support;
