//! Integration tests of the wire format, judged by independent tools:
//! `xmllint --nonet --schema` against the official contracts and
//! `xmlsec1 --verify` for every signature.

mod conformance;
mod forge;
mod forgeries;
mod identity_table;
mod signatures;
mod soap;
mod support;
