//! Status changes the department server pushes (`GET /v1/events`,
//! server-sent events): [`DepartmentClient::events`] follows the stream on
//! a thread of its own and hands each change over as an [`Events`] item.

use std::sync::mpsc;
use std::time::Duration;

use kuvert_transport::{Download, HttpsClient};

use super::client::refusal;
use super::wire::MessageView;
use super::DepartmentClient;
use crate::error::Error;

/// The server says it is alive every 15 s; a stream silent for longer than
/// this is taken as lost.
const SILENT_AT_MOST: Duration = Duration::from_secs(45);

/// One thing the server pushed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pushed {
    /// A message the caller may read changed: as it stands now.
    Status(Box<MessageView>),
    /// Changes may have been missed: read the folders again.
    Resync,
}

/// The server's pushes, in order, until the stream ends (its last item is
/// then the error that ended it). Dropping it ends the stream.
#[derive(Debug)]
pub struct Events {
    pushed: mpsc::Receiver<Result<Pushed, Error>>,
}

impl Iterator for Events {
    type Item = Result<Pushed, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.pushed.recv().ok()
    }
}

impl DepartmentClient {
    /// Follows the server's pushes of changes to the messages this caller
    /// may read (an officer: their own).
    pub fn events(&self) -> Events {
        let (tx, pushed) = mpsc::channel();
        let https: HttpsClient = self.https.clone();
        let url = format!("{}/v1/events", self.base);
        std::thread::spawn(move || {
            let sink = Parser {
                line: Vec::new(),
                event: String::new(),
                data: String::new(),
                tx: tx.clone(),
            };
            let ended = match https.stream(&url, sink, SILENT_AT_MOST) {
                Ok(Download::Refused(reply)) => refusal(reply),
                Ok(Download::Saved { .. }) => Error::Department {
                    code: "unavailable".into(),
                    message: "Avdelningens server avslutade strömmen av ändringar.".into(),
                    problems: Vec::new(),
                },
                Err(error) => Error::Call(error.into()),
            };
            let _ = tx.send(Err(ended));
        });
        Events { pushed }
    }
}

/// Reads `text/event-stream` as it arrives: `event:` and `data:` lines
/// make an event, an empty line dispatches it, `:` lines keep it alive.
struct Parser {
    line: Vec<u8>,
    event: String,
    data: String,
    tx: mpsc::Sender<Result<Pushed, Error>>,
}

impl Parser {
    fn take_line(&mut self, line: &str) -> std::io::Result<()> {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            let event = std::mem::take(&mut self.event);
            let data = std::mem::take(&mut self.data);
            let pushed = match event.as_str() {
                "status" => match serde_json::from_str::<MessageView>(&data) {
                    Ok(view) => Some(Pushed::Status(Box::new(view))),
                    // Not understood: read everything again instead.
                    Err(_) => Some(Pushed::Resync),
                },
                "resync" => Some(Pushed::Resync),
                _ => None,
            };
            if let Some(pushed) = pushed {
                self.tx
                    .send(Ok(pushed))
                    .map_err(|_| std::io::Error::other("no longer followed"))?;
            }
        } else if let Some(value) = field(line, "event") {
            self.event = value.to_string();
        } else if let Some(value) = field(line, "data") {
            if !self.data.is_empty() {
                self.data.push('\n');
            }
            self.data.push_str(value);
        }
        Ok(())
    }
}

/// The value of a `name: value` line of the stream.
fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let value = line.strip_prefix(name)?.strip_prefix(':')?;
    Some(value.strip_prefix(' ').unwrap_or(value))
}

impl std::io::Write for Parser {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        for &byte in bytes {
            if byte == b'\n' {
                let line = String::from_utf8_lossy(&self.line).into_owned();
                self.line.clear();
                self.take_line(&line)?;
            } else {
                self.line.push(byte);
            }
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn the_event_stream_is_read_across_chunks_and_comments_keep_it_alive() {
        let (tx, rx) = mpsc::channel();
        let mut parser = Parser {
            line: Vec::new(),
            event: String::new(),
            data: String::new(),
            tx,
        };
        let view = serde_json::json!({
            "message_id": "m-1", "officer": "a", "officer_name": "A", "unit": null,
            "sender_name": "N", "recipient": "19850101-2382", "subject": "S",
            "case_number": null, "state": "delivered", "state_at": "t", "created_at": "t",
            "distribution_id": null, "mailbox_operator": null, "failure_reason": null,
            "retry_reason": null, "attachments": []
        })
        .to_string();
        let stream = format!(":keep-alive\n\nevent: status\r\ndata: {view}\r\n\r\nevent: resync\ndata:\n\nevent: other\ndata: x\n\n");
        let (first, second) = stream.as_bytes().split_at(40);
        parser.write_all(first).unwrap();
        parser.write_all(second).unwrap();
        let got: Vec<Pushed> = rx.try_iter().map(Result::unwrap).collect();
        assert_eq!(got.len(), 2, "{got:?}");
        match &got[0] {
            Pushed::Status(view) => assert_eq!(view.state, "delivered"),
            other => panic!("{other:?}"),
        }
        assert_eq!(got[1], Pushed::Resync);
        // Once nobody follows, the stream is refused (and so it ends).
        drop(rx);
        assert!(parser.write_all(b"event: resync\n\n").is_err());
    }
}
