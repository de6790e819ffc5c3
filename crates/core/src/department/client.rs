//! [`DepartmentClient`]: the officer's side of `kuvert-server`'s API.

use kuvert_transport::{CaBundle, Download, HttpReply, HttpsClient};
use serde::de::DeserializeOwned;

use super::wire::{
    Accepted, ApiError, ExportFilter, HistoryLine, LogCheck, MessageView, PurgeAnswer,
    PurgeRecordView, PurgeRequest, RecipientAnswer, RecipientQuestion, Submission, WhoAmI,
};
use crate::compose::Draft;
use crate::error::Error;
use crate::profile::{Department, Profile, ProfileError};
use crate::secrets::{Keyring, Password};

/// How many times a submission is handed over again after the connection
/// failed before an answer came (the same submission id each time, so the
/// server stores it once).
const SUBMIT_ATTEMPTS: u32 = 3;

/// A connection to the department's server. Cheap to clone.
#[derive(Clone)]
pub struct DepartmentClient {
    pub(super) https: HttpsClient,
    pub(super) base: String,
}

impl std::fmt::Debug for DepartmentClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DepartmentClient")
            .field("base", &self.base)
            .finish()
    }
}

impl DepartmentClient {
    /// The client of `profile`'s department server, with the officer's
    /// certificate (`password` opens a PKCS#12 file).
    ///
    /// # Errors
    ///
    /// [`Error::Profile`] when the profile is not in department mode or its
    /// certificate or CA bundle is not usable.
    pub fn for_profile(profile: &Profile, password: Option<&Password>) -> Result<Self, Error> {
        let department = profile.department().ok_or_else(|| ProfileError::Invalid {
            file: profile.files().last().cloned().unwrap_or_default(),
            key: "department.url".into(),
            reason: "missing; this profile is not in department mode".into(),
        })?;
        let mut config = profile.client_config(password)?;
        config.ca = ca_bundle(department)?;
        let https = HttpsClient::new(config).map_err(|e| ProfileError::Invalid {
            file: department.ca_bundle.clone(),
            key: "department.ca_bundle".into(),
            reason: e.to_string(),
        })?;
        Ok(DepartmentClient {
            https,
            base: department.url.clone(),
        })
    }

    /// The client of `profile`'s department server, the officer's PKCS#12
    /// certificate opened with its password from `keyring` (a PEM one needs
    /// none).
    ///
    /// # Errors
    ///
    /// The keyring's error when the password is not stored, else as
    /// [`DepartmentClient::for_profile`].
    pub fn from_keyring(profile: &Profile, keyring: &Keyring) -> Result<Self, Error> {
        let password = if profile.certificate().needs_password() {
            Some(keyring.password(profile)?.0)
        } else {
            None
        };
        DepartmentClient::for_profile(profile, password.as_ref())
    }

    /// Who the server says this officer is.
    ///
    /// # Errors
    ///
    /// [`Error::Department`] or [`Error::Call`].
    pub fn who_am_i(&self) -> Result<WhoAmI, Error> {
        self.get("/v1/whoami")
    }

    /// Hands `draft` to the server, which validates it again, signs it with
    /// the organisation certificate and stores it before it answers; the
    /// server's worker then sends it. `submission_id` makes a repeat store
    /// nothing new: a connection that fails before the answer is retried.
    ///
    /// # Errors
    ///
    /// [`Error::Department`] with the server's problems, or [`Error::Call`]
    /// when no answer came (the message may then already be stored: submit
    /// again with the same id).
    pub fn submit(&self, draft: &Draft, submission_id: &str) -> Result<Accepted, Error> {
        let body = serde_json::to_vec(&Submission::from_draft(draft, submission_id))
            .expect("a submission serialises");
        let url = format!("{}/v1/messages", self.base);
        let mut attempt = 1;
        loop {
            match self.https.call_json(&url, Some(body.clone())) {
                Ok(reply) => return answer(reply),
                Err(error) if attempt < SUBMIT_ATTEMPTS && error.is_retryable() => {
                    tracing::warn!(%error, attempt, "the department server did not answer; handing the message over again");
                    attempt += 1;
                }
                Err(error) => return Err(Error::Call(error.into())),
            }
        }
    }

