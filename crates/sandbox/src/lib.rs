//! Kuvert's built-in test environment (skeleton).
#![deny(missing_docs)]
