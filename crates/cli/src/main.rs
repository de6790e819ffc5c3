//! The `kuvert` command: argument parsing and output only; everything it
//! does is in `kuvert-core` (and `kuvert-sandbox` for `kuvert sandbox`).

mod args;
mod commands;
mod department;
mod output;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // SAFETY: no other thread exists yet. The system CA list is never
    // trusted; this only spares each command the cost of parsing it.
    unsafe { kuvert_core::skip_system_ca_list() };
    let cli = args::Cli::parse();
    // Diagnostics on standard error, off unless KUVERT_LOG asks (e.g. KUVERT_LOG=debug).
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("KUVERT_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let json = cli.json;
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            output::error(json, &error);
            ExitCode::from(u8::try_from(error.code().exit_code()).unwrap_or(1))
        }
    }
}
