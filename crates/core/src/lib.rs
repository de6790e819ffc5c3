//! # kuvert-core
//!
//! The Kuvert application: everything the desktop shell and the `kuvert`
//! command-line tool call.
//!
//! - [`profile`]: the deployed configuration ([`Profile`](profile::Profile)):
//!   sender, intermediary endpoints, certificate, rules and case types, read
//!   from layered TOML files; builds the TLS client and the signing key.
//! - [`secrets`]: the certificate password in the OS keyring
//!   ([`Keyring`](secrets::Keyring), [`Password`](secrets::Password)).
//! - [`certificate_import`]: installing a PKCS#12 certificate into the
//!   per-user profile, its password into the keyring, all or nothing.
//! - [`compose`]: from the compose form ([`Draft`](compose::Draft)) to a
//!   validated message ([`Outgoing`](compose::Outgoing)) or every problem at
//!   once, in Swedish and English; the confirmation summary; the delivery.
//! - [`paths`]: where Kuvert keeps its files ([`Paths`](paths::Paths)): the
//!   one data directory the app and the CLI share, the store and Outbox lock
//!   in it, the profile files read, the certificate store, the log file; the
//!   one-time move of the app's old data folder.
//! - [`pdf`]: a small PDF writer, the paper route's letter and the sent log's
//!   report.
//! - [`local_time`]: Swedish local time (Europe/Stockholm) — every time a
//!   person reads (letters, reports, the CLI, the app, the exports) is shown
//!   in it; what is stored stays UTC.
//!
//! ```
//! use kuvert_core::compose::{Draft, Outgoing};
//! use kuvert_core::profile::Profile;
//! use kuvert_protocol::date::CalendarDate;
//!
//! let profile = Profile::from_toml_str(r#"
//!     [sender]
//!     organisation_number = "202100-3898"
//!     names = ["Kommun B"]
//!     [service]
//!     recipient_url = "https://127.0.0.1:8443/Recipient/v3"
//!     message_url = "https://127.0.0.1:8443/Message/v3"
//!     ca_bundle = "ca.pem"
//!     [certificate]
//!     pkcs12 = "sender.p12"
//! "#, std::path::Path::new("/etc/kuvert"))?;
//! let draft = Draft {
//!     recipient: "19850101-2390".into(),
//!     subject: "Komplettering".into(),
//!     body: "Vi behöver fler handlingar.".into(),
//!     protection_class: Some(4),
//!     ..Draft::default()
//! };
//! let today = CalendarDate::new(2026, 11, 23)?;
//! let problems = Outgoing::from_draft(&draft, &profile, today).unwrap_err();
//! // Class 4 and the missing diarienummer, reported together.
//! assert_eq!(problems.problems().len(), 2);
//! assert!(problems.problems()[0].swedish().contains("skyddsklass 4"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod app;
pub mod archive;
pub mod certificate_import;
pub mod compose;
pub mod compress;
pub mod department;
pub mod diagnostics;
pub mod doctor;
pub mod error;
pub mod export;
pub mod files;
pub mod filter;
#[cfg(test)]
#[path = "../../../fuzz/replay.rs"]
mod fuzz_replay;
#[doc(hidden)]
pub mod fuzzing;
pub mod lifecycle;
pub mod officer;
pub mod paths;
pub mod pdf;
pub mod pipeline;
pub mod profile;
pub mod reachability;
pub mod reason;
pub mod retention;
pub mod seams;
pub mod secrets;
pub mod verify;

pub use app::{
    CheckOutcome, Connection, Folder, FolderItem, FollowUpRefused, Kuvert, SendReport,
    WithdrawRefused, FOLDER_LIMIT,
};
pub use error::{Error, ErrorCode};
pub use export::ExportFormat;
/// The protocol's types that appear in this crate's API.
pub use kuvert_protocol::{
    delivery::{CaseNumber, MatterStatus, MessageId},
    identity::RecipientId,
    soap::Reachability,
};
/// The store's types that appear in this crate's API.
pub use kuvert_store::{
    AttemptFailure, CaseEvent, ChainBreak, ChainCheck, ChainCheckpoint, ChainScope, ChainVerdict,
    DraftAttachment, DraftFields, DraftId, DraftSummary, FollowUp, HandledNote, Mailbox, Message,
    MessageContent, NextState, Officer, PaperLetter, PurgeOrder, PurgeRecord, PurgeReport,
    SavedDraft, SendState, SentLogQuery, SentSummary, StatusEvent, StoredAttachment,
};
pub use kuvert_transport::skip_system_ca_list;

/// Swedish local time (Europe/Stockholm, with daylight saving time), the
/// time every date and time a person reads is shown in.
pub mod local_time {
    pub use kuvert_local_time::{offset_seconds, start_of_day, LocalTime};
}

/// The message id an officer or another program gave (`kuvert status ID`, a
/// click in the app): an id that is not even well-formed names no message,
/// so it is [`Error::MessageNotFound`].
pub fn message_id(text: &str) -> Result<MessageId, Error> {
    MessageId::new(text.trim()).map_err(|_| Error::MessageNotFound(text.to_owned()))
}