    /// The message as it stands once the server's worker has taken its
    /// first step (submitted, paper, failed, or a failed attempt it will
    /// retry), or as it stands when `wait` is over: it is safe in the
    /// server's Outbox either way.
    ///
    /// # Errors
    ///
    /// As [`DepartmentClient::message`].
    pub fn first_step(
        &self,
        message_id: &str,
        wait: std::time::Duration,
    ) -> Result<MessageView, Error> {
        let deadline = std::time::Instant::now() + wait;
        let mut message = self.message(message_id)?;
        while message.state == "signed"
            && message.retry_reason.is_none()
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(200));
            message = self.message(message_id)?;
        }
        Ok(message)
    }

    /// One message of the log as the server shows it to this caller (an
    /// officer sees only their own: another's is "not found").
    ///
    /// # Errors
    ///
    /// [`Error::MessageNotFound`], [`Error::Department`] or [`Error::Call`].
    pub fn message(&self, message_id: &str) -> Result<MessageView, Error> {
        self.get(&format!("/v1/messages/{}", encode(message_id)))
    }

    /// A message's history, oldest first.
    ///
    /// # Errors
    ///
    /// As [`DepartmentClient::message`].
    pub fn history(&self, message_id: &str) -> Result<Vec<HistoryLine>, Error> {
        self.get(&format!("/v1/messages/{}/history", encode(message_id)))
    }

    /// The log this caller may read, newest first: at most `limit`
    /// messages, matching `text` (in subject, body, recipient or
    /// diarienummer) when given.
    ///
    /// # Errors
    ///
    /// [`Error::Department`] or [`Error::Call`].
    pub fn log(&self, text: Option<&str>, limit: u32) -> Result<Vec<MessageView>, Error> {
        let mut path = format!("/v1/messages?limit={limit}");
        if let Some(text) = text {
            path.push_str("&q=");
            path.push_str(&encode(text));
        }
        self.get(&path)
    }

    /// Asks the server whether recipients can receive secure digital mail
    /// (it asks FaR with the organisation's certificate).
    ///
    /// # Errors
    ///
    /// [`Error::Department`] or [`Error::Call`].
    pub fn check(&self, inputs: &[String]) -> Result<Vec<RecipientAnswer>, Error> {
        let body = serde_json::to_vec(&RecipientQuestion {
            inputs: inputs.to_vec(),
        })
        .expect("a question serialises");
        let url = format!("{}/v1/recipients", self.base);
        let reply = self
            .https
            .call_json(&url, Some(body))
            .map_err(|e| Error::Call(e.into()))?;
        answer(reply)
    }

    /// The messages of one of the officer's folders, newest first (a
    /// registrar's hold the organisation's messages they may read).
    ///
    /// # Errors
    ///
    /// [`Error::Department`] or [`Error::Call`].
    pub fn folder(&self, folder: crate::Folder) -> Result<Vec<MessageView>, Error> {
        let name = match folder {
            crate::Folder::Outbox => "outbox",
            crate::Folder::NeedsAttention => "needs_attention",
            crate::Folder::Sent => "sent",
            crate::Folder::Paper => "paper",
            crate::Folder::Failed => "failed",
        };
        self.get(&format!("/v1/messages?folder={name}"))
    }

    /// The printed letter of a message sent on paper (PDF).
    ///
    /// # Errors
    ///
    /// As [`DepartmentClient::message`].
    pub fn letter(&self, message_id: &str) -> Result<Vec<u8>, Error> {
        let url = format!("{}/v1/messages/{}/letter", self.base, encode(message_id));
        let reply = self
            .https
            .call_json(&url, None)
            .map_err(|e| Error::Call(e.into()))?;
        if reply.status == 200 {
            return Ok(reply.body);
        }
        answer::<()>(reply).map(|()| Vec::new())
    }

    /// The CSV export of what the caller may read (`text`: a substring of
    /// the search text), written to `out`: first to `out` with `.part`
    /// added, renamed into place once complete, so a failed download
    /// leaves no file that looks finished. Returns the number of messages.
    ///
    /// # Errors
    ///
    /// [`Error::Department`] (`forbidden` for administrators),
    /// [`Error::Call`], or [`Error::File`] when `out` cannot be written.
    pub fn export_csv(&self, filter: &ExportFilter, out: &std::path::Path) -> Result<u64, Error> {
        let mut query = Vec::new();
        if let Some(text) = &filter.text {
            query.push(format!("q={}", encode(text)));
        }
        if let Some(case) = &filter.case {
            query.push(format!("case={}", encode(case)));
        }
        let url = format!("{}/v1/export.csv?{}", self.base, query.join("&"));
        self.download(&url, out)
    }

    /// The filing package (E-ARK SIP, ZIP) of message `message_id`, or of
    /// every message of `case` the caller may read, written to `out` as
    /// [`DepartmentClient::export_csv`] writes. Returns the number of
    /// messages in it.
    ///
    /// # Errors
    ///
    /// [`Error::MessageNotFound`] when the caller may read nothing it
    /// names, otherwise as [`DepartmentClient::export_csv`].
    pub fn archive(
        &self,
        message_id: Option<&str>,
        case: Option<&str>,
        out: &std::path::Path,
    ) -> Result<u64, Error> {
        let query = match (message_id, case) {
            (Some(id), _) => format!("message={}", encode(id)),
            (None, Some(case)) => format!("case={}", encode(case)),
            (None, None) => String::new(),
        };
        self.download(&format!("{}/v1/archive?{query}", self.base), out)
    }

    /// Downloads `url` into `out` by way of `out.part`; the answer's
    /// `X-Kuvert-Rows`.
    fn download(&self, url: &str, out: &std::path::Path) -> Result<u64, Error> {
        let mut part = out.as_os_str().to_owned();
        part.push(".part");
        let part = std::path::PathBuf::from(part);
        let file = std::fs::File::create(&part).map_err(Error::file(&part))?;
        let outcome = self.https.download(url, file);
        let saved = match outcome {
            Ok(Download::Saved { headers, .. }) => headers,
            Ok(Download::Refused(reply)) => {
                let _ = std::fs::remove_file(&part);
                return answer::<()>(reply).map(|()| 0);
            }
            Err(e) => {
                let _ = std::fs::remove_file(&part);
                return Err(Error::Call(e.into()));
            }
        };
        std::fs::rename(&part, out).map_err(Error::file(out))?;
        Ok(saved
            .iter()
            .find(|(name, _)| name == "x-kuvert-rows")
            .and_then(|(_, rows)| rows.parse().ok())
            .unwrap_or(0))
    }

    /// The recorded purges of the department log, oldest first
    /// (registrars).
    ///
    /// # Errors
    ///
    /// [`Error::Department`] (`forbidden` for officers) or [`Error::Call`].
    pub fn purges(&self) -> Result<Vec<PurgeRecordView>, Error> {
        self.get("/v1/purges")
    }

    /// The server's check of the whole log's chain (registrars).
    ///
    /// # Errors
    ///
    /// [`Error::Department`] (`forbidden` for officers) or [`Error::Call`].
    pub fn verify_log(&self) -> Result<LogCheck, Error> {
        self.get("/v1/log/verify")
    }

    /// Purges what the retention rule allows (registrars).
    ///
    /// # Errors
    ///
    /// [`Error::Department`]: `forbidden` for officers, `invalid_input`
    /// when the order is shorter than the rule.
    pub fn purge(&self, older_than_days: u32, dry_run: bool) -> Result<PurgeAnswer, Error> {
        let body = serde_json::to_vec(&PurgeRequest {
            older_than_days,
            dry_run,
        })
        .expect("a purge request serialises");
        let url = format!("{}/v1/purge", self.base);
        let reply = self
            .https
            .call_json(&url, Some(body))
            .map_err(|e| Error::Call(e.into()))?;
        answer(reply)
    }

    /// Records that the caller's Failed message was handled outside Kuvert,
    /// with `note`; the message as it stands then.
    ///
    /// # Errors
    ///
    /// [`Error::Department`] (`invalid_input` for a bad note, a message not
    /// Failed or already followed up; `not_found`) or [`Error::Call`].
    pub fn mark_handled(&self, message_id: &str, note: &str) -> Result<MessageView, Error> {
        let body = serde_json::to_vec(&super::wire::HandledRequest {
            note: note.to_string(),
        })
        .expect("a note serialises");
        let url = format!("{}/v1/messages/{}/handled", self.base, encode(message_id));
        let reply = self
            .https
            .call_json(&url, Some(body))
            .map_err(|e| Error::Call(e.into()))?;
        answer(reply)
    }

    /// Imports one message of the officer's local log; `false` when the
    /// server has it already (a migration run again adds nothing).
    ///
    /// # Errors
    ///
    /// [`Error::Department`] (`invalid_input` when it is another
    /// organisation's) or [`Error::Call`].
    pub fn import(&self, message: &super::wire::ImportedMessage) -> Result<bool, Error> {
        let body = serde_json::to_vec(message).expect("a message serialises");
        let url = format!("{}/v1/import", self.base);
        let reply = self
            .https
            .call_json(&url, Some(body))
            .map_err(|e| Error::Call(e.into()))?;
        let accepted: Accepted = answer(reply)?;
        Ok(accepted.created)
    }

    fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        let url = format!("{}{path}", self.base);
        let reply = self
            .https
            .call_json(&url, None)
            .map_err(|e| Error::Call(e.into()))?;
        answer(reply)
    }
}

