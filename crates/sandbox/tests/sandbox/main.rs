//! The sandbox against Kuvert's real client over real TLS: one binary, a
//! module per feature.

mod clock;
mod conformance;
mod distribution;
mod operator;
mod persistence;
mod reachability;
mod refusals;
mod support;
mod web;
