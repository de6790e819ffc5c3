//! The mailbox folders the officer sees, and which messages each holds.

use kuvert_store::{FollowUp, SentLogQuery, SentSummary};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::SendState;

use super::Kuvert;

/// A folder of the officer's mailbox view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Folder {
    /// Stored and not yet accepted by the intermediary (queued or signed).
    Outbox,
    /// In the Outbox with a failed attempt outstanding.
    NeedsAttention,
    /// Accepted by the intermediary: submitted, pending or delivered.
    Sent,
    /// Recorded as sent on paper.
    Paper,
    /// Could not be delivered, or given up.
    Failed,
}

/// How many messages a folder lists at most (the sent log's search finds
/// the rest).
pub const FOLDER_LIMIT: u32 = 500;

/// One message in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderItem {
    /// The message as the sent log lists it.
    pub summary: SentSummary,
    /// Why it failed or what the last failed attempt said, when known.
    pub reason: Option<String>,
    /// For a Failed message: what the officer did about it, if anything
    /// (sent again, or handled outside Kuvert). One not followed up is
    /// waiting for the officer.
    pub follow_up: Option<FollowUp>,
}

impl Kuvert {
    /// The messages of `folder`, newest first.
    pub fn folder(&self, folder: Folder) -> Result<Vec<FolderItem>, Error> {
        let states = match folder {
            Folder::Outbox => {
                return self
                    .outbox_where(|m| matches!(m.state, SendState::Queued | SendState::Signed))
            }
            Folder::NeedsAttention => return self.outbox_where(|m| m.last_failure.is_some()),
            Folder::Sent => vec![
                SendState::Submitted,
                SendState::Pending,
                SendState::Delivered,
            ],
            Folder::Paper => vec![SendState::Paper],
            Folder::Failed => vec![SendState::Failed],
        };
        let query = SentLogQuery {
            states,
            limit: FOLDER_LIMIT,
            ..SentLogQuery::default()
        };
        let failed = folder == Folder::Failed;
        self.store
            .search(&query)?
            .into_iter()
            .map(|summary| {
                let follow_up = if failed {
                    self.store.follow_up(&summary.message_id)?
                } else {
                    None
                };
                Ok(FolderItem {
                    summary,
                    reason: None,
                    follow_up,
                })
            })
            .collect()
    }

    /// Every message not yet final (the Outbox and what it is waiting on),
    /// oldest first.
    pub fn outbox(&self) -> Result<Vec<crate::Message>, Error> {
        Ok(self.store.outbox()?)
    }

    fn outbox_where(
        &self,
        keep: impl Fn(&crate::Message) -> bool,
    ) -> Result<Vec<FolderItem>, Error> {
        let mut items: Vec<FolderItem> = self
            .store
            .outbox()?
            .iter()
            .filter(|m| keep(m))
            .map(|m| FolderItem {
                summary: SentSummary::from(m),
                reason: m
                    .failure_reason
                    .clone()
                    .or_else(|| m.last_failure.as_ref().map(|f| f.reason.clone())),
                follow_up: None,
            })
            .collect();
        items.reverse();
        Ok(items)
    }
}
