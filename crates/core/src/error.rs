//! The application's error type and the few codes shells act on.

use std::path::PathBuf;

use kuvert_protocol::delivery::SignOrDeliveryError;
use kuvert_protocol::identity::IdentityError;
use kuvert_protocol::verify::VerifyError;
use kuvert_store::StoreError;
use kuvert_transport::CallError;

use crate::certificate_import::ImportError;
use crate::compose::ComposeError;
use crate::paths::DataDirError;
use crate::profile::ProfileError;
use crate::secrets::SecretError;

/// What a shell needs to decide what to do with an error: the CLI maps it to
/// an exit code, the desktop UI to a text and an action. Nothing else about
/// an error should be matched on outside the core.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The input is wrong; correct it and try again.
    InvalidInput,
    /// The recipient cannot receive secure digital mail.
    NotReachable,
    /// The intermediary or the network failed; the item is kept and retried.
    Remote,
    /// A signature or the sent log's hash chain does not verify.
    Verification,
    /// The profile, certificate or keyring is not usable.
    Configuration,
    /// No such message or draft.
    NotFound,
    /// The local store or a file could not be read or written.
    Storage,
}

impl ErrorCode {
    /// The `kuvert` command's exit code for this kind of error.
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorCode::InvalidInput | ErrorCode::NotFound | ErrorCode::Configuration => 2,
            ErrorCode::NotReachable => 3,
            ErrorCode::Remote => 4,
            ErrorCode::Verification => 5,
            ErrorCode::Storage => 1,
        }
    }
}

