//! Integration tests of kuvert-core, one module per feature.

mod certificate_import;
mod compose;
mod facade;
mod pdf;
mod profile;
mod secrets;
mod support;