fn ca_bundle(department: &Department) -> Result<CaBundle, ProfileError> {
    let invalid = |reason: String| ProfileError::Invalid {
        file: department.ca_bundle.clone(),
        key: "department.ca_bundle".into(),
        reason,
    };
    let bytes = std::fs::read(&department.ca_bundle).map_err(|e| invalid(e.to_string()))?;
    CaBundle::from_pem(&bytes).map_err(|e| invalid(e.to_string()))
}

/// A 2xx reply's JSON, or the server's error.
fn answer<T: DeserializeOwned>(reply: HttpReply) -> Result<T, Error> {
    if (200..300).contains(&reply.status) {
        return serde_json::from_slice(&reply.body).map_err(|e| Error::Department {
            code: "internal".into(),
            message: format!("Servern svarade något Kuvert inte förstår: {e}"),
            problems: Vec::new(),
        });
    }
    Err(refusal(reply))
}

/// The server's error answer.
pub(super) fn refusal(reply: HttpReply) -> Error {
    let error: ApiError = serde_json::from_slice(&reply.body).unwrap_or_else(|_| ApiError {
        code: "internal".into(),
        message: format!("Servern svarade med HTTP {}.", reply.status),
        problems: Vec::new(),
    });
    if error.code == "not_found" {
        return Error::MessageNotFound(error.message);
    }
    Error::Department {
        code: error.code,
        message: error.message,
        problems: error.problems,
    }
}

/// Percent-encodes a path segment or query value.
fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
