//! The command line, as clap parses it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Kuvert: send secure digital messages through Mina meddelanden and keep a
/// diarienummer-linked sent log.
///
/// Exit codes: 0 ok, 2 invalid input, 3 recipient not reachable (sent on
/// paper), 4 remote or transport error (kept in the Outbox), 5 verification
/// failed (a signature or the sent log does not verify), 6 the signatures
/// are correct but not vouched for (`verify`: signer not trusted, not the
/// sender or intermediary, or certificate not for signing or not valid),
/// 1 anything else.
#[derive(Debug, Parser)]
#[command(name = "kuvert", version)]
pub struct Cli {
    /// The profile (TOML). Default: $XDG_CONFIG_HOME/kuvert/profile.toml over
    /// /etc/kuvert/profile.toml.
    #[arg(long, global = true, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// The data directory (the local store), shared with the desktop app.
    /// Default: $KUVERT_DATA_DIR, else $XDG_DATA_HOME/kuvert
    /// (~/.local/share/kuvert); `kuvert paths` shows it.
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Machine-readable JSON output.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Can these recipients receive secure digital mail?
    Check {
        /// Personnummer, samordningsnummer or organisationsnummer, any common format.
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
    },
    /// Send a message (or write the signed delivery with --dry-run).
    Send(SendArgs),
    /// Show a message's status and history.
    Status {
        /// The message id.
        message_id: String,
        /// Ask the intermediary now.
        #[arg(long)]
        refresh: bool,
    },
    /// Write the print file of a message sent on paper: its letter (with
    /// the address in the envelope's window), then the pages of each PDF
    /// attachment.
    Letter {
        /// The message id.
        message_id: String,
        /// Where to write it (default: kuvert-<message id>.pdf here).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Record that a Failed message was handled outside Kuvert (by
    /// telephone, handed over in person, …), with a note in its sealed
    /// history. It stays Failed and is followed up at most once.
    Handled {
        /// The Failed message's id.
        message_id: String,
        /// How it was handled (1–500 characters).
        #[arg(long)]
        note: String,
    },
    /// Withdraw a message from the Outbox before it is handed to the
    /// intermediary: it stays in the sent log as withdrawn (nothing left
    /// Kuvert) and a draft made of it is kept for the desktop app. Refused
    /// (exit 2) once the intermediary may have it.
    Withdraw {
        /// The message id.
        message_id: String,
    },
    /// Work through the Outbox: retry what is due, refresh statuses.
    Resume,
    /// Search the sent log.
    Log(Filters),
    /// A case's event messages (händelsemeddelanden), oldest first: each
    /// with its recipient, state, matter status and the event it follows.
    Thread {
        /// The diarienummer (compared without regard to letter case and spacing).
        #[arg(value_name = "DNR")]
        case: String,
    },
    /// Export the sent log, with the purges (gallringar) done in it.
    ///
    /// Times are Swedish local time: in CSV and JSON Lines ISO 8601 with the
    /// offset (2026-12-02T00:15:03+01:00), in the PDF to the minute. CSV
    /// writes the messages to FILE and the purges, a second table, to
    /// FILE-gallringar.csv beside it (logg.csv → logg-gallringar.csv); JSON
    /// Lines ends with one "record": "purge" object per purge; the PDF has a
    /// "Gallringar" section. Every purge is exported, whatever the filters.
    Export {
        /// csv, jsonl or pdf.
        #[arg(long)]
        format: String,
        /// The file to write (for CSV also FILE-gallringar.csv).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Which entries.
        #[command(flatten)]
        filters: Filters,
    },
    /// Write a filing package (E-ARK SIP, FGS Paketstruktur 2.0, as a ZIP):
    /// of one message, or of every message of a case and/or a date range.
    ///
    /// The package holds METS.xml with every file's SHA-256, Dublin Core and
    /// PREMIS metadata, the message as PDF/A, the attachments, the signed
    /// delivery exactly as sent and, for the paper route, the letter.
    #[command(group(clap::ArgGroup::new("selection").required(true).multiple(true).args(["message_id", "case", "from", "to"])))]
    Archive {
        /// The message id (or select with --case, --from, --to).
        #[arg(conflicts_with_all = ["case", "from", "to"])]
        message_id: Option<String>,
        /// Every message of this diarienummer, or of a prefix ending in `*`.
        #[arg(long, value_name = "DNR")]
        case: Option<String>,
        /// Messages from this date (YYYY-MM-DD, a Swedish day).
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Messages up to and including this date (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        /// The ZIP file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Verify the signatures of a signed or sealed delivery.
    ///
    /// FILE is a SignedDelivery or SealedDelivery, or a SOAP envelope with a
    /// distributeSecure or deliverSecure. "OK" (JSON "valid": true, exit 0)
    /// only when every signature is correct over the very element the file
    /// presents (no wrapping, unique ids, the signature last where the schema
    /// puts it, the seal over its own SignedDelivery), every signer chains to
    /// the CA certificates (--ca, else the profile's CA bundle), holds a
    /// signing certificate valid today (and on the seal's day), the sender's
    /// signature is by the organisation in Sender/Id and the seal by the
    /// intermediary (--intermediary or --intermediary-cert).
    ///
    /// Exit codes: 0 valid; 5 not a correct signature over the delivery
    /// presented (forged, changed, wrapped, malformed); 6 the signatures are
    /// mathematically correct but not vouched for (no CA, signer not trusted,
    /// not the sender or intermediary, not a signing certificate, not valid);
    /// 2 unreadable file or bad option.
    Verify {
        /// The XML file.
        file: PathBuf,
        /// Require the signers' certificates to chain to these CA
        /// certificates (PEM). Default: the profile's CA bundle.
        #[arg(long, value_name = "PEM")]
        ca: Option<PathBuf>,
        /// The intermediary that must have sealed a sealed delivery, by
        /// organisation number.
        #[arg(long, value_name = "ORGNR", conflicts_with = "intermediary_cert")]
        intermediary: Option<String>,
        /// The intermediary that must have sealed, by its certificate (PEM).
        #[arg(long, value_name = "PEM")]
        intermediary_cert: Option<PathBuf>,
    },
    /// Check that the sent log has not been altered: every entry and what
    /// it seals, or with --since-checkpoint only what was added since the
    /// last check that found it intact.
    VerifyLog {
        /// Check only the entries added since the latest checkpoint (and that
        /// the chain still ends there with the hash then recorded). Entries
        /// before it are re-read only by a full check.
        #[arg(long)]
        since_checkpoint: bool,
    },
    /// Retention purge (gallring) of messages final for more than DAYS.
    Purge {
        /// Age in days.
        #[arg(long, value_name = "DAYS")]
        older_than: u32,
        /// Only report what would be purged.
        #[arg(long)]
        dry_run: bool,
    },
    /// List the purges done: when, by whom, under which rule, how many, the ids' digest.
    Purges,
    /// Move this computer's sent log to the department server: every
    /// message with its ids, history, letters and attachments becomes the
    /// officer's in the shared log. Safe to run again (what the server has
    /// is left alone); refused while the local Outbox has unsent messages
    /// or the local log does not verify.
    MigrateToDepartment {
        /// The department profile (with `[department]` and the officer's
        /// own certificate) to move the log to.
        #[arg(long, value_name = "PROFILE")]
        to: PathBuf,
    },
    /// Run the built-in test environment until interrupted.
    Sandbox {
        /// Where its certificates, records and profile.toml live.
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        /// Also set up department mode: a private PostgreSQL server (unless
        /// --database-url), a test staff PKI, DIR/server.toml for
        /// kuvert-server and the profiles officer-a.toml, officer-b.toml and
        /// registrar.toml.
        #[arg(long)]
        department: bool,
        /// The PostgreSQL database department mode uses instead of a private one.
        #[arg(long, value_name = "URL", requires = "department")]
        database_url: Option<String>,
    },
    /// Install the organisation's PKCS#12 certificate (.p12/.pfx) in the
    /// per-user profile; its password, read from standard input, goes into
    /// the OS keyring. All or nothing.
    ImportCertificate {
        /// The PKCS#12 file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Check what sending needs and say what to fix: the profile, the
    /// organisation's certificate (validity, days left, organisation
    /// number), the password in the keyring, the CA bundle, each endpoint
    /// over mutual TLS, the data directory. Exit 0 when all is well, 7 when
    /// something needs attention soon (a certificate expiring within
    /// --warn-days), 2 when sending does not work.
    Doctor {
        /// Warn about a certificate expiring within this many days.
        #[arg(long, value_name = "N", default_value_t = kuvert_core::doctor::WARN_DAYS[0])]
        warn_days: u32,
        /// Also write a diagnostics bundle for support to FILE (a ZIP: the
        /// findings, the profile files and the end of the log, identity
        /// numbers masked; never messages, certificates or keys).
        #[arg(long, value_name = "FILE")]
        bundle: Option<PathBuf>,
    },
    /// Where Kuvert keeps its files: the data directory, the store and its
    /// Outbox lock, the profile files read, the certificate store, the log
    /// file, and the desktop app's old data folder if there is one.
    Paths,
    /// Store or forget the certificate password in the OS keyring.
    Password {
        /// set (reads the password from standard input) or forget.
        #[arg(value_parser = ["set", "forget"])]
        action: String,
        /// The password of direct mode's own seal certificate (`[seal]`)
        /// instead of the organisation's.
        #[arg(long)]
        seal: bool,
    },
}

/// `kuvert send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// The recipient's identity number.
    #[arg(long, value_name = "ID")]
    pub to: String,
    /// The subject (at most 255 characters).
    #[arg(long)]
    pub subject: Option<String>,
    /// The message text.
    #[arg(long, conflicts_with = "body_file")]
    pub body: Option<String>,
    /// Read the message text from a file.
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<PathBuf>,
    /// Attach a file (repeatable).
    #[arg(long, value_name = "FILE")]
    pub attach: Vec<PathBuf>,
    /// Protection class (skyddsklass) 1, 2 or 3.
    #[arg(long)]
    pub class: Option<u8>,
    /// The diarienummer.
    #[arg(long, value_name = "DNR")]
    pub case: Option<String>,
    /// For an organisation: the person or function it is for.
    #[arg(long)]
    pub attention: Option<String>,
    /// Start from this case type of the profile.
    #[arg(long, value_name = "NAME")]
    pub case_type: Option<String>,
    /// Send as an event message (händelsemeddelande); needs --case. It
    /// names the latest event in the case to the same recipient (not failed,
    /// not sent on paper) as its PrecedingEventId; so does --dry-run.
    #[arg(long)]
    pub event: bool,
    /// The matter status the event message gives the case:
    /// senderinitiative (the authority acts; the default), recipientinitiative
    /// (the recipient is to act) or closed.
    #[arg(long, requires = "event", value_name = "STATUS",
          value_parser = ["senderinitiative", "recipientinitiative", "closed"])]
    pub status: Option<String>,
    /// One of the profile's sender names.
    #[arg(long, value_name = "NAME")]
    pub sender_name: Option<String>,
    /// Sign but do not store or send; write the SignedDelivery to --out.
    #[arg(long, requires = "out")]
    pub dry_run: bool,
    /// Where --dry-run writes the signed delivery.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// When the message is too large for the envelope limit
    /// (rules.max_envelope_bytes): compress its PDF attachments (images
    /// scaled to print resolution, streams recompressed, text kept) and send
    /// the compressed files. The files given with --attach are not changed.
    #[arg(long)]
    pub compress_pdf: bool,
    /// Do not send digitally: record the message as sent on paper and write
    /// its letter (e.g. when it is too large for the intermediary).
    #[arg(long, conflicts_with = "dry_run")]
    pub on_paper: bool,
    /// Where to write the letter if the recipient must get it on paper
    /// (default: kuvert-<message id>.pdf in the current folder): the letter,
    /// then the pages of each PDF attachment, to print in one job.
    #[arg(long, value_name = "FILE")]
    pub paper_out: Option<PathBuf>,
    /// One line of the recipient's postal address, for the envelope's
    /// window if the message goes on paper; give it once per line (name,
    /// street, postcode and town: 2 to 6 lines).
    #[arg(long = "address-line", value_name = "LINE")]
    pub address_lines: Vec<String>,
}

/// Sent-log filters shared by `log` and `export`.
#[derive(Debug, Args, Default)]
pub struct Filters {
    /// Free text (subject, body, case number, recipient, attention, attachment names).
    #[arg(long)]
    pub text: Option<String>,
    /// Recipient identity number.
    #[arg(long, value_name = "ID")]
    pub recipient: Option<String>,
    /// Exact diarienummer, or a prefix ending in `*` (e.g. "KS 2026/*").
    #[arg(long, value_name = "DNR")]
    pub case: Option<String>,
    /// From this date (YYYY-MM-DD; a Swedish day, from midnight in Sweden).
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Up to and including this date (YYYY-MM-DD; a Swedish day).
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// State: queued, signed, submitted, pending, delivered, failed, paper (repeatable).
    #[arg(long)]
    pub status: Vec<String>,
    /// Protection class.
    #[arg(long)]
    pub class: Option<u8>,
    /// Sender name.
    #[arg(long)]
    pub sender: Option<String>,
    /// The sending officer's account (e.g. anna.lind).
    #[arg(long)]
    pub officer: Option<String>,
    /// At most this many entries (log only).
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// Skip this many entries (log only).
    #[arg(long, default_value_t = 0)]
    pub offset: u32,
}
