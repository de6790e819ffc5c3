//! Department mode, the client side: a profile with `[department]` hands
//! its messages to the organisation's `kuvert-server`, which signs them with
//! the organisation certificate, sends them and keeps the shared sent log.
//! The officer authenticates with their own staff certificate (the
//! profile's `[certificate]`); the server's certificate is checked against
//! `department.ca_bundle`.
//!
//! - [`wire`]: the JSON both sides speak.
//! - [`Events`]: the changes the server pushes to open windows.
//! - [`DepartmentClient`]: submit, read a message, its history and the log;
//!   import a local log ([`Kuvert::imported_form`](crate::Kuvert::imported_form)).

mod client;
mod events;
mod migrate;
pub mod wire;

pub use client::DepartmentClient;
pub use events::{Events, Pushed};
