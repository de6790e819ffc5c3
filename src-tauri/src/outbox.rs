//! The background loop that works through the Outbox (submits due messages,
//! follows statuses), tells the window what changed (event
//! `message-status`) and notifies the officer when a message is delivered
//! or has failed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use kuvert_core::{Kuvert, MessageId, SendState};
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_notification::NotificationExt;

use crate::dto::{MessageState, StatusChange};
use crate::preferences::{self, Language};
use crate::session::{Recipe, Session};

/// The event name the UI listens to.
pub const STATUS_EVENT: &str = "message-status";

/// Bumped each time a profile is opened, so the loop of a previous one ends.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Starts following the Outbox of `recipe` (ending any previous loop).
pub fn follow(app: AppHandle, recipe: Recipe) {
    let generation = GENERATION.fetch_add(1, Ordering::SeqCst) + 1;
    if recipe.department().is_some() {
        std::thread::spawn(move || follow_department(&app, &recipe, generation));
        return;
    }
    std::thread::spawn(move || {
        let kuvert = match recipe.open() {
            Ok(kuvert) => kuvert,
            Err(error) => {
                tracing::error!(%error, "the Outbox cannot be followed");
                return;
            }
        };
        while GENERATION.load(Ordering::SeqCst) == generation {
            // A period, not synchronisation: the loop polls the Outbox.
            std::thread::sleep(recipe.interval);
            for change in round(&kuvert) {
                announce(&app, &change);
            }
        }
    });
}

/// One pass over the Outbox; the messages whose state changed.
pub(crate) fn round(kuvert: &Kuvert) -> Vec<StatusChange> {
    let before: HashMap<MessageId, SendState> = match kuvert.outbox() {
        Ok(messages) => messages
            .into_iter()
            .map(|m| (m.content.message_id, m.state))
            .collect(),
        Err(error) => {
            tracing::warn!(%error, "reading the Outbox failed");
            return Vec::new();
        }
    };
    if let Err(error) = kuvert.process_outbox() {
        tracing::warn!(%error, "working through the Outbox failed");
    }
    before
        .into_iter()
        .filter_map(|(id, state)| {
            let now = kuvert.message(&id).ok()?;
            (now.state != state).then(|| StatusChange {
                message_id: id.to_string(),
                state: now.state.into(),
                subject: now.content.subject.to_string(),
                recipient: now.content.recipient.display_form(),
            })
        })
        .collect()
}

/// How long the loop waits before it reconnects to the department server.
const DEPARTMENT_RETRY: std::time::Duration = std::time::Duration::from_secs(5);

/// Department mode: the server sends; this follows the officer's own
/// messages on it and tells the window (and the officer) what changed. The
/// server pushes each change (server-sent events) and the window hears of
/// it at once; on every (re)connection the officer's newest messages are
/// read and compared with the states last seen ([`Followed`]), which also
/// catches what changed while the app was closed.
fn follow_department(app: &AppHandle, recipe: &Recipe, generation: u64) {
    let Some(link) = recipe.department() else {
        return;
    };
    let Some(data_dir) = app
        .try_state::<Session>()
        .map(|s| s.data_dir().to_path_buf())
    else {
        return;
    };
    let followed = Followed::at(&data_dir);
    let current = || GENERATION.load(Ordering::SeqCst) == generation;
    while current() {
        if let Err(error) = follow_once(app, link, &followed, &current) {
            tracing::warn!(%error, "the department server could not be followed");
        }
        // A period, not synchronisation: the loop reconnects after a pause.
        std::thread::sleep(DEPARTMENT_RETRY);
    }
}

