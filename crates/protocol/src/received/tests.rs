//! Unit tests of the received-delivery reader.
