//! The Kuvert application core (skeleton).
#![deny(missing_docs)]
