//! The small seams that keep the application deterministic under test: the
//! clock, id generation, and named checkpoints in the send pipeline where a
//! test can stop the process the hard way.

use time::OffsetDateTime;

/// Where "now" comes from.
pub trait Clock: Send + Sync {
    /// The current time (UTC).
    fn now(&self) -> OffsetDateTime;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// Where message and correlation ids come from.
pub trait Ids: Send + Sync {
    /// A new, globally unique id.
    fn new_id(&self) -> String;
}

/// Random (version 4) UUIDs.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomIds;

impl Ids for RandomIds {
    fn new_id(&self) -> String {
        uuid::Uuid::new_v4().to_string()
    }
}

/// A named point in the send pipeline, reached after the step it names has
/// been made durable (or, for [`Checkpoint::Distributed`], after the
/// intermediary answered but before the answer is recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checkpoint {
    /// The signed message is stored; nothing has left the machine.
    Stored,
    /// The recipient's reachability is known.
    Checked,
    /// The intermediary accepted the delivery; the distribution id is not
    /// yet recorded.
    Distributed,
    /// The distribution id is recorded.
    Submitted,
}

impl Checkpoint {
    /// Every checkpoint, in pipeline order.
    pub const ALL: [Checkpoint; 4] = [
        Checkpoint::Stored,
        Checkpoint::Checked,
        Checkpoint::Distributed,
        Checkpoint::Submitted,
    ];

    /// The checkpoint's name (`stored`, `checked`, `distributed`, `submitted`).
    pub fn name(self) -> &'static str {
        match self {
            Checkpoint::Stored => "stored",
            Checkpoint::Checked => "checked",
            Checkpoint::Distributed => "distributed",
            Checkpoint::Submitted => "submitted",
        }
    }
}

/// Told when the pipeline passes a [`Checkpoint`]. The application installs
/// none; the crash tests install one that aborts the process there.
pub trait Checkpoints: Send + Sync {
    /// The pipeline reached `point` for `message_id`.
    fn reached(&self, point: Checkpoint, message_id: &str);
}

/// Does nothing at checkpoints.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoCheckpoints;

impl Checkpoints for NoCheckpoints {
    fn reached(&self, _: Checkpoint, _: &str) {}
}
