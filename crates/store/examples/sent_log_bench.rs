//! Benchmark of the sent log at scale (issue 4): builds a database of N
//! messages (default 1,000,000) through the public API in one transaction,
//! then measures search latency for text + date-range queries and CSV export
//! time against `sqlite3 -csv` dumping the same columns from the same file.
//!
//! Run through `bench/store.sh` (release mode). Usage:
//!
//! ```text
//! sent_log_bench [--rows N] [--queries Q] [--dir DIR] [--rebuild] [--search-only] [--verify] [--verify-only]
//! ```
//!
//! The database is kept in DIR (default `/tmp/kuvert-bench`) and reused when
//! it already holds N messages, unless `--rebuild`. Set `KUVERT_BENCH_VERBOSE=1`
//! to print every query's time. Recipients are only
//! Skatteverket's published test identity numbers and the two test
//! organisations.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use kuvert_protocol::delivery::{
    Attention, CaseNumber, MessageId, ProtectionClass, SenderName, Subject,
};
use kuvert_protocol::identity::{OrganizationNumber, RecipientId};
use kuvert_store::{
    ChainScope, LogKey, Mailbox, MessageContent, NextState, Officer, OutgoingAttachment,
    OutgoingMessage, PaperLetter, SendState, SentLogQuery, Store,
};
use time::OffsetDateTime;

/// splitmix64: a tiny deterministic generator, so every run builds the same log.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    fn uuid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }
}

/// (wire, display): only the allowed test numbers.
const RECIPIENTS: [(&str, &str); 10] = [
    ("198501012382", "19850101-2382"),
    ("198501012390", "19850101-2390"),
    ("192705178354", "19270517-8354"),
    ("201701012393", "20170101-2393"),
    ("199001012385", "19900101-2385"),
    ("197001012389", "19700101-2389"),
    ("196001012381", "19600101-2381"),
    ("202201612385", "20220161-2385"),
    ("162021003898", "202100-3898"),
    ("165568402266", "556840-2266"),
];

const PROFILES: [(&str, &str, &str); 6] = [
    ("Bygglov", "BN", "Byggnadsnämnden"),
    ("Kansli", "KS", "Kommunstyrelsen"),
    ("Miljö", "MN", "Miljö- och hälsoskyddsnämnden"),
    ("Socialtjänst", "SN", "Socialnämnden"),
    ("Skola", "UN", "Utbildningsnämnden"),
    ("Kultur", "KFN", "Kultur- och fritidsnämnden"),
];

const SUBJECT_HEADS: [&str; 14] = [
    "Beslut om",
    "Begäran om komplettering av",
    "Föreläggande om",
    "Underrättelse om",
    "Kallelse till möte om",
    "Delgivning av beslut om",
    "Information om",
    "Påminnelse om",
    "Yttrande över",
    "Bekräftelse av ansökan om",
    "Avslag på ansökan om",
    "Tillstånd för",
    "Protokollsutdrag gällande",
    "Svar på fråga om",
];

const TOPICS: [&str; 24] = [
    "bygglov för tillbyggnad",
    "marklov",
    "rivningslov",
    "strandskyddsdispens",
    "förskoleplats",
    "skolskjuts",
    "bistånd enligt socialtjänstlagen",
    "livsmedelskontroll",
    "serveringstillstånd",
    "tillsyn av enskilt avlopp",
    "värmepump",
    "fasadändring",
    "ekonomiskt bistånd",
    "färdtjänst",
    "bostadsanpassningsbidrag",
    "nybyggnad av enbostadshus",
    "parkeringstillstånd",
    "åtgärdsföreläggande",
    "överklagande",
    "föreningsbidrag",
    "lokalbokning",
    "öppettider på återvinningscentralen",
    "buller från fläktaggregat",
    "kompostering av matavfall",
];

const SENTENCES: [&str; 16] = [
    "Hej! Här kommer kommunens beslut i ärendet.",
    "Vi behöver fler handlingar innan vi kan fortsätta handläggningen.",
    "Beslutet kan överklagas inom tre veckor från den dag du tog del av det.",
    "Bifogat finns ritningar och situationsplan.",
    "Kontakta handläggaren om du har frågor.",
    "Avgiften framgår av bifogad faktura.",
    "Tillsynsbesöket genomfördes i förra veckan och brister noterades.",
    "Åtgärderna ska vara genomförda senast det datum som anges nedan.",
    "Ansökan är komplett och har registrerats.",
    "Nämnden har sammanträtt och fattat beslut enligt förslaget.",
    "Du får gärna lämna synpunkter skriftligen.",
    "Handlingarna finns även tillgängliga på kommunens webbplats.",
    "Observera att beslutet gäller i fem år.",
    "Med vänliga hälsningar, förvaltningen.",
    "Ärendet avslutas härmed.",
    "Sökanden har inkommit med kompletterande uppgifter.",
];

