//! The Outbox worker: threads that claim due items and move them on
//! ([`Department::work_once`]), woken at once by `NOTIFY kuvert_outbox`
//! when a message is stored (by this instance or another) and otherwise
//! every poll interval, when retries and status checks fall due.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;

use crate::department::Department;

/// Starts `threads` worker threads.
pub fn start(
    department: Arc<Department>,
    database_url: &str,
    threads: usize,
    poll: Duration,
) -> Vec<JoinHandle<()>> {
    (0..threads.max(1))
        .map(|n| {
            let department = Arc::clone(&department);
            let url = database_url.to_string();
            std::thread::Builder::new()
                .name(format!("kuvert-worker-{n}"))
                .spawn(move || run(&department, &url, poll))
                .expect("a worker thread starts")
        })
        .collect()
}

fn run(department: &Department, database_url: &str, poll: Duration) {
    let mut listener: Option<postgres::Client> = None;
    loop {
        loop {
            match department.work_once() {
                Ok(true) => continue,
                Ok(false) => break,
                Err(error) => {
                    tracing::warn!(%error, "the Outbox worker cannot reach the database");
                    std::thread::sleep(poll);
                    break;
                }
            }
        }
        // Wait for a NOTIFY, or the poll interval.
        if listener.is_none() {
            listener = postgres::Client::connect(database_url, postgres::NoTls)
                .and_then(|mut c| c.batch_execute("LISTEN kuvert_outbox").map(|()| c))
                .ok();
        }
        let lost = match listener.as_mut() {
            Some(client) => {
                let mut notifications = client.notifications();
                let mut waiting = notifications.timeout_iter(poll);
                waiting.next().err()
            }
            None => {
                std::thread::sleep(poll);
                None
            }
        };
        if let Some(error) = lost {
            tracing::warn!(%error, "lost the Outbox notifications; listening again");
            listener = None;
        }
    }
}
