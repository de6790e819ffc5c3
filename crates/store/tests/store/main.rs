//! Integration tests of kuvert-store against real on-disk SQLite databases.

mod atomicity;
mod chain;
mod concurrency;
mod drafts;
mod events;
mod export;
mod follow_up;
mod migrations;
mod record;
mod search;
mod support;
mod transitions;