/// Property designations (fastighetsbeteckningar) are compound words:
/// 40 × 25 of them, so a word part like "hagen" is in 40 distinct words
/// and "gen" (in 8 of the endings, and in words like "förvaltningen") in
/// more than the search expands, which it then checks row by row.
const PROPERTY_HEADS: [&str; 40] = [
    "björk", "ek", "gran", "lind", "sjö", "berg", "kvarn", "alm", "asp", "hassel", "rönn", "sälg",
    "tall", "lärk", "ask", "hägg", "vide", "al", "lönn", "bok", "sol", "mån", "stjärn", "vind",
    "regn", "snö", "dagg", "dimm", "höst", "vår", "räv", "varg", "björn", "lo", "hjort", "rå",
    "hare", "örn", "falk", "uggle",
];
const PROPERTY_TAILS: [&str; 25] = [
    "hagen", "ängen", "vägen", "ringen", "gången", "slingan", "bergen", "dungen", "backen",
    "viken", "udden", "dalen", "holmen", "näset", "kullen", "lyckan", "torpet", "gärdet", "åsen",
    "bäcken", "kärret", "mossen", "lunden", "stigen", "sängen",
];

const ATTACHMENTS: [&str; 8] = [
    "beslut.pdf",
    "ritning_plan.pdf",
    "situationsplan.pdf",
    "protokollsutdrag.pdf",
    "faktura.pdf",
    "överklagandehänvisning.pdf",
    "tillsynsrapport.pdf",
    "bilaga_åtgärder.pdf",
];

/// The mailbox every benchmark message is submitted to.
fn kivra() -> Mailbox {
    Mailbox {
        operator: "Kivra".into(),
        service_address: "https://kivra.test.example/deliver".into(),
    }
}

/// 2021-01-01T00:00:00Z.
const START: i64 = 1_609_459_200;

fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).expect("time in range")
}

fn generate(rng: &mut Rng, created: i64) -> OutgoingMessage {
    let (recipient, display) = *rng.pick(&RECIPIENTS);
    let (profile, board, sender) = *rng.pick(&PROFILES);
    let year = 2021 + (created - START) / 31_556_952;
    let topic = *rng.pick(&TOPICS);
    let subject = format!("{} {}", rng.pick(&SUBJECT_HEADS), topic);
    let sentences = 2 + rng.below(4);
    let mut body = (0..sentences)
        .map(|_| *rng.pick(&SENTENCES))
        .collect::<Vec<_>>()
        .join(" ");
    if rng.below(2) == 0 {
        let head = rng.pick(&PROPERTY_HEADS);
        let tail = rng.pick(&PROPERTY_TAILS);
        let (block, unit) = (1 + rng.below(30), 1 + rng.below(200));
        body.push_str(&format!(" Fastighet: {head}{tail} {block}:{unit}."));
    }
    let attachments = (0..rng.below(3))
        .map(|i| OutgoingAttachment {
            name: rng.pick(&ATTACHMENTS).to_string(),
            content_type: "application/pdf".into(),
            bytes: format!("%PDF-1.7 {created} {i}").into_bytes(),
            compressed_from: None,
        })
        .collect();
    let org_recipient = recipient.starts_with("16");
    let recipient = RecipientId::from_wire(recipient).expect("a valid test number");
    assert_eq!(recipient.display_form(), display);
    let case_number = format!("{board} {year}/{:04}", 1 + rng.below(2999));
    let content = MessageContent {
        message_id: MessageId::new(&rng.uuid()).expect("id"),
        correlation_id: MessageId::new(&rng.uuid()).expect("id"),
        profile: profile.into(),
        sender_org: OrganizationNumber::from_wire("162021003898").expect("organisation"),
        sender_name: SenderName::new(sender).expect("sender name"),
        recipient,
        subject: Subject::new(&subject).expect("subject"),
        body: format!("{body} Ärende: {topic}."),
        case_number: Some(CaseNumber::new(&case_number).expect("case number")),
        attention: org_recipient.then(|| Attention::new("Ekonomiavdelningen").expect("attention")),
        protection_class: ProtectionClass::new(1 + rng.below(3) as u8).expect("class"),
        case_type: None,
        officer: Some(Officer {
            account: format!("handlaggare{}", rng.below(40)),
            name: "Handläggare".into(),
        }),
        event: None,
    };
    OutgoingMessage {
        content,
        attachments,
        document: None,
    }
}

