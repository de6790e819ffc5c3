//! Status changes pushed to open windows: every history line is announced
//! with `NOTIFY kuvert_status, '<message id>'` in its own transaction
//! ([`crate::messages::add_history`]), so every instance hears every
//! change; each instance's listener hands the ids to its
//! [`Department::announce`], and `GET /v1/events` streams each one the
//! caller may read as a server-sent event (`event: status`, the message as
//! `GET /v1/messages/{id}` shows it).

use std::sync::Arc;
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;

use crate::department::Department;

/// The channel the history's notifications go on.
pub const CHANNEL: &str = "kuvert_status";

/// How long the listener waits before connecting again after losing the
/// database.
const RECONNECT: Duration = Duration::from_secs(2);

/// Starts the thread that listens for status changes on `database_url` and
/// announces them to `department`'s subscribers.
pub fn start(department: Arc<Department>, database_url: &str) {
    let url = database_url.to_string();
    std::thread::Builder::new()
        .name("kuvert-events".into())
        .spawn(move || loop {
            if let Err(error) = listen(&department, &url) {
                tracing::warn!(%error, "lost the status notifications; listening again");
            }
            // Whatever was missed meanwhile: clients read their folders again.
            department.announce_gap();
            std::thread::sleep(RECONNECT);
        })
        .expect("the events thread starts");
}

fn listen(department: &Department, url: &str) -> Result<(), postgres::Error> {
    let mut client = postgres::Client::connect(url, postgres::NoTls)?;
    client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
    let mut notifications = client.notifications();
    let mut waiting = notifications.blocking_iter();
    while let Some(notification) = waiting.next()? {
        department.announce(notification.payload());
    }
    Ok(())
}
