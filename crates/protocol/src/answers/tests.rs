//! Unit tests of the server-side SOAP messages.
