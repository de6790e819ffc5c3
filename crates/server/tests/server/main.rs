//! Department mode against a real PostgreSQL server (started per test), the
//! built-in test environment and real mutual TLS.

mod bench;
mod department;
mod kills;
