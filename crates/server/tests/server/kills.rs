//! Two `kuvert-server` processes on one database, three officers sending,
//! and instances killed with SIGKILL at random moments: every message is
//! stored once and reaches the recipient's mailbox exactly once, and the
//! log's chain verifies.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kuvert_core::department::DepartmentClient;
use kuvert_core::profile::Profile;
use kuvert_server::db::Database;
use kuvert_server::staff::{Role, StaffMember};

use crate::department::{draft, Department};

const OFFICERS: [(&str, &str); 3] = [
    ("Anna Andersson", "anna.andersson@kommunb.example"),
    ("Bertil Berg", "bertil.berg@kommunb.example"),
    ("Cecilia Carlsson", "cecilia.carlsson@kommunb.example"),
];
const MESSAGES_PER_OFFICER: usize = 100;
const KILLS: usize = 30;

/// One instance's process, restarted on the same port after each kill.
pub(crate) struct Instance {
    config: PathBuf,
    child: Child,
}

impl Instance {
    pub(crate) fn start(config: &Path) -> Instance {
        let child = Command::new(env!("CARGO_BIN_EXE_kuvert-server"))
            .arg("--config")
            .arg(config)
            .env("KUVERT_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Instance {
            config: config.to_path_buf(),
            child,
        }
    }

