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

fn announce(app: &AppHandle, change: &StatusChange) {
    if let Err(error) = app.emit(STATUS_EVENT, change) {
        tracing::warn!(%error, "the window could not be told");
    }
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
