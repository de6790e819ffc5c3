//! The `kuvert` command.
fn main() {}