/// One connection: catches up, then takes the server's pushes until the
/// stream ends (or another profile was opened).
fn follow_once(
    app: &AppHandle,
    link: &crate::department::Link,
    followed: &Followed,
    current: &dyn Fn() -> bool,
) -> Result<(), kuvert_core::Error> {
    use kuvert_core::department::Pushed;
    let client = link.client()?;
    let me = client.who_am_i()?.identity;
    // Subscribed before catching up: a change in between is not lost.
    let events = client.events();
    let catch_up = || -> Result<(), kuvert_core::Error> {
        let mine: Vec<_> = client
            .log(None, DEPARTMENT_WINDOW)?
            .into_iter()
            .filter(|m| m.officer == me)
            .collect();
        for change in followed.round(&mine) {
            announce(app, &change);
        }
        Ok(())
    };
    catch_up()?;
    for pushed in events {
        if !current() {
            return Ok(());
        }
        match pushed? {
            Pushed::Status(m) if m.officer == me => {
                let changes = followed.round(std::slice::from_ref(&m));
                if changes.is_empty() {
                    // Nothing to interrupt the officer for; the window
                    // still shows it.
                    if let Ok(change) = crate::department::change(&m) {
                        tell_window(app, &change);
                    }
                }
                for change in changes {
                    announce(app, &change);
                }
            }
            Pushed::Status(_) => {}
            Pushed::Resync => catch_up()?,
        }
    }
    Ok(())
}

/// How many of the officer's newest messages each round looks at.
const DEPARTMENT_WINDOW: u32 = 200;

/// The states last seen of the officer's messages on the department server
/// that were not final, kept in the data directory so that a message that
/// was delivered (or failed) while the app was closed is announced on the
/// next start.
pub(crate) struct Followed {
    file: std::path::PathBuf,
}

impl Followed {
    /// The record kept in `data_dir`.
    pub(crate) fn at(data_dir: &std::path::Path) -> Followed {
        Followed {
            file: data_dir.join("department-followed.json"),
        }
    }

