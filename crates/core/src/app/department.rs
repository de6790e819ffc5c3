//! The application handle in department mode: drafts stay on this PC, and
//! a draft is sent by handing it to the department's `kuvert-server`
//! ([`Kuvert::hand_over_draft`]), which signs, sends and keeps the log.

use std::time::Duration;

use kuvert_store::DraftId;

use super::Kuvert;
use crate::department::wire::MessageView;
use crate::department::DepartmentClient;
use crate::error::Error;

impl Kuvert {
    /// Hands the saved draft `id` to the department server and removes it
    /// here once the server has stored the message; returns the message as
    /// it stands after the server's first step (at most `wait`).
    ///
    /// The draft is validated here first (the server validates it again).
    /// It is handed over under an id chosen once per draft and kept with
    /// it, so a hand-over repeated after a lost answer — even after a
    /// restart — stores one message on the server.
    ///
    /// # Errors
    ///
    /// [`Error::Compose`] when the draft is not sendable, the server's
    /// refusal ([`Error::Department`]), or [`Error::Call`] when it did not
    /// answer (the draft is kept; sending it again is safe).
    pub fn hand_over_draft(
        &self,
        client: &DepartmentClient,
        id: DraftId,
        wait: Duration,
    ) -> Result<MessageView, Error> {
        let draft = self.compose_form(id)?;
        self.validate(&draft)?;
        let fresh = uuid::Uuid::new_v4().to_string();
        let submission_id = self
            .store()
            .hand_over_id(id, &fresh)?
            .ok_or_else(|| Error::MessageNotFound(format!("draft {id}")))?;
        let accepted = client.submit(&draft, &submission_id)?;
        self.delete_draft(id)?;
        client.first_step(&accepted.message_id, wait)
    }
}