/// Builds the log: one transaction through [`Store::batch`], every message
/// taken along a realistic path (mostly delivered).
fn build(path: &Path, rows: u64) -> Result<(i64, Duration), Box<dyn Error>> {
    let store = Store::open(path)?;
    let mut rng = Rng(0x6b75_7665_7274);
    let started = Instant::now();
    let mut created = START;
    store.batch(|b| {
        for n in 0..rows {
            created += 1 + rng.below(370) as i64;
            let m = generate(&mut rng, created);
            let t = at(created);
            b.enqueue(&m, t)?;
            let roll = rng.below(100);
            let id = &m.content.message_id;
            if roll < 1 {
                continue; // queued
            }
            if roll < 4 {
                let letter = PaperLetter::Sha256Hex(format!("{:064x}", n));
                b.transition(
                    id,
                    SendState::Queued,
                    &NextState::Paper { letter },
                    at(created + 30),
                )?;
                continue;
            }
            let xml = format!("<SignedDelivery id=\"{id}\"/>").into_bytes();
            b.transition(
                id,
                SendState::Queued,
                &NextState::Signed { signed_xml: xml },
                at(created + 1),
            )?;
            let dist = NextState::Submitted {
                distribution_id: format!("dist-{n}"),
                mailbox: kivra(),
            };
            b.transition(id, SendState::Signed, &dist, at(created + 2))?;
            let last = match roll {
                4..=5 => continue, // submitted, awaiting status
                6..=8 => NextState::Pending,
                9..=13 => NextState::Failed {
                    reason: "Mottagarens brevlåda kunde inte nås".into(),
                },
                _ => NextState::Delivered,
            };
            b.transition(id, SendState::Submitted, &last, at(created + 60))?;
        }
        Ok(())
    })?;
    Ok((created, started.elapsed()))
}

