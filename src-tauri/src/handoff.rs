//! Files and fields handed to Kuvert by another program: a second start
//! (`kuvert-desktop --attach FILE… [--to ID] [--subject S] [--case DNR]`,
//! "Öppna med Kuvert", the Windows SendTo shortcut), a `kuvert://compose?…`
//! link, or a print job to the "Kuvert" printer ([`crate::print_inbox`]).
//!
//! Each becomes a [`ComposeRequest`] waiting in [`Handoffs`] until the
//! window takes it ([`crate::commands::take_compose_request`]), which makes
//! a draft of it (the files checked by the same type and size rules as the
//! file dialog's) and opens the compose form on it. A request is never
//! lost: the window takes the next one when it opens and whenever a compose
//! form closes, and a second start tells it at once ([`COMPOSE_EVENT`]).
//!
//! A link may fill in fields but never attach files: a web page can make
//! the browser open a `kuvert://` link, and it must not be able to put an
//! officer's local file in a message. Files come only from the command line
//! (which the officer's desktop builds) and from the officer's print jobs.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use tauri::{AppHandle, Emitter};

/// The event the window hears when a request waits (no payload: it asks
/// with [`crate::commands::take_compose_request`]).
pub const COMPOSE_EVENT: &str = "compose-requested";

/// The link scheme Kuvert registers (`kuvert://compose?to=…&subject=…&case=…`).
pub const LINK_SCHEME: &str = "kuvert";

/// What another program asked Kuvert to compose.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComposeRequest {
    /// Files to attach (absolute paths).
    pub files: Vec<PathBuf>,
    /// The recipient as given (checked as if typed).
    pub recipient: Option<String>,
    /// The subject.
    pub subject: Option<String>,
    /// The diarienummer as given.
    pub case_number: Option<String>,
    /// Files Kuvert owns (print jobs moved into the data directory), removed
    /// once attached or refused.
    pub owned: bool,
}

impl ComposeRequest {
    /// Whether there is nothing to compose.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
            && self.recipient.is_none()
            && self.subject.is_none()
            && self.case_number.is_none()
    }
}

/// Reads a start's arguments (without the program name), relative paths
/// taken from `cwd`: `--attach FILE…`, `--to ID`, `--subject S`,
/// `--case DNR`, a `kuvert://compose?…` link, `file://` URLs and plain
/// paths (what "Öppna med" passes). `None` when they ask for nothing.
/// Other options (`--test-environment`) are left to the app.
pub fn from_args<S: AsRef<str>>(args: &[S], cwd: &Path) -> Option<ComposeRequest> {
    let mut request = ComposeRequest::default();
    let mut args = args.iter().map(AsRef::as_ref).peekable();
    while let Some(arg) = args.next() {
        match arg {
            "--attach" => {
                while let Some(file) = args.next_if(|a| !a.starts_with("--")) {
                    request.files.push(absolute(file, cwd));
                }
            }
            "--to" => request.recipient = args.next().map(str::to_owned),
            "--subject" => request.subject = args.next().map(str::to_owned),
            "--case" => request.case_number = args.next().map(str::to_owned),
            option if option.starts_with("--") => {}
            link if link.starts_with(&format!("{LINK_SCHEME}:")) => {
                if let Some(fields) = from_link(link) {
                    request.recipient = fields.recipient.or(request.recipient);
                    request.subject = fields.subject.or(request.subject);
                    request.case_number = fields.case_number.or(request.case_number);
                } else {
                    tracing::warn!("ignored a link Kuvert does not know: {link}");
                }
            }
            file => {
                if let Some(path) = file_url(file) {
                    request.files.push(path);
                } else if !file.contains("://") {
                    request.files.push(absolute(file, cwd));
                }
            }
        }
    }
    (!request.is_empty()).then_some(request)
}

/// The fields of a `kuvert://compose?to=…&subject=…&case=…` link; `None`
/// for any other link. An `attach` parameter is ignored (see the module
/// documentation).
pub fn from_link(link: &str) -> Option<ComposeRequest> {
    let url = url::Url::parse(link).ok()?;
    // kuvert://compose?… has "compose" as its host; kuvert:compose?… as its path.
    let action = url.host_str().unwrap_or_else(|| url.path());
    if url.scheme() != LINK_SCHEME || action.trim_matches('/') != "compose" {
        return None;
    }
    let mut request = ComposeRequest::default();
    for (key, value) in url.query_pairs() {
        let value = Some(value.into_owned()).filter(|v| !v.trim().is_empty());
        match key.as_ref() {
            "to" => request.recipient = value,
            "subject" => request.subject = value,
            "case" => request.case_number = value,
            "attach" => tracing::warn!("a kuvert:// link cannot attach files; ignored"),
            _ => {}
        }
    }
    Some(request)
}

