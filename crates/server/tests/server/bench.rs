//! Department mode's benchmarks (`bench/department.sh` runs them in a
//! release build; ignored in the normal test run): registrar search at a
//! million messages, and submissions per second from twenty officers
//! through two `kuvert-server` instances.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use kuvert_server::db::Database;
use kuvert_server::staff::{Role, StaffMember};

use crate::department::{draft, Department};
use crate::kills::{clients, free_port, instance_config, Instance};

const REGISTRAR: &str = "rut.registrator@kommunb.example";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The p50 and p95 of `samples`, in milliseconds.
fn percentiles(samples: &mut [Duration]) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[i].as_secs_f64() * 1000.0
    };
    (at(0.50), at(0.95))
}

/// Fills the log with `n` messages of three units, forty officers and
/// subjects with Swedish compound words, as SQL (the bulk load is not what
/// is measured), then rebuilds the search index and the statistics.
fn fill(department: &Department, n: usize) -> Duration {
    let started = Instant::now();
    let mut sql = department.sql();
    sql.batch_execute("DROP INDEX messages_search").unwrap();
    sql.execute(
        "INSERT INTO messages (id, correlation_id, submission_id, officer, officer_name, unit,
             profile, sender_org, sender_name, recipient, recipient_display, subject, body,
             case_number, protection_class, created_at, state, state_at)
         SELECT gen_random_uuid()::text, gen_random_uuid()::text, 'bench-' || i,
             'officer' || (i % 40) || '@kommunb.example', 'Handläggare ' || (i % 40),
             (ARRAY['Bygglov', 'Socialtjänst', 'Miljö'])[1 + i % 3],
             'Kommun B', '162021003898', 'Kommun B',
             r.wire, r.display,
             (ARRAY['Beslut om strandskyddsdispens', 'Föreläggande om bygglovsavgift',
                    'Kallelse till försörjningsstödsmöte', 'Delgivning av miljötillsynsbeslut',
                    'Beslut om bostadsanpassningsbidrag', 'Yttrande i detaljplaneärende'])[1 + i % 6]
                 || ' ' || i,
             'Hej! Här kommer handlingen i ärendet. Med vänlig hälsning, Kommun B.',
             (ARRAY['BN', 'SN', 'MN'])[1 + i % 3] || ' ' || (2016 + i % 11) || '/'
                 || lpad((i % 10000)::text, 4, '0'),
             2, now() - (i || ' seconds')::interval, 'delivered', now()
         FROM generate_series(1, $1::bigint) AS i
         -- Skatteverket's test numbers, as the test environment seeds them.
         JOIN (VALUES (0, '198501012382', '19850101-2382'), (1, '196001012381', '19600101-2381'),
                      (2, '197001012389', '19700101-2389'), (3, '199001012385', '19900101-2385'),
                      (4, '198501012390', '19850101-2390')) AS r (k, wire, display)
           ON r.k = i % 5",
        &[&(n as i64)],
    )
    .unwrap();
    sql.batch_execute(
        "CREATE INDEX messages_search ON messages USING gin (search_text gin_trgm_ops);
         ANALYZE messages;",
    )
    .unwrap();
    started.elapsed()
}