fn count(path: &Path) -> Result<u64, Box<dyn Error>> {
    let out = Command::new("sqlite3")
        .arg(path)
        .arg("SELECT count(*) FROM messages")
        .output()?;
    Ok(String::from_utf8(out.stdout)?.trim().parse().unwrap_or(0))
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Text terms of the query mix: common words, rarer words, word parts
/// (every word of 3+ characters is one: "tillstånd" finds
/// "parkeringstillstånd"), prefixes, two-word ANDs, phrases, case-number
/// phrases, attachment names, and parts in many words ("hagen", "gen").
const TERMS: [&str; 26] = [
    "bygglov",
    "beslut",
    "förskoleplats",
    "överklagande",
    "strandskyddsdispens",
    "tillstånd",
    "bistånd",
    "värmepump",
    "förel*",
    "bygg*",
    "åtgärd*",
    "komplettering ritningar",
    "tillsyn brister",
    "\"beslutet kan överklagas\"",
    "2024/0123",
    "BN 2023/1500",
    "situationsplan",
    "ekonomiavdelningen",
    "färdtjänst beslut",
    "kompost*",
    "bidrag",
    "lov",
    "skydd",
    "hagen",
    "gen",
    "björkhagen",
];

fn search_mix(
    store: &Store,
    last: i64,
    queries: usize,
    terms: &[&str],
) -> Result<Vec<Duration>, Box<dyn Error>> {
    let mut rng = Rng(42);
    let mut times = Vec::with_capacity(queries);
    let windows = [7 * 86_400, 31 * 86_400, 92 * 86_400, 365 * 86_400];
    let mut hits = 0usize;
    for i in 0..queries {
        let window = *rng.pick(&windows);
        let from = START + rng.below((last - START - window).max(1) as u64) as i64;
        let query = SentLogQuery {
            text: Some(terms[i % terms.len()].to_owned()),
            from: Some(at(from)),
            until: Some(at(from + window)),
            limit: 50,
            ..SentLogQuery::default()
        };
        let t = Instant::now();
        let found = store.search(&query)?.len();
        hits += found;
        times.push(t.elapsed());
        if std::env::var_os("KUVERT_BENCH_VERBOSE").is_some() {
            println!(
                "    {:>8.2} ms  {found:>3} rows  window {:>3} d  {:?}",
                ms(t.elapsed()),
                window / 86_400,
                query.text
            );
        }
    }
    println!("  ({hits} rows returned in total)");
    times.sort();
    Ok(times)
}

/// CPU seconds this process has used (user + system), from /proc.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Times the log check on a copy of the database (so the benchmark's own
/// database keeps its row count): the full check, then a day's messages
/// added and the incremental check from the full check's checkpoint.
fn verify_log(db: &Path, dir: &Path, last: i64) -> Result<(), Box<dyn Error>> {
    Command::new("sqlite3")
        .arg(db)
        .arg("PRAGMA wal_checkpoint(TRUNCATE)")
        .output()?;
    let copy = dir.join("verify-copy.sqlite");
    std::fs::copy(db, &copy)?;
    let mut store = Store::open(&copy)?;
    // As kuvert_core opens it: with the log's key, anchored.
    store.set_log_key(Some(LogKey::generate()?));
    store.anchor()?;
    for _ in 0..2 {
        let (t, cpu) = (Instant::now(), cpu_seconds());
        let check = store.check_chain(ChainScope::Full, at(last + 3600))?;
        println!(
            "verify-log, full: {:?} in {:.1} s (CPU {:.1} s)   target ≤ 20 s",
            check.verdict,
            t.elapsed().as_secs_f64(),
            cpu_seconds() - cpu
        );
    }
    // A day's messages: the log's own rate (1,000,000 in ~5.9 years).
    let day = 470;
    let mut rng = Rng(7);
    store.batch(|b| {
        for n in 0..day {
            let created = last + 7200 + n * 180;
            let m = generate(&mut rng, created);
            let id = &m.content.message_id;
            b.enqueue(&m, at(created))?;
            let xml = format!("<SignedDelivery id=\"{id}\"/>").into_bytes();
            b.transition(
                id,
                SendState::Queued,
                &NextState::Signed { signed_xml: xml },
                at(created + 1),
            )?;
            let dist = NextState::Submitted {
                distribution_id: format!("day-{n}"),
                mailbox: kivra(),
            };
            b.transition(id, SendState::Signed, &dist, at(created + 2))?;
            b.transition(
                id,
                SendState::Submitted,
                &NextState::Delivered,
                at(created + 60),
            )?;
        }
        Ok(())
    })?;
    let (t, cpu) = (Instant::now(), cpu_seconds());
    let check = store.check_chain(ChainScope::SinceCheckpoint, at(last + 90_000))?;
    println!(
        "verify-log, incremental after {day} messages: {:?} from entry {} in {:.3} s (CPU {:.3} s)   target ≤ 1 s",
        check.verdict,
        check.from.map_or(0, |c| c.seq),
        t.elapsed().as_secs_f64(),
        cpu_seconds() - cpu
    );
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", copy.display()));
    }
    Ok(())
}

