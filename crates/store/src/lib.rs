//! SQLite store for Kuvert (skeleton; see the crate README in progress).
#![deny(missing_docs)]