/// Why an application operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The message as composed is not valid (every problem is listed).
    #[error("{0}")]
    Compose(#[from] ComposeError),
    /// A recipient identity number is not valid.
    #[error("{input:?} is not a valid identity number: {reason}")]
    InvalidRecipient {
        /// The text as entered.
        input: String,
        /// What is wrong with it.
        reason: IdentityError,
    },
    /// Some other input is not valid.
    #[error("{field}: {reason}")]
    InvalidInput {
        /// Which input.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The profile could not be used.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// The certificate password could not be read from or written to the keyring.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// A certificate could not be imported (nothing was changed).
    #[error(transparent)]
    CertificateImport(#[from] ImportError),
    /// The delivery could not be built or signed.
    #[error("the message could not be signed: {0}")]
    Signing(#[from] SignOrDeliveryError),
    /// A call to the intermediary failed.
    #[error("the intermediary could not be reached or refused the call: {0}")]
    Call(#[from] CallError),
    /// An attached PDF could not be compressed (it is left as it was).
    #[error("{file}: {source}")]
    Compress {
        /// The attachment's file name.
        file: String,
        /// Why.
        source: crate::compress::CompressError,
    },
    /// A message whose outcome is unknown was checked by resubmitting it
    /// with the same ids, and the intermediary's answer still did not say.
    #[error("{message_id} could not be checked: {reason}")]
    StillUnknown {
        /// The message.
        message_id: String,
        /// What the resubmission ran into (as recorded).
        reason: String,
    },
    /// The message was stored in the Outbox, but what came after could not
    /// be done or recorded (a full disk, the lock file): it may already be
    /// on its way. It stays in the Outbox and is finished with the same ids
    /// (which the intermediary recognises), never sent as a second copy.
    #[error("message {message_id} is stored in the Outbox and may already be on its way to the recipient, but then {cause}. It stays in the Outbox: Kuvert finishes it with the same ids when it can (`kuvert resume`); do not send it again")]
    Unfinished {
        /// The stored message.
        message_id: String,
        /// What failed after it was stored.
        cause: Box<Error>,
    },
    /// A signed delivery could not be sealed (direct mode).
    #[error("the message could not be sealed for the mailbox operator: {0}")]
    Seal(#[from] kuvert_protocol::seal::SealError),
    /// A signature does not verify.
    #[error("the signature does not verify: {0}")]
    Verification(#[from] VerifyError),
    /// The sent log's hash chain is broken.
    #[error("the sent log has been altered: {0}")]
    LogAltered(String),
    /// A move the send lifecycle does not have.
    #[error(transparent)]
    NotAMove(#[from] crate::lifecycle::NotAMove),
    /// No message with this id.
    #[error("no message with id {0}")]
    MessageNotFound(String),
    /// A purge that would remove messages younger than the organisation's
    /// retention rule.
    #[error("the organisation keeps the sent log for at least {rule} days (the profile's retention rule); purging messages final for only {asked} days is refused — ask for {rule} days or more")]
    TooYoungToPurge {
        /// The days asked for.
        asked: u32,
        /// The shortest rule.
        rule: u32,
    },
    /// A purge by an officer the profile does not name as a purger.
    #[error("{account} may not purge the sent log: the profile's [retention] purgers does not name this account or a group of it (purging is a registrar's act; ask IT)")]
    NotAPurger {
        /// The officer's account.
        account: String,
    },
    /// The system cannot say which account is logged in, so there is no
    /// officer to record as the sender.
    #[error("the system does not say which account is logged in; Kuvert records who sends every message and cannot send without it")]
    Officer,
    /// A failed message could not be followed up (sent again, marked as
    /// handled).
    #[error(transparent)]
    FollowUp(#[from] crate::app::FollowUpRefused),
    /// A message could not be withdrawn from the Outbox.
    #[error(transparent)]
    Withdraw(#[from] crate::app::WithdrawRefused),
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The data directory cannot be used (or the old app folder's data
    /// cannot be moved into it now).
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    /// Department mode's server refused or failed the request.
    #[error("{message}")]
    Department {
        /// The server's code (`invalid_input`, `forbidden`, `unknown_caller`,
        /// `unavailable`, `internal`).
        code: String,
        /// What went wrong, in Swedish.
        message: String,
        /// Each problem of an invalid message, in Swedish.
        problems: Vec<String>,
    },
    /// Department mode's database failed (in `kuvert-server`'s pipeline).
    #[error("the department database: {detail}")]
    Database {
        /// Whether another worker moved the message first (not a failure
        /// of the database).
        conflict: bool,
        /// What failed.
        detail: String,
    },
    /// A PDF could not be written.
    #[error(transparent)]
    Pdf(#[from] crate::pdf::PdfError),
    /// A file the officer picked was not read (not a file, too large,
    /// unreadable).
    #[error(transparent)]
    InputFile(#[from] crate::files::InputFileError),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

impl Error {
    /// The code shells act on.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Compose(_)
            | Error::InvalidRecipient { .. }
            | Error::InvalidInput { .. }
            | Error::InputFile(_) => ErrorCode::InvalidInput,
            Error::Profile(_) | Error::Secret(_) | Error::Signing(_) => ErrorCode::Configuration,
            Error::CertificateImport(e) => match e {
                ImportError::Read { .. }
                | ImportError::WrongPassword { .. }
                | ImportError::Unusable { .. }
                | ImportError::NotValidNow { .. }
                | ImportError::OtherOrganisation { .. } => ErrorCode::InvalidInput,
                ImportError::Write { .. } => ErrorCode::Storage,
                _ => ErrorCode::Configuration,
            },
            Error::Call(_) | Error::StillUnknown { .. } => ErrorCode::Remote,
            Error::Verification(_) | Error::LogAltered(_) => ErrorCode::Verification,
            Error::MessageNotFound(_) => ErrorCode::NotFound,
            Error::Officer => ErrorCode::Configuration,
            Error::TooYoungToPurge { .. } | Error::NotAPurger { .. } => ErrorCode::InvalidInput,
            Error::Compress { .. } | Error::FollowUp(_) | Error::Withdraw(_) => {
                ErrorCode::InvalidInput
            }
            Error::Store(StoreError::MessageNotFound { .. }) => ErrorCode::NotFound,
            Error::Department { code, .. } => match code.as_str() {
                "invalid_input" => ErrorCode::InvalidInput,
                "not_found" => ErrorCode::NotFound,
                "forbidden" => ErrorCode::InvalidInput,
                "unknown_caller" => ErrorCode::Configuration,
                "unavailable" => ErrorCode::Remote,
                _ => ErrorCode::Storage,
            },
            Error::Database { .. } => ErrorCode::Storage,
            Error::Unfinished { cause, .. } => cause.code(),
            Error::DataDir(DataDirError::NoDataDir | DataDirError::NetworkShare { .. }) => {
                ErrorCode::Configuration
            }
            Error::Store(_)
            | Error::File { .. }
            | Error::Pdf(_)
            | Error::Seal(_)
            | Error::DataDir(_)
            | Error::NotAMove(_) => ErrorCode::Storage,
        }
    }

    /// A file error for `path`.
    pub(crate) fn file(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::File { path, source }
    }
}