    fn load(&self) -> HashMap<String, String> {
        std::fs::read(&self.file)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    fn save(&self, states: &HashMap<String, String>) {
        let bytes = serde_json::to_vec(states).unwrap_or_default();
        if let Err(error) = kuvert_core::files::write_private(&self.file, &bytes) {
            tracing::warn!(%error, "the followed messages could not be saved");
        }
    }

    /// Starts following a message just handed to the server, so that its
    /// next state is announced even when it comes before the next round.
    pub(crate) fn expect(&self, message: &kuvert_core::department::wire::MessageView) {
        if SendState::parse(&message.state).is_some_and(SendState::is_final) {
            return;
        }
        let _held = FOLLOWED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut states = self.load();
        states.insert(message.message_id.clone(), message.state.clone());
        self.save(&states);
    }

    /// The changes since the states last seen, given the officer's
    /// messages as they stand; remembers the ones not yet final.
    pub(crate) fn round(
        &self,
        messages: &[kuvert_core::department::wire::MessageView],
    ) -> Vec<StatusChange> {
        let _held = FOLLOWED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut states = self.load();
        let mut changes = Vec::new();
        for m in messages {
            let before = states.remove(&m.message_id);
            if before.as_deref().is_some_and(|b| b != m.state) {
                match crate::department::change(m) {
                    Ok(change) => changes.push(change),
                    Err(error) => tracing::warn!(%error, "a message's state was not understood"),
                }
            }
            let last = SendState::parse(&m.state).is_none_or(|s| !s.is_final());
            if last {
                states.insert(m.message_id.clone(), m.state.clone());
            }
        }
        // Followed messages beyond this round's window stay followed.
        self.save(&states);
        changes
    }
}

/// One writer of the followed record at a time (the loop and a send).
static FOLLOWED: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Tells the window that a message changed.
fn tell_window(app: &AppHandle, change: &StatusChange) {
    if let Err(error) = app.emit(STATUS_EVENT, change) {
        tracing::warn!(%error, "the window could not be told");
    }
}

fn announce(app: &AppHandle, change: &StatusChange) {
    tell_window(app, change);
    let language = app
        .try_state::<Session>()
        .and_then(|session| preferences::load(session.data_dir()).language)
        .unwrap_or_default();
    let Some((title, body)) = notification(change, language) else {
        return;
    };
    // Without a notification daemon (e.g. under Xvfb) this fails; the
    // window shows the change anyway.
    if let Err(error) = app.notification().builder().title(title).body(body).show() {
        tracing::info!(%error, "no desktop notification");
    }
}

/// The notification for a change, in the officer's language: delivered,
/// failed and gone to paper are worth interrupting for; the steps on the
/// way are not.
pub(crate) fn notification(
    change: &StatusChange,
    language: Language,
) -> Option<(&'static str, String)> {
    let title = match (change.state, language) {
        (MessageState::Delivered, Language::Sv) => "Meddelandet har levererats",
        (MessageState::Delivered, Language::En) => "The message has been delivered",
        (MessageState::Failed, Language::Sv) => "Meddelandet kunde inte skickas",
        (MessageState::Failed, Language::En) => "The message could not be sent",
        (MessageState::Paper, Language::Sv) => "Meddelandet ska skickas på papper",
        (MessageState::Paper, Language::En) => "The message is to be sent on paper",
        _ => return None,
    };
    // A notification may show on a locked screen: the number is masked.
    let recipient = kuvert_protocol::identity::mask_identity_numbers(&change.recipient);
    Some((title, format!("{} – {recipient}", change.subject)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on_server(id: &str, state: &str) -> kuvert_core::department::wire::MessageView {
        serde_json::from_value(serde_json::json!({
            "message_id": id, "officer": "anna@kommun.example", "officer_name": "Anna",
            "unit": null, "sender_name": "Nämnden", "recipient": "19850101-2382",
            "subject": "Beslut", "case_number": null, "state": state,
            "state_at": "2026-12-04T10:00:00Z", "created_at": "2026-12-04T10:00:00Z",
            "distribution_id": null, "mailbox_operator": null, "failure_reason": null,
            "retry_reason": null, "attachments": []
        }))
        .unwrap()
    }

    #[test]
    fn a_department_message_delivered_while_the_app_was_closed_is_announced_at_the_next_start() {
        let dir = tempfile::tempdir().unwrap();
        let followed = Followed::at(dir.path());
        followed.expect(&on_server("m-1", "signed"));
        // Nothing changed yet; an unknown final message is not announced.
        let seen = followed.round(&[on_server("m-1", "signed"), on_server("m-0", "delivered")]);
        assert!(seen.is_empty());
        // The app closes; the server delivers m-1; the app starts again
        // (a new Followed on the same data directory).
        let again = Followed::at(dir.path());
        let changes = again.round(&[on_server("m-1", "delivered")]);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].state, MessageState::Delivered);
        // Final now: not announced twice.
        assert!(again.round(&[on_server("m-1", "delivered")]).is_empty());
        // A message beyond the window stays followed until it shows.
        again.expect(&on_server("m-2", "submitted"));
        assert!(again.round(&[]).is_empty());
        let later = again.round(&[on_server("m-2", "failed")]);
        assert_eq!(later[0].state, MessageState::Failed);
    }

    #[test]
    fn notifications_speak_the_chosen_language_and_hide_the_number() {
        let change = |state| StatusChange {
            message_id: "m".into(),
            state,
            subject: "Beslut om bygglov".into(),
            recipient: "19850101-2382".into(),
        };
        let (title, body) = notification(&change(MessageState::Delivered), Language::Sv).unwrap();
        assert_eq!(title, "Meddelandet har levererats");
        assert_eq!(body, "Beslut om bygglov – 19850101-****");
        let (title, _) = notification(&change(MessageState::Failed), Language::En).unwrap();
        assert_eq!(title, "The message could not be sent");
        let (title, _) = notification(&change(MessageState::Paper), Language::Sv).unwrap();
        assert_eq!(title, "Meddelandet ska skickas på papper");
        assert_eq!(
            notification(&change(MessageState::Signed), Language::Sv),
            None
        );
    }
}
