//! `kuvert-server`: department mode's server. Argument parsing and output
//! only; everything else is the library's.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kuvert_server::config::ServerConfig;
use kuvert_server::db::Database;
use kuvert_server::staff::{Role, StaffMember};

#[derive(Parser)]
#[command(
    name = "kuvert-server",
    version,
    about = "Kuvert's department server: the shared sent log and Outbox on PostgreSQL"
)]
struct Args {
    /// The server's configuration file.
    #[arg(
        long,
        env = "KUVERT_SERVER_CONFIG",
        default_value = "/etc/kuvert/server.toml"
    )]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serves the API and runs the Outbox worker (the default).
    Serve,
    /// Applies the database migrations and exits.
    Migrate,
    /// Manages the staff table.
    #[command(subcommand)]
    User(UserCommand),
    /// Checks the log's hash chain.
    VerifyLog,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Adds or changes a member of staff.
    Add {
        /// The identity their certificate names (e-mail, HSA-id or name).
        identity: String,
        /// officer, registrar or administrator.
        #[arg(long)]
        role: String,
        /// Their name as the log shows it.
        #[arg(long)]
        name: Option<String>,
        /// An officer's unit.
        #[arg(long)]
        unit: Option<String>,
        /// A unit a registrar reads (repeat; none for the whole organisation).
        #[arg(long = "reads-unit")]
        units: Vec<String>,
    },
    /// Removes a member of staff.
    Remove {
        /// Their identity.
        identity: String,
    },
    /// Lists the staff.
    List,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KUVERT_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    match run(args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("kuvert-server: {error:#}");
            ExitCode::from(1)
        }
    }
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = ServerConfig::load(&args.config)?;
    let database = || Database::connect(&config.database_url, 2);
    match args.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let running = kuvert_server::start(&config)?;
            println!("kuvert-server listening on https://{}", running.address);
            loop {
                std::thread::park();
            }
        }
        Command::Migrate => {
            let applied = database()?.migrate()?;
            println!("{applied} migration(s) applied");
        }
        Command::User(UserCommand::Add {
            identity,
            role,
            name,
            unit,
            units,
        }) => {
            let role = Role::parse(&role).ok_or_else(|| {
                anyhow::anyhow!("{role:?} is not a role: officer, registrar or administrator")
            })?;
            let db = database()?;
            db.migrate()?;
            db.put_staff(&StaffMember {
                name: name.unwrap_or_else(|| identity.clone()),
                identity: identity.trim().to_string(),
                role,
                unit,
                units,
            })?;
            println!("{identity}: {}", role.name());
        }
        Command::User(UserCommand::Remove { identity }) => {
            if !database()?.remove_staff(&identity)? {
                eprintln!("kuvert-server: no member of staff is {identity}");
                return Ok(ExitCode::from(2));
            }
        }
        Command::User(UserCommand::List) => {
            for member in database()?.staff()? {
                println!(
                    "{}\t{}\t{}\t{}",
                    member.identity,
                    member.role.name(),
                    member.name,
                    member.unit.unwrap_or_default()
                );
            }
        }
        Command::VerifyLog => {
            let key = kuvert_server::chain::ChainKey::load(&config.chain_key_file)?;
            let report = database()?.as_service(|tx| kuvert_server::chain::verify(tx, &key))?;
            if report.intact() {
                println!(
                    "intact: {} entries over {} messages",
                    report.entries, report.messages
                );
            } else {
                for line in &report.breaks {
                    println!("BROKEN: {line}");
                }
                return Ok(ExitCode::from(5));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