/// Prints p50/p95/p99/max of sorted query times.
fn report(times: &[Duration], target: &str) -> Result<(), Box<dyn Error>> {
    println!(
        "  p50 {:.2} ms   p95 {:.2} ms   p99 {:.2} ms   max {:.2} ms   {target}",
        ms(percentile(times, 0.50)),
        ms(percentile(times, 0.95)),
        ms(percentile(times, 0.99)),
        ms(*times.last().ok_or("no queries")?)
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut rows: u64 = 1_000_000;
    let mut queries = 200usize;
    let mut dir = PathBuf::from("/tmp/kuvert-bench");
    let mut rebuild = false;
    let mut search_only = false;
    let mut verify = false;
    let mut verify_only = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rows" => rows = args.next().ok_or("--rows N")?.parse()?,
            "--queries" => queries = args.next().ok_or("--queries Q")?.parse()?,
            "--dir" => dir = args.next().ok_or("--dir DIR")?.into(),
            "--rebuild" => rebuild = true,
            "--search-only" => search_only = true,
            "--verify" => verify = true,
            "--verify-only" => (verify, verify_only) = (true, true),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    std::fs::create_dir_all(&dir)?;
    let db = dir.join(format!("sentlog-{rows}.sqlite"));
    println!(
        "kuvert-store sent-log benchmark: {rows} messages, {queries} queries, {}",
        db.display()
    );
    println!("load average at start: {}", load());

    if rebuild || !db.exists() || count(&db)? != rows {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        let (_, took) = build(&db, rows)?;
        println!(
            "build: {:.1} s ({:.0} messages/s, one transaction)",
            took.as_secs_f64(),
            rows as f64 / took.as_secs_f64()
        );
    } else {
        println!("build: reusing the existing database");
    }
    let size = std::fs::metadata(&db)?.len();
    println!("database size: {:.0} MiB", size as f64 / 1048576.0);
    let last: i64 = String::from_utf8(
        Command::new("sqlite3")
            .arg(&db)
            .arg("SELECT max(created_at) FROM messages")
            .output()?
            .stdout,
    )?
    .trim()
    .parse()?;

    if verify_only {
        return verify_log(&db, &dir, last);
    }
    let store = Store::open(&db)?;
    println!("search: {queries} queries, text + date range (7 d to 1 y), limit 50, newest first");
    let times = search_mix(&store, last, queries, &TERMS)?;
    report(&times, "target p95 ≤ 10 ms")?;
    println!("search, word parts only: {queries} queries");
    let parts = [
        "tillstånd",
        "bidrag",
        "lov",
        "skydd",
        "hagen",
        "gen",
        "bygg",
        "avfall",
    ];
    report(&search_mix(&store, last, queries, &parts)?, "")?;
    println!("short prefixes (same windows):");
    let refused = store.search(&SentLogQuery {
        text: Some("b*".into()),
        ..SentLogQuery::default()
    });
    match refused {
        Err(e) => println!("  \"b*\": refused: {e}"),
        Ok(_) => return Err("a one-letter prefix should be refused".into()),
    }
    for prefix in ["by*", "fö*", "byg*"] {
        println!("  {prefix:?}:");
        report(&search_mix(&store, last, 50, &[prefix])?, "")?;
    }

    if verify {
        verify_log(&db, &dir, last)?;
    }
    if search_only {
        return Ok(());
    }
    // CSV export against the sqlite3 CLI dumping the same columns (times
    // in Swedish local time, as ours, through its `localtime` modifier and
    // TZ; ours also writes the offset) from the same file, alternating, 3
    // rounds.
    let ours_file = dir.join("export-kuvert.csv");
    let cli_file = dir.join("export-sqlite3.csv");
    let cli_sql =
        "SELECT m.id, strftime('%Y-%m-%dT%H:%M:%S', m.created_at, 'unixepoch', 'localtime'), \
        m.state, strftime('%Y-%m-%dT%H:%M:%S', m.state_at, 'unixepoch', 'localtime'), \
        m.case_number, m.recipient, \
        m.recipient_display, m.subject, m.protection_class, m.case_type, m.attention, m.profile, \
        m.sender_org, m.sender_name, m.distribution_id, m.attachment_count, m.attachment_names, \
        m.failure_reason FROM messages m ORDER BY m.sort_key";
    let mut ours = Vec::new();
    let mut cli = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let file = std::fs::File::create(&ours_file)?;
        let n = store.export_csv(&SentLogQuery::default(), file)?;
        ours.push(t.elapsed());
        assert_eq!(n, rows, "exported every message");
        let t = Instant::now();
        let status = Command::new("sqlite3")
            .env("TZ", "Europe/Stockholm")
            .arg("-csv")
            .arg(&db)
            .arg(cli_sql)
            .stdout(std::fs::File::create(&cli_file)?)
            .status()?;
        cli.push(t.elapsed());
        if !status.success() {
            return Err("sqlite3 failed".into());
        }
    }
    ours.sort();
    cli.sort();
    let (o, c) = (ours[1], cli[1]);
    println!(
        "CSV export (median of 3): kuvert {:.2} s ({} MiB)   sqlite3 -csv {:.2} s ({} MiB)",
        o.as_secs_f64(),
        std::fs::metadata(&ours_file)?.len() / 1048576,
        c.as_secs_f64(),
        std::fs::metadata(&cli_file)?.len() / 1048576
    );
    println!(
        "  ratio kuvert / sqlite3 = {:.2} (target <= 2.0)",
        o.as_secs_f64() / c.as_secs_f64()
    );
    println!("load average at end: {}", load());
    Ok(())
}