/// The path of a `file://` URL.
fn file_url(arg: &str) -> Option<PathBuf> {
    let url = url::Url::parse(arg).ok()?;
    (url.scheme() == "file")
        .then(|| url.to_file_path().ok())
        .flatten()
}

fn absolute(file: &str, cwd: &Path) -> PathBuf {
    let path = Path::new(file);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    }
}

/// The requests waiting for the window (Tauri-managed state).
#[derive(Debug, Default)]
pub struct Handoffs {
    waiting: Mutex<VecDeque<ComposeRequest>>,
}

impl Handoffs {
    /// Queues `request` and tells the window.
    pub fn hand_over(&self, app: &AppHandle, request: ComposeRequest) {
        self.push(request);
        if let Err(error) = app.emit(COMPOSE_EVENT, ()) {
            tracing::warn!("could not tell the window about a compose request: {error}");
        }
    }

    /// Queues `request` (told to the window by [`Handoffs::hand_over`]).
    pub fn push(&self, request: ComposeRequest) {
        self.lock().push_back(request);
    }

    /// Puts `request` back first (taken but not made into a draft).
    pub fn push_front(&self, request: ComposeRequest) {
        self.lock().push_front(request);
    }

    /// The oldest waiting request.
    pub fn take(&self) -> Option<ComposeRequest> {
        self.lock().pop_front()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<ComposeRequest>> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Option<ComposeRequest> {
        let parts: Vec<&str> = line.split(' ').filter(|p| !p.is_empty()).collect();
        from_args(&parts, Path::new("/home/officer"))
    }

    #[test]
    fn attach_takes_every_file_up_to_the_next_option_relative_to_the_working_directory() {
        let request =
            args("--attach beslut.pdf /tmp/bilaga.png --to 19850101-2382 --case KS").unwrap();
        assert_eq!(
            request.files,
            [
                PathBuf::from("/home/officer/beslut.pdf"),
                PathBuf::from("/tmp/bilaga.png")
            ]
        );
        assert_eq!(request.recipient.as_deref(), Some("19850101-2382"));
        assert_eq!(request.case_number.as_deref(), Some("KS"));
        assert!(!request.owned);
    }

    #[test]
    fn open_with_passes_plain_paths_and_file_urls() {
        let request = args("/tmp/a.pdf file:///tmp/%C3%A4rende%20b.pdf").unwrap();
        assert_eq!(
            request.files,
            [
                PathBuf::from("/tmp/a.pdf"),
                PathBuf::from("/tmp/ärende b.pdf")
            ]
        );
    }

    #[test]
    fn a_start_without_anything_to_compose_is_none() {
        assert_eq!(args(""), None);
        assert_eq!(args("--test-environment"), None);
        assert_eq!(args("--attach"), None);
        assert_eq!(args("https://example.org/x.pdf"), None);
    }

    #[test]
    fn a_link_fills_in_fields_but_never_attaches_a_file() {
        let request = args(
            "kuvert://compose?to=19850101-2382&subject=Beslut%20om%20bygglov&case=KS%202026%2F0042&attach=/home/officer/.ssh/id_rsa",
        )
        .unwrap();
        assert!(request.files.is_empty());
        assert_eq!(request.recipient.as_deref(), Some("19850101-2382"));
        assert_eq!(request.subject.as_deref(), Some("Beslut om bygglov"));
        assert_eq!(request.case_number.as_deref(), Some("KS 2026/0042"));
        assert_eq!(
            from_link("kuvert:compose?subject=A")
                .unwrap()
                .subject
                .as_deref(),
            Some("A")
        );
    }

    #[test]
    fn other_links_ask_for_nothing() {
        assert_eq!(from_link("kuvert://delete?id=1"), None);
        assert_eq!(from_link("https://compose?to=1"), None);
        assert_eq!(args("kuvert://send?to=19850101-2382"), None);
    }

    #[test]
    fn requests_are_taken_oldest_first() {
        let handoffs = Handoffs::default();
        for subject in ["a", "b"] {
            handoffs.push(ComposeRequest {
                subject: Some(subject.into()),
                ..ComposeRequest::default()
            });
        }
        assert_eq!(handoffs.take().unwrap().subject.as_deref(), Some("a"));
        assert_eq!(handoffs.take().unwrap().subject.as_deref(), Some("b"));
        assert_eq!(handoffs.take(), None);
    }
}