    fn kill_and_restart(&mut self) {
        self.child.kill().unwrap(); // SIGKILL
        self.child.wait().unwrap();
        *self = Instance::start(&self.config);
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `server.toml` for instance `name` on `port`, with short leases so that a
/// killed instance's claims are taken over within the test.
pub(crate) fn instance_config(department: &Department, name: &str, port: u16) -> PathBuf {
    let text = std::fs::read_to_string(&department.files.server_toml).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("listen = ") {
            out.push_str(&format!(
                "listen = \"127.0.0.1:{port}\"\ninstance = \"{name}\"\n"
            ));
        } else if line == "[worker]" {
            out.push_str("[worker]\nlease_seconds = 5\nthreads = 2\n");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    let path = department
        .files
        .server_toml
        .with_file_name(format!("server-{name}.toml"));
    std::fs::write(&path, out).unwrap();
    path
}

/// The officer's clients of each instance.
pub(crate) fn clients(
    department: &Department,
    name: &str,
    email: &str,
    urls: &[String],
) -> Vec<DepartmentClient> {
    let path = department.profile_with(&department.staff_ca(), name, email);
    let text = std::fs::read_to_string(&path).unwrap();
    urls.iter()
        .map(|url| {
            let profile_text = text.replace(
                &format!("url = \"{}\"", department.url),
                &format!("url = \"{url}\""),
            );
            let copy = path.with_file_name(format!(
                "{}-{}.toml",
                email.split('@').next().unwrap(),
                url.rsplit(':').next().unwrap()
            ));
            std::fs::write(&copy, profile_text).unwrap();
            DepartmentClient::for_profile(&Profile::load(Some(&copy)).unwrap(), None).unwrap()
        })
        .collect()
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A small deterministic generator (xorshift) for the kill schedule.
struct Dice(u64);

impl Dice {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

#[test]
fn two_instances_killed_thirty_times_while_three_officers_send_three_hundred_messages_deliver_each_exactly_once(
) {
    let department = Department::start_with(false);
    let db = Database::connect(&department.postgres.url(), 2).unwrap();
    db.migrate().unwrap();
    db.put_staff(&StaffMember {
        identity: OFFICERS[2].1.into(),
        name: OFFICERS[2].0.into(),
        role: Role::Officer,
        unit: Some("Miljö".into()),
        units: vec![],
    })
    .unwrap();
    let ports = [free_port(), free_port()];
    let urls: Vec<String> = ports
        .iter()
        .map(|p| format!("https://127.0.0.1:{p}"))
        .collect();
    let instances = Arc::new(Mutex::new(vec![
        Instance::start(&instance_config(&department, "a", ports[0])),
        Instance::start(&instance_config(&department, "b", ports[1])),
    ]));

    let accepted = Arc::new(Mutex::new(Vec::new()));
    let sending = Arc::new(AtomicUsize::new(OFFICERS.len()));
    let refused = Arc::new(AtomicUsize::new(0));
    let mut officers = Vec::new();
    for (n, (name, email)) in OFFICERS.iter().enumerate() {
        let clients = clients(&department, name, email, &urls);
        let accepted = Arc::clone(&accepted);
        let sending = Arc::clone(&sending);
        let refused = Arc::clone(&refused);
        officers.push(std::thread::spawn(move || {
            for i in 0..MESSAGES_PER_OFFICER {
                let submission = format!("{email}-{i}");
                let draft = draft(&format!("Beslut {i} från {name}"));
                let deadline = Instant::now() + Duration::from_secs(120);
                let mut attempt = n + i;
                let id = loop {
                    // Whichever instance is up; the same submission id each time.
                    match clients[attempt % clients.len()].submit(&draft, &submission) {
                        Ok(a) => break a.message_id,
                        Err(error) => {
                            assert!(Instant::now() < deadline, "{submission}: {error}");
                            refused.fetch_add(1, Ordering::SeqCst);
                            attempt += 1;
                            std::thread::sleep(Duration::from_millis(50));
                        }
                    }
                };
                accepted.lock().unwrap().push((submission, id));
            }
            sending.fetch_sub(1, Ordering::SeqCst);
        }));
    }

    let mut dice = Dice(0x9e37_79b9_7f4a_7c15 ^ u64::from(ports[0]));
    let mut kills = 0;
    let mut in_outbox_at_kills = 0;
    while kills < KILLS {
        std::thread::sleep(Duration::from_millis(100 + dice.next(250)));
        in_outbox_at_kills += department
            .sql()
            .query_one("SELECT count(*) FROM messages WHERE state = 'signed'", &[])
            .unwrap()
            .get::<_, i64>(0);
        let which = dice.next(2) as usize;
        instances.lock().unwrap()[which].kill_and_restart();
        kills += 1;
    }
    for officer in officers {
        officer.join().unwrap();
    }
    assert_eq!(sending.load(Ordering::SeqCst), 0);
    // The kills hit while officers were handing messages over.
    let refused = refused.load(Ordering::SeqCst);
    assert!(refused > 0, "no submission ever met a killed instance");
    eprintln!("{KILLS} kills; {refused} hand-overs met a killed instance and were made again; {in_outbox_at_kills} Outbox items waiting summed over the kills");
    assert!(
        in_outbox_at_kills > 0,
        "no kill came while the Outbox had work"
    );

    let accepted = accepted.lock().unwrap().clone();
    assert_eq!(accepted.len(), OFFICERS.len() * MESSAGES_PER_OFFICER);
    let ids: HashSet<&String> = accepted.iter().map(|(_, id)| id).collect();
    assert_eq!(
        ids.len(),
        accepted.len(),
        "two submissions got one message id"
    );

    // Every message reaches the mailbox exactly once, and stays once.
    let deadline = Instant::now() + Duration::from_secs(180);
    let sandbox = department.sandbox();
    loop {
        let missing = ids
            .iter()
            .filter(|id| sandbox.delivery_count(id) == 0)
            .count();
        if missing == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{missing} messages never reached a mailbox"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    std::thread::sleep(Duration::from_secs(2));
    let duplicated: Vec<_> = ids
        .iter()
        .filter(|id| sandbox.delivery_count(id) != 1)
        .collect();
    assert!(
        duplicated.is_empty(),
        "delivered more than once: {duplicated:?}"
    );

    // Stored once each, and the chain over all of it intact.
    let mut sql = department.sql();
    let stored: i64 = sql
        .query_one("SELECT count(*) FROM messages", &[])
        .unwrap()
        .get(0);
    assert_eq!(stored as usize, accepted.len());
    let report = db
        .as_service(|tx| kuvert_server::chain::verify(tx, &department.chain_key()))
        .unwrap();
    assert!(report.intact(), "{:?}", report.breaks);
    drop(instances);
}