#[test]
#[ignore = "a benchmark: bench/department.sh"]
fn bench_registrar_search_at_a_million_messages() {
    let n = env_number("KUVERT_BENCH_MESSAGES", 1_000_000);
    let runs = env_number("KUVERT_BENCH_RUNS", 40);
    let department = Department::start();
    let loaded = fill(&department, n);
    println!("loaded {n} messages in {:.1} s", loaded.as_secs_f64());
    // The plans PostgreSQL picks for the registrar's two kinds of search
    // (a common word, read from the newest messages; a rare one, from the
    // trigram index), for the record.
    let mut sql = department.sql();
    let mut tx = sql.transaction().unwrap();
    tx.batch_execute("SET LOCAL ROLE kuvert_registrar").unwrap();
    tx.execute(
        "SELECT set_config('kuvert.caller', $1, true)",
        &[&REGISTRAR],
    )
    .unwrap();
    for (setup, query) in [
        (
            "",
            "SELECT id FROM (SELECT * FROM messages ORDER BY seq DESC LIMIT 5000) m
             WHERE search_text ILIKE '%bygglov%' ORDER BY seq DESC LIMIT 50",
        ),
        (
            "",
            "SELECT id FROM messages WHERE seq IN (SELECT kuvert_search('%BN 2025/0042%', 50))
             ORDER BY seq DESC LIMIT 50",
        ),
    ] {
        tx.batch_execute(setup).unwrap();
        for row in tx
            .query(&format!("EXPLAIN (ANALYZE, COSTS OFF) {query}"), &[])
            .unwrap()
        {
            println!("    {}", row.get::<_, String>(0));
        }
    }
    drop(tx);
    let registrar = department.client(REGISTRAR);
    let rare = format!(
        "detaljplaneärende {}",
        (1..=n).rev().find(|i| i % 6 == 5).unwrap()
    );
    let queries = [
        // Inside a compound word: "bygglov" in "bygglovsavgift".
        "bygglov",
        "strandskydd",
        "försörjningsstöd",
        // A diarienummer, a recipient, a rare subject.
        "BN 2025/0042",
        "19600101-2381",
        rare.as_str(),
    ];
    println!("| query | hits (of at most 50) | p50 ms | p95 ms |");
    let mut worst = 0.0f64;
    for query in queries {
        registrar.log(Some(query), 50).unwrap(); // warm
        let mut samples = Vec::with_capacity(runs);
        let mut hits = 0;
        for _ in 0..runs {
            let started = Instant::now();
            hits = registrar.log(Some(query), 50).unwrap().len();
            samples.push(started.elapsed());
        }
        assert!(hits > 0, "{query} finds something");
        let (p50, p95) = percentiles(&mut samples);
        worst = worst.max(p95);
        println!("| {query} | {hits} | {p50:.1} | {p95:.1} |");
    }
    println!("worst p95: {worst:.1} ms over {runs} runs per query, at {n} messages");

    // The registrar's CSV export of the whole log through the HTTPS API
    // (row-level security on, written to a file), against `psql \copy` of
    // the same columns from the same query as the database's superuser.
    let dir = tempfile::tempdir().unwrap();
    let median = |mut samples: Vec<Duration>| {
        samples.sort();
        samples[samples.len() / 2]
    };
    let mut kuvert = Vec::new();
    let mut copy = Vec::new();
    let mut bytes = (0, 0);
    for round in 0..3 {
        let out = dir.path().join(format!("kuvert-{round}.csv"));
        let started = Instant::now();
        let rows = registrar.export_csv(&Default::default(), &out).unwrap();
        kuvert.push(started.elapsed());
        assert_eq!(rows as usize, n);
        bytes.0 = std::fs::metadata(&out).unwrap().len();
        std::fs::remove_file(&out).unwrap();

        let out = dir.path().join(format!("psql-{round}.csv"));
        let started = Instant::now();
        let status = std::process::Command::new("psql")
            .arg(department.postgres.url())
            .args(["-q", "-c"])
            .arg(format!(
                "\\copy ({} ORDER BY m.seq) TO '{}' WITH (FORMAT csv, HEADER true, DELIMITER ';')",
                kuvert_server::export::SELECT,
                out.display()
            ))
            .status()
            .unwrap();
        copy.push(started.elapsed());
        assert!(status.success());
        bytes.1 = std::fs::metadata(&out).unwrap().len();
        std::fs::remove_file(&out).unwrap();
    }
    let (kuvert, copy) = (median(kuvert), median(copy));
    println!(
        "CSV export of {n} messages: Kuvert (HTTPS, as the registrar) {:.2} s, {} MB / psql \\copy {:.2} s, {} MB = {:.2} (median of 3)",
        kuvert.as_secs_f64(),
        bytes.0 / 1_000_000,
        copy.as_secs_f64(),
        bytes.1 / 1_000_000,
        kuvert.as_secs_f64() / copy.as_secs_f64()
    );
}

#[test]
#[ignore = "a benchmark: bench/department.sh"]
fn bench_submissions_per_second_from_twenty_officers_through_two_instances() {
    let officers = env_number("KUVERT_BENCH_OFFICERS", 20);
    let per_officer = env_number("KUVERT_BENCH_PER_OFFICER", 10);
    let department = Department::start_with(false);
    let db = Database::connect(&department.postgres.url(), 2).unwrap();
    db.migrate().unwrap();
    let staff: Vec<(String, String)> = (0..officers)
        .map(|i| {
            (
                format!("Handläggare {i}"),
                format!("officer{i}@kommunb.example"),
            )
        })
        .collect();
    for (name, email) in &staff {
        db.put_staff(&StaffMember {
            identity: email.clone(),
            name: name.clone(),
            role: Role::Officer,
            unit: Some("Bygglov".into()),
            units: vec![],
        })
        .unwrap();
    }
    let ports = [free_port(), free_port()];
    let urls: Vec<String> = ports
        .iter()
        .map(|p| format!("https://127.0.0.1:{p}"))
        .collect();
    let _instances = [
        Instance::start(&instance_config(&department, "a", ports[0])),
        Instance::start(&instance_config(&department, "b", ports[1])),
    ];
    let clients: Vec<_> = staff
        .iter()
        .map(|(name, email)| clients(&department, name, email, &urls))
        .collect();
    // Both instances answer before the clock starts.
    for client in &clients[0] {
        let deadline = Instant::now() + Duration::from_secs(30);
        while client.who_am_i().is_err() {
            assert!(Instant::now() < deadline, "an instance did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let start = Arc::new(Barrier::new(officers + 1));
    let threads: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(n, clients)| {
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                start.wait();
                let mut ids = Vec::new();
                for i in 0..per_officer {
                    // Officers alternate between the two instances.
                    let client = &clients[(n + i) % clients.len()];
                    let accepted = client
                        .submit(&draft(&format!("Beslut {i}")), &format!("bench-{n}-{i}"))
                        .unwrap();
                    ids.push(accepted.message_id);
                }
                ids
            })
        })
        .collect();
    start.wait();
    let started = Instant::now();
    let done: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let stored = started.elapsed();
    let total = officers * per_officer;
    // Until every message has reached the recipient's mailbox.
    let deadline = Instant::now() + Duration::from_secs(600);
    for id in done.iter().flatten() {
        while department.sandbox().delivery_count(id) < 1 {
            assert!(Instant::now() < deadline, "{id} not delivered");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let delivered = started.elapsed();
    println!(
        "{total} submissions from {officers} officers through 2 instances: stored and acknowledged in {:.2} s ({:.1}/s); all in the mailboxes after {:.2} s ({:.1}/s)",
        stored.as_secs_f64(),
        total as f64 / stored.as_secs_f64(),
        delivered.as_secs_f64(),
        total as f64 / delivered.as_secs_f64()
    );
}
