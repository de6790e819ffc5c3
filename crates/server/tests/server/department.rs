//! Two officers and a registrar on one `kuvert-server`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kuvert_core::compose::Draft;
use kuvert_core::department::wire::ExportFilter;
use kuvert_core::department::DepartmentClient;
use kuvert_core::profile::Profile;
use kuvert_core::{Error, Folder};
use kuvert_sandbox::department::{DepartmentFiles, PrivatePostgres, STAFF};
use kuvert_sandbox::{Sandbox, SandboxConfig};
use kuvert_server::config::ServerConfig;
use kuvert_testpki::{generate_ca, issue_staff_certificate, CertifiedKey};

const OFFICER_A: &str = "anna.andersson@kommunb.example";
const OFFICER_B: &str = "bertil.berg@kommunb.example";
const REGISTRAR: &str = "rut.registrator@kommunb.example";

/// Everything one test needs, stopped when dropped.
pub struct Department {
    _server: Option<kuvert_server::RunningServer>,
    sandbox: Option<Sandbox>,
    pub postgres: PrivatePostgres,
    pub files: DepartmentFiles,
    _dir: tempfile::TempDir,
    pub url: String,
}

impl Drop for Department {
    fn drop(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            sandbox.shutdown();
        }
    }
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

impl Department {
    /// The test environment, a private PostgreSQL server and one
    /// `kuvert-server` instance over them, as `kuvert sandbox --department`
    /// sets them up.
    pub fn start() -> Department {
        Department::start_with(true)
    }

    /// As [`Department::start`]; without an instance in the test process
    /// when `serve` is false (the test starts its own).
    pub fn start_with(serve: bool) -> Department {
        let _ = tracing_subscriber::fmt().with_test_writer().try_init();
        let postgres = PrivatePostgres::throwaway().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let sandbox = Sandbox::start(SandboxConfig::new(dir.path().join("sandbox"))).unwrap();
        let files = DepartmentFiles::write(sandbox.state_dir(), &postgres.url(), 0).unwrap();
        let config = ServerConfig::load(&files.server_toml).unwrap();
        let server = serve.then(|| kuvert_server::start(&config).unwrap());
        Department {
            url: files.server_url.clone(),
            _server: server,
            sandbox: Some(sandbox),
            postgres,
            files,
            _dir: dir,
        }
    }

    pub fn staff_ca(&self) -> CertifiedKey {
        let dir = self.sandbox().state_dir().join("department");
        CertifiedKey {
            cert_pem: std::fs::read_to_string(dir.join("staff-ca.pem")).unwrap(),
            key_pem: std::fs::read_to_string(dir.join("staff-ca.key")).unwrap(),
        }
    }

    pub fn sandbox(&self) -> &Sandbox {
        self.sandbox.as_ref().unwrap()
    }

    /// A department profile for a certificate `ca` issued to `name`/`email`.
    pub fn profile_with(&self, ca: &CertifiedKey, name: &str, email: &str) -> PathBuf {
        let cert = issue_staff_certificate(ca, "Kommun B", name, email).unwrap();
        let stem = email.split('@').next().unwrap();
        let sandbox_dir = self.sandbox().state_dir().to_path_buf();
        write(&sandbox_dir.join(format!("{stem}.pem")), &cert.cert_pem);
        write(&sandbox_dir.join(format!("{stem}.key")), &cert.key_pem);
        let base = std::fs::read_to_string(self.sandbox().profile_path()).unwrap();
        let mut profile = String::new();
        for line in base.lines() {
            if line.starts_with("cert_pem") {
                profile.push_str(&format!("cert_pem = \"{stem}.pem\"\n"));
            } else if line.starts_with("key_pem") {
                profile.push_str(&format!("key_pem = \"{stem}.key\"   # test key\n"));
            } else {
                profile.push_str(line);
                profile.push('\n');
            }
        }
        profile.push_str(&format!(
            "\n[department]\nurl = \"{}\"\nca_bundle = \"{}\"\n",
            self.url,
            self.files.staff_ca.display()
        ));
        let path = sandbox_dir.join(format!("{stem}.toml"));
        write(&path, &profile);
        path
    }

    /// The client of a member of the test staff (their profile as the
    /// test environment wrote it).
    /// The department's chain key (the test environment's file).
    pub fn chain_key(&self) -> kuvert_server::chain::ChainKey {
        kuvert_server::chain::ChainKey::load(&self.files.chain_key).unwrap()
    }

    pub fn client(&self, identity: &str) -> DepartmentClient {
        let at = STAFF.iter().position(|s| s.identity == identity).unwrap();
        let profile = Profile::load(Some(&self.files.profiles[at])).unwrap();
        DepartmentClient::for_profile(&profile, None).unwrap()
    }

    /// The client of someone else the staff CA issued a certificate to.
    fn client_of(&self, name: &str, email: &str) -> DepartmentClient {
        let path = self.profile_with(&self.staff_ca(), name, email);
        DepartmentClient::for_profile(&Profile::load(Some(&path)).unwrap(), None).unwrap()
    }

    pub fn sql(&self) -> ::postgres::Client {
        ::postgres::Client::connect(&self.postgres.url(), ::postgres::NoTls).unwrap()
    }
}

pub fn draft(subject: &str) -> Draft {
    Draft {
        recipient: "19850101-2382".into(),
        subject: subject.into(),
        body: "Beslutet bifogas.".into(),
        case_number: "BN 2026/0042".into(),
        protection_class: Some(2),
        ..Draft::default()
    }
}

/// Waits until the message has left the Outbox's first step.
fn wait_for_state(client: &DepartmentClient, message_id: &str, states: &[&str]) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let state = client.message(message_id).unwrap().state;
        if states.contains(&state.as_str()) {
            return state;
        }
        assert!(Instant::now() < deadline, "{message_id} still {state}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until the test environment's intermediary has handed the message
/// to the mailbox (it does so in the background after accepting it), then
/// checks that it is there once.
fn delivered_once(department: &Department, message_id: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while department.sandbox().delivery_count(message_id) == 0 {
        assert!(
            Instant::now() < deadline,
            "{message_id} never reached a mailbox"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        department.sandbox().delivery_count(message_id),
        1,
        "{message_id}"
    );
}

#[test]
fn each_officer_sees_only_their_own_messages_and_the_registrar_sees_both_through_the_api_and_through_row_level_security(
) {
    let department = Department::start();
    let anna = department.client(OFFICER_A);
    let bertil = department.client(OFFICER_B);
    let rut = department.client(REGISTRAR);

    assert_eq!(anna.who_am_i().unwrap().role, "officer");
    assert_eq!(rut.who_am_i().unwrap().role, "registrar");

    let a = anna.submit(&draft("Bygglov beviljat"), "a-1").unwrap();
    assert!(a.created);
    assert_eq!(a.state, "signed");
    let b = bertil.submit(&draft("Beslut om bistånd"), "b-1").unwrap();

    // The worker sends both, once each, to the test environment.
    for (client, id) in [(&anna, &a.message_id), (&bertil, &b.message_id)] {
        wait_for_state(client, id, &["submitted", "pending", "delivered"]);
        delivered_once(&department, id);
    }

    let ids = |client: &DepartmentClient| -> Vec<String> {
        client
            .log(None, 100)
            .unwrap()
            .into_iter()
            .map(|m| m.message_id)
            .collect()
    };
    assert_eq!(ids(&anna), vec![a.message_id.clone()]);
    assert_eq!(ids(&bertil), vec![b.message_id.clone()]);
    assert_eq!(ids(&rut), vec![b.message_id.clone(), a.message_id.clone()]);
    // The desktop's folders, from the server: the same reach.
    let folder = |client: &DepartmentClient, folder: Folder| -> Vec<String> {
        client
            .folder(folder)
            .unwrap()
            .into_iter()
            .map(|m| m.message_id)
            .collect()
    };
    wait_for_state(&anna, &a.message_id, &["delivered"]);
    wait_for_state(&bertil, &b.message_id, &["delivered"]);
    assert_eq!(folder(&anna, Folder::Sent), vec![a.message_id.clone()]);
    assert_eq!(folder(&bertil, Folder::Sent), vec![b.message_id.clone()]);
    assert_eq!(folder(&rut, Folder::Sent).len(), 2);
    for empty in [
        Folder::Outbox,
        Folder::NeedsAttention,
        Folder::Paper,
        Folder::Failed,
    ] {
        assert!(folder(&anna, empty).is_empty(), "{empty:?}");
    }
    let shown = anna.folder(Folder::Sent).unwrap().remove(0);
    assert_eq!(shown.protection_class, 2);
    assert_eq!(shown.body, "Beslutet bifogas.");
    // Another officer's message does not exist for Anna.
    assert!(matches!(
        anna.message(&b.message_id),
        Err(Error::MessageNotFound(_))
    ));
    assert!(matches!(
        anna.history(&b.message_id),
        Err(Error::MessageNotFound(_))
    ));
    let seen = rut.message(&a.message_id).unwrap();
    assert_eq!(seen.officer, OFFICER_A);
    assert_eq!(seen.officer_name, "Anna Andersson");
    assert_eq!(seen.unit.as_deref(), Some("Bygglov"));
    assert_eq!(rut.log(Some("bistånd"), 10).unwrap().len(), 1);

    // The database enforces the same again, for anyone who reaches it
    // with the roles the server uses.
    let mut sql = department.sql();
    let count_as = |sql: &mut ::postgres::Client, role: &str, caller: &str| -> i64 {
        let mut tx = sql.transaction().unwrap();
        tx.batch_execute(&format!("SET LOCAL ROLE {role}")).unwrap();
        tx.execute("SELECT set_config('kuvert.caller', $1, true)", &[&caller])
            .unwrap();
        let n: i64 = tx
            .query_one("SELECT count(*) FROM messages", &[])
            .unwrap()
            .get(0);
        let h: i64 = tx
            .query_one("SELECT count(DISTINCT message_id) FROM history", &[])
            .unwrap()
            .get(0);
        assert_eq!(n, h, "history follows the messages for {role} {caller}");
        n
    };
    assert_eq!(count_as(&mut sql, "kuvert_officer", OFFICER_A), 1);
    assert_eq!(count_as(&mut sql, "kuvert_officer", OFFICER_B), 1);
    assert_eq!(count_as(&mut sql, "kuvert_officer", ""), 0);
    assert_eq!(count_as(&mut sql, "kuvert_registrar", REGISTRAR), 2);
    // A registrar role without a registrar behind it reads nothing.
    assert_eq!(count_as(&mut sql, "kuvert_registrar", OFFICER_A), 0);
    // A registrar of named units reads those units' messages only.
    for (identity, units, sees) in [
        ("bygg.registrator@kommunb.example", vec!["Bygglov"], 1),
        ("miljo.registrator@kommunb.example", vec!["Miljö"], 0),
        (
            "two.registrator@kommunb.example",
            vec!["Bygglov", "Socialtjänst"],
            2,
        ),
    ] {
        sql.execute(
            "INSERT INTO staff (identity, name, role, units, source)
             VALUES ($1, 'Enhetsregistrator', 'registrar', $2, 'cli')",
            &[&identity, &units],
        )
        .unwrap();
        assert_eq!(
            count_as(&mut sql, "kuvert_registrar", identity),
            sees,
            "{identity} of {units:?}"
        );
    }
    // An officer cannot store a message in another's name.
    let mut tx = sql.transaction().unwrap();
    tx.batch_execute("SET LOCAL ROLE kuvert_officer").unwrap();
    tx.execute(
        "SELECT set_config('kuvert.caller', $1, true)",
        &[&OFFICER_A],
    )
    .unwrap();
    let forged = tx.execute(
        "INSERT INTO messages (id, correlation_id, submission_id, officer, officer_name, profile,
             sender_org, sender_name, recipient, recipient_display, subject, body,
             protection_class, created_at, state, state_at)
         SELECT gen_random_uuid()::text, correlation_id, 'forged', $1, officer_name, profile,
             sender_org, sender_name, recipient, recipient_display, subject, body,
             protection_class, created_at, state, state_at FROM messages LIMIT 1",
        &[&OFFICER_B],
    );
    assert!(
        forged.is_err(),
        "row-level security let an officer write as another"
    );
}

/// Status changes reach an open window at once (server-sent events): the
/// officer's stream names each step of her own message, up to delivered,
/// and never another officer's message, not even by id.
#[test]
fn an_officers_event_stream_carries_each_change_of_her_own_messages_and_nobody_elses() {
    use kuvert_core::department::Pushed;
    let department = Department::start();
    let anna = department.client(OFFICER_A);
    let bertil = department.client(OFFICER_B);
    let mut events = anna.events();
    // The stream is open once the server has subscribed it; a first change
    // of Bertil's proves nothing leaks and lets the stream settle.
    std::thread::sleep(Duration::from_millis(500));
    let his = bertil.submit(&draft("Bertils beslut"), "e-b").unwrap();
    let hers = anna.submit(&draft("Annas beslut"), "e-a").unwrap();
    let mut states = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while states.last().map(String::as_str) != Some("delivered") {
        assert!(Instant::now() < deadline, "{states:?}");
        match events.next().unwrap().unwrap() {
            Pushed::Status(view) => {
                assert_eq!(
                    view.message_id, hers.message_id,
                    "another officer's message"
                );
                assert_ne!(view.message_id, his.message_id);
                states.push(view.state.clone());
            }
            Pushed::Resync => {}
        }
    }
    // One push per history line (stored, submitted, delivered at least),
    // each saying how the message stands when it is read: a quick worker
    // may have moved it on already.
    assert!(states.len() >= 3, "{states:?}");
    assert!(
        states
            .iter()
            .all(|s| ["signed", "submitted", "pending", "delivered"].contains(&s.as_str())),
        "{states:?}"
    );
    // The registrar's stream names both officers' messages.
    let mut registrar = department.client(REGISTRAR).events();
    std::thread::sleep(Duration::from_millis(500));
    // A refused action records nothing, so pushes nothing.
    anna.mark_handled(&hers.message_id, "x").unwrap_err();
    let third = bertil.submit(&draft("Bertils andra"), "e-b2").unwrap();
    match registrar.next().unwrap().unwrap() {
        Pushed::Status(view) => assert_eq!(view.message_id, third.message_id),
        other => panic!("{other:?}"),
    }
    // A stranger to the staff table gets no stream.
    let nobody = department.client_of("Okänd", "okand@kommunb.example");
    match nobody.events().next().unwrap() {
        Err(Error::Department { code, .. }) => assert_eq!(code, "unknown_caller"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_officer_looks_recipients_up_through_the_server_and_only_officers_may() {
    let department = Department::start();
    let anna = department.client(OFFICER_A);
    let inputs: Vec<String> = ["198501012382", "192705178354", "19850101-0000", "nonsense"]
        .map(String::from)
        .to_vec();
    let answers = anna.check(&inputs).unwrap();
    assert_eq!(answers.len(), 4);
    assert_eq!(answers[0].recipient.as_deref(), Some("19850101-2382"));
    assert!(
        answers[0].operator.as_deref().unwrap().starts_with("Kivra"),
        "{answers:?}"
    );
    assert!(answers[0].invalid.is_none());
    // Not registered: checked, no operator, said in Swedish.
    assert_eq!(answers[1].operator, None);
    assert!(answers[1].invalid.is_none());
    assert!(!answers[1].swedish.is_empty());
    // Not identity numbers: told why, nothing asked.
    assert!(answers[2].invalid.is_some());
    assert!(answers[3].invalid.is_some());
    // A registrar does not send, and does not look recipients up.
    match department.client(REGISTRAR).check(&inputs) {
        Err(Error::Department { code, .. }) => assert_eq!(code, "forbidden"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_submission_handed_over_twice_is_stored_once_and_invalid_ones_store_nothing() {
    let department = Department::start();
    let anna = department.client(OFFICER_A);
    let first = anna.submit(&draft("Kallelse"), "same-key").unwrap();
    let again = anna.submit(&draft("Kallelse"), "same-key").unwrap();
    assert!(first.created && !again.created);
    assert_eq!(first.message_id, again.message_id);

    let mut invalid = draft("");
    invalid.recipient = "19850101-2383".into();
    match anna.submit(&invalid, "bad") {
        Err(Error::Department { code, problems, .. }) => {
            assert_eq!(code, "invalid_input");
            assert!(problems.len() >= 2, "{problems:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(anna.log(None, 10).unwrap().len(), 1);
    wait_for_state(
        &anna,
        &first.message_id,
        &["submitted", "pending", "delivered"],
    );
    delivered_once(&department, &first.message_id);
}

#[test]
fn only_staff_in_the_table_and_only_officers_send_and_strangers_are_refused_at_tls() {
    let department = Department::start();
    let rut = department.client(REGISTRAR);
    match rut.submit(&draft("Registrator skickar"), "r-1") {
        Err(Error::Department { code, .. }) => assert_eq!(code, "forbidden"),
        other => panic!("{other:?}"),
    }
    // A certificate of the staff PKI whose holder is not in the staff table.
    let nobody = department.client_of("Nils Okänd", "nils@kommunb.example");
    match nobody.log(None, 10) {
        Err(Error::Department { code, message, .. }) => {
            assert_eq!(code, "unknown_caller");
            assert!(message.contains("nils@kommunb.example"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // A certificate from another CA does not get past the handshake.
    let foreign_ca = generate_ca("Some Other CA").unwrap();
    let path = department.profile_with(&foreign_ca, "Anna Andersson", OFFICER_A);
    let stranger =
        DepartmentClient::for_profile(&Profile::load(Some(&path)).unwrap(), None).unwrap();
    assert!(matches!(stranger.who_am_i(), Err(Error::Call(_))));
}

#[test]
fn the_log_chain_verifies_and_an_edit_in_the_database_is_reported() {
    let department = Department::start();
    let anna = department.client(OFFICER_A);
    let sent = anna.submit(&draft("Föreläggande"), "c-1").unwrap();
    wait_for_state(
        &anna,
        &sent.message_id,
        &["submitted", "pending", "delivered"],
    );
    let db = kuvert_server::db::Database::connect(&department.postgres.url(), 2).unwrap();
    let report = db
        .as_service(|tx| kuvert_server::chain::verify(tx, &department.chain_key()))
        .unwrap();
    assert!(report.intact(), "{:?}", report.breaks);
    assert!(report.entries >= 2);

    let mut sql = department.sql();
    sql.execute(
        "UPDATE messages SET subject = 'Något annat' WHERE id = $1",
        &[&sent.message_id],
    )
    .unwrap();
    let report = db
        .as_service(|tx| kuvert_server::chain::verify(tx, &department.chain_key()))
        .unwrap();
    assert!(!report.intact());
    assert!(
        report.breaks.iter().any(|b| b.contains(&sent.message_id)),
        "{:?}",
        report.breaks
    );

    // Someone who can write the database, but does not hold the chain key
    // (it is in a file beside server.toml, never in the database), edits
    // and then recomputes every digest and link with a key of their own:
    // every entry is reported.
    let guessed = kuvert_server::chain::ChainKey::from_bytes(&[7u8; 32]).unwrap();
    let resealed = db
        .as_service(|tx| kuvert_server::chain::reseal(tx, &guessed))
        .unwrap();
    assert_eq!(resealed, report.entries);
    let report = db
        .as_service(|tx| kuvert_server::chain::verify(tx, &department.chain_key()))
        .unwrap();
    assert_eq!(
        report
            .breaks
            .iter()
            .filter(|b| b.contains("chain key"))
            .count() as u64,
        report.entries,
        "{:?}",
        report.breaks
    );
    // kuvert verify-log, as the registrar, says the same.
    assert!(!department.client(REGISTRAR).verify_log().unwrap().intact());
    // Only with the department's own key does a reseal hold: the key is
    // the secret the chain rests on.
    db.as_service(|tx| kuvert_server::chain::reseal(tx, &department.chain_key()))
        .unwrap();
    assert!(department.client(REGISTRAR).verify_log().unwrap().intact());
}

#[test]
fn only_a_registrar_purges_and_only_within_the_retention_rule_and_the_purge_is_recorded_and_sealed()
{
    let department = Department::start();
    let anna = department.client(OFFICER_A);
    let rut = department.client(REGISTRAR);
    let old = anna.submit(&draft("Gammalt beslut"), "p-1").unwrap();
    let young = anna.submit(&draft("Nytt beslut"), "p-2").unwrap();
    for id in [&old.message_id, &young.message_id] {
        wait_for_state(&anna, id, &["delivered", "pending", "submitted"]);
    }
    // Let the worker finish with both before ageing one.
    let deadline = Instant::now() + Duration::from_secs(30);
    while anna.message(&old.message_id).unwrap().state != "delivered" {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(200));
    }
    department
        .sql()
        .execute(
            "UPDATE messages SET state_at = now() - interval '3651 days' WHERE id = $1",
            &[&old.message_id],
        )
        .unwrap();

    match anna.purge(3650, false) {
        Err(Error::Department { code, .. }) => assert_eq!(code, "forbidden"),
        other => panic!("an officer purged: {other:?}"),
    }
    match rut.purge(30, false) {
        Err(Error::Department { code, problems, .. }) => {
            assert_eq!(code, "invalid_input");
            assert!(problems[0].contains("3650"), "{problems:?}");
        }
        other => panic!("a purge shorter than the rule: {other:?}"),
    }
    assert_eq!(rut.purge(3650, true).unwrap().count, 1);
    assert_eq!(
        rut.log(None, 10).unwrap().len(),
        2,
        "a dry run removed something"
    );

    let done = rut.purge(3650, false).unwrap();
    assert_eq!(done.count, 1);
    let left: Vec<String> = rut
        .log(None, 10)
        .unwrap()
        .into_iter()
        .map(|m| m.message_id)
        .collect();
    assert_eq!(left, vec![young.message_id.clone()]);
    let mut sql = department.sql();
    let row = sql
        .query_one("SELECT purged_by, count, message_ids FROM purges", &[])
        .unwrap();
    assert_eq!(row.get::<_, String>(0), REGISTRAR);
    assert_eq!(row.get::<_, i64>(1), 1);
    assert_eq!(row.get::<_, Vec<String>>(2), vec![old.message_id.clone()]);
    assert!(rut.verify_log().unwrap().intact());
    // `kuvert purges` reads the record back: the registrar only.
    let records = rut.purges().unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].purged_by, REGISTRAR);
    assert_eq!(records[0].count, 1);
    assert_eq!(records[0].ids_sha256.len(), 64);
    assert!(records[0].rule.contains("3650"), "{records:?}");
    match anna.purges() {
        Err(Error::Department { code, .. }) => assert_eq!(code, "forbidden"),
        other => panic!("an officer read the purges: {other:?}"),
    }

    // A message deleted by hand is not a purge.
    sql.execute("DELETE FROM messages WHERE id = $1", &[&young.message_id])
        .unwrap();
    let check = rut.verify_log().unwrap();
    assert!(
        check.breaks.iter().any(|b| b.contains(&young.message_id)),
        "{:?}",
        check.breaks
    );
}

#[test]
fn with_the_database_down_an_officer_is_told_plainly_and_nothing_is_taken() {
    let mut department = Department::start();
    let anna = department.client(OFFICER_A);
    assert_eq!(anna.who_am_i().unwrap().role, "officer");
    department.postgres.stop();
    match anna.submit(&draft("Under driftstörning"), "down-1") {
        Err(Error::Department { code, message, .. }) => {
            assert_eq!(code, "unavailable");
            assert!(message.contains("Inget har sparats"), "{message}");
            assert_eq!(
                Error::Department {
                    code,
                    message,
                    problems: vec![]
                }
                .code(),
                kuvert_core::ErrorCode::Remote
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_officers_local_log_moves_to_the_department_twice_without_duplicates_and_only_within_its_organisation(
) {
    let department = Department::start();
    let local_dir = tempfile::tempdir().unwrap();
    let profile = Profile::load(Some(&department.sandbox().profile_path())).unwrap();
    let local = kuvert_core::Kuvert::open(profile, &local_dir.path().join("kuvert.sqlite"))
        .unwrap()
        .with_officer(kuvert_core::Officer {
            account: "anna".into(),
            name: "Anna Andersson".into(),
        });
    let mut with_attachment = draft("Beslut med bilaga");
    with_attachment
        .attachments
        .push(kuvert_core::compose::AttachmentFile::new(
            "beslut.txt",
            b"Beslutet i sin helhet.".to_vec(),
        ));
    let mut on_paper = draft("Till en mottagare utan brevlåda");
    on_paper.recipient = "19270517-8354".into();
    for d in [&with_attachment, &on_paper, &draft("Ett tredje")] {
        local.send(d).unwrap();
    }
    let ids = local.local_message_ids().unwrap();
    assert_eq!(ids.len(), 3);

    let anna = department.client(OFFICER_A);
    let moved: Vec<bool> = ids
        .iter()
        .map(|id| anna.import(&local.imported_form(id).unwrap()).unwrap())
        .collect();
    assert_eq!(moved, vec![true, true, true]);
    let again: Vec<bool> = ids
        .iter()
        .map(|id| anna.import(&local.imported_form(id).unwrap()).unwrap())
        .collect();
    assert_eq!(
        again,
        vec![false, false, false],
        "a second run added something"
    );

    let rut = department.client(REGISTRAR);
    let log = rut.log(None, 10).unwrap();
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|m| m.officer == OFFICER_A));
    let first = ids[0].as_str();
    let seen = rut.message(first).unwrap();
    assert_eq!(seen.attachments, vec!["beslut.txt".to_string()]);
    let history = rut.history(first).unwrap();
    assert_eq!(history.first().unwrap().kind, "enqueued");
    let imported = history.iter().find(|h| h.kind == "imported").unwrap();
    assert!(imported
        .detail
        .as_deref()
        .unwrap()
        .contains("skickat av Anna Andersson (anna)"));
    assert!(rut.letter(ids[1].as_str()).unwrap().starts_with(b"%PDF"));
    let sha: String = department
        .sql()
        .query_one(
            "SELECT sha256 FROM attachments WHERE message_id = $1",
            &[&first],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        sha,
        local.message(&ids[0]).unwrap().attachments[0].sha256_hex
    );
    assert!(rut.verify_log().unwrap().intact());

    // Another organisation's message is not taken.
    let mut foreign = local.imported_form(&ids[2]).unwrap();
    foreign.message_id = "0b7c0f0e-4d7e-4b5e-9a53-6d1f2b0a9c11".into();
    foreign.sender_org = "165568402266".into();
    match anna.import(&foreign) {
        Err(Error::Department { code, problems, .. }) => {
            assert_eq!(code, "invalid_input");
            assert!(problems[0].contains("annan organisation"), "{problems:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(rut.log(None, 10).unwrap().len(), 3);
}

/// Issue 12 in department mode: an officer marks their own Failed message
/// (the test environment's undeliverable test person) as handled outside
/// Kuvert with a note, once; the line is sealed in the chain. A bad note, a
/// second note, another officer, a registrar and a message that has not
/// failed are refused, and nothing is recorded.
#[test]
fn issue_12_a_failed_message_is_marked_as_handled_once_by_its_officer_and_sealed() {
    let department = Department::start();
    let anna = department.client(OFFICER_A);
    let failed = anna
        .submit(
            &Draft {
                recipient: "19700101-2389".into(),
                ..draft("Kallelse som inte når fram")
            },
            "h-1",
        )
        .unwrap();
    wait_for_state(&anna, &failed.message_id, &["failed"]);
    let delivered = anna.submit(&draft("Beslut"), "h-2").unwrap();
    wait_for_state(
        &anna,
        &delivered.message_id,
        &["submitted", "pending", "delivered"],
    );

    let refused = |result: Result<_, kuvert_core::Error>| match result {
        Err(kuvert_core::Error::Department { code, problems, .. }) => (code, problems.join(" ")),
        Err(kuvert_core::Error::MessageNotFound(_)) => ("not_found".into(), String::new()),
        other => panic!("{other:?}"),
    };
    let (code, why) = refused(anna.mark_handled(&failed.message_id, "  "));
    assert_eq!(code, "invalid_input");
    assert!(why.contains("Skriv hur meddelandet hanterades"), "{why}");
    let (code, why) = refused(anna.mark_handled(&delivered.message_id, "Ringde upp."));
    assert_eq!(code, "invalid_input");
    assert!(why.contains("har inte misslyckats"), "{why}");
    let bo = department.client(OFFICER_B);
    assert_eq!(
        refused(bo.mark_handled(&failed.message_id, "Ringde upp.")).0,
        "not_found"
    );
    let registrar = department.client(REGISTRAR);
    assert_eq!(
        refused(registrar.mark_handled(&failed.message_id, "Ringde upp.")).0,
        "forbidden"
    );
    let lines = |c: &DepartmentClient| c.history(&failed.message_id).unwrap();
    let before = lines(&anna).len();
    // In the Failed folder, waiting for her.
    let waiting = |c: &DepartmentClient| -> Vec<(String, bool)> {
        c.folder(Folder::Failed)
            .unwrap()
            .into_iter()
            .map(|m| (m.message_id, m.followed_up))
            .collect()
    };
    assert_eq!(waiting(&anna), vec![(failed.message_id.clone(), false)]);

    let view = anna
        .mark_handled(&failed.message_id, "Lämnat över personligen i receptionen.")
        .unwrap();
    assert_eq!(view.state, "failed");
    let history = lines(&anna);
    assert_eq!(history.len(), before + 1);
    let last = history.last().unwrap();
    assert_eq!(last.kind, "handled_outside");
    assert_eq!(
        last.detail.as_deref(),
        Some("Lämnat över personligen i receptionen.")
    );
    let (code, why) = refused(anna.mark_handled(&failed.message_id, "Igen."));
    assert_eq!(code, "invalid_input");
    assert!(why.contains("redan markerat"), "{why}");
    assert_eq!(lines(&anna).len(), before + 1, "nothing more recorded");
    // Followed up: still Failed, no longer waiting.
    assert_eq!(waiting(&anna), vec![(failed.message_id.clone(), true)]);

    let db = kuvert_server::db::Database::connect(&department.postgres.url(), 2).unwrap();
    let report = db
        .as_service(|tx| kuvert_server::chain::verify(tx, &department.chain_key()))
        .unwrap();
    assert!(report.intact(), "{:?}", report.breaks);
    // The note is sealed: edited by hand, the chain says so.
    department
        .sql()
        .execute(
            "UPDATE history SET detail = 'Skickat med post.' WHERE kind = 'handled_outside'",
            &[],
        )
        .unwrap();
    let report = db
        .as_service(|tx| kuvert_server::chain::verify(tx, &department.chain_key()))
        .unwrap();
    assert!(!report.intact());
}

/// Issue 12 in department mode: a recipient without a digital mailbox gets
/// the server's letter with the postal address the officer typed, in the
/// envelope's window (read back with pdftotext).
#[test]
fn issue_12_the_servers_paper_letter_prints_the_postal_address() {
    let department = Department::start();
    let anna = department.client(OFFICER_A);
    let sent = anna
        .submit(
            &Draft {
                recipient: "19270517-8354".into(),
                postal_address: "Åsa Öberg\nStorgatan 1 B\n123 45 Småstad".into(),
                ..draft("Kallelse med post")
            },
            "p-1",
        )
        .unwrap();
    wait_for_state(&anna, &sent.message_id, &["paper"]);
    let pdf = anna.letter(&sent.message_id).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("brev.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let text = std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils; scripts/deps installs it)");
    let text = String::from_utf8(text.stdout).unwrap();
    for line in ["Åsa Öberg", "Storgatan 1 B", "123 45 Småstad"] {
        assert!(text.contains(line), "{line}: {text}");
    }
}

/// Issue 13: "exports … read from the server": `GET /v1/export.csv` is the
/// desktop's CSV (same columns, BOM, `;`, CRLF, formula guard) over what
/// the caller may read — an officer their own messages, the registrar the
/// organisation's — and a download that fails leaves no file.
#[test]
fn the_department_csv_export_holds_what_the_caller_may_read_in_the_desktops_format() {
    let mut department = Department::start();
    let anna = department.client(OFFICER_A);
    let bertil = department.client(OFFICER_B);
    let rut = department.client(REGISTRAR);
    let a = anna
        .submit(&draft("=SUMMA(A1) bygglov"), "export-a")
        .unwrap();
    let b = bertil
        .submit(&draft("Beslut om bistånd"), "export-b")
        .unwrap();
    for (client, id) in [(&anna, &a.message_id), (&bertil, &b.message_id)] {
        wait_for_state(client, id, &["submitted", "pending", "delivered"]);
    }
    let dir = tempfile::tempdir().unwrap();
    let export = |client: &DepartmentClient, filter: ExportFilter, name: &str| {
        let out = dir.path().join(name);
        let rows = client.export_csv(&filter, &out).unwrap();
        let bytes = std::fs::read(&out).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{name}: no BOM");
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        let lines: Vec<String> = text.split("\r\n").map(str::to_string).collect();
        assert_eq!(
            lines[0],
            kuvert_store::export::CSV_COLUMNS.join(";"),
            "{name}: the desktop's columns"
        );
        assert_eq!(
            lines.last().map(String::as_str),
            Some(""),
            "{name}: CRLF ends"
        );
        let data: Vec<Vec<String>> = lines[1..lines.len() - 1]
            .iter()
            .map(|l| l.split(';').map(str::to_string).collect())
            .collect();
        assert_eq!(data.len() as u64, rows, "{name}: X-Kuvert-Rows");
        data
    };
    let column = |name: &str| {
        kuvert_store::export::CSV_COLUMNS
            .iter()
            .position(|c| *c == name)
            .unwrap()
    };

    let own = export(&anna, ExportFilter::default(), "anna.csv");
    assert_eq!(own.len(), 1, "{own:?}");
    assert_eq!(own[0][column("message_id")], a.message_id);
    assert_eq!(own[0][column("officer_account")], OFFICER_A);
    // A subject that Excel would run as a formula is guarded.
    assert_eq!(own[0][column("subject")], "'=SUMMA(A1) bygglov");
    assert_eq!(own[0][column("case_number")], "BN 2026/0042");

    let all = export(&rut, ExportFilter::default(), "rut.csv");
    let ids: Vec<&str> = all
        .iter()
        .map(|r| r[column("message_id")].as_str())
        .collect();
    assert_eq!(
        ids,
        [a.message_id.as_str(), b.message_id.as_str()],
        "oldest first"
    );
    let text = |t: &str| ExportFilter {
        text: Some(t.into()),
        ..ExportFilter::default()
    };
    let case = |c: &str| ExportFilter {
        case: Some(c.into()),
        ..ExportFilter::default()
    };
    let found = export(&rut, text("bistånd"), "rut-bistand.csv");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0][column("officer_account")], OFFICER_B);
    // By diarienummer: exactly, or every one it begins with `*`; the
    // pattern's own characters are taken literally.
    assert_eq!(export(&rut, case("BN 2026/0042"), "case.csv").len(), 2);
    assert_eq!(export(&rut, case("BN 2026/004"), "near.csv").len(), 0);
    assert_eq!(export(&rut, case("BN 2026/00*"), "prefix.csv").len(), 2);
    assert_eq!(export(&rut, case("BN_2026%*"), "literal.csv").len(), 0);
    assert_eq!(
        export(&anna, case("BN 2026/0042"), "anna-case.csv").len(),
        1
    );

    // The database down: an error, and neither the file nor its part.
    department.postgres.stop();
    let out = dir.path().join("down.csv");
    let refused = rut.export_csv(&ExportFilter::default(), &out);
    assert!(
        matches!(&refused, Err(Error::Department { code, .. }) if code == "unavailable"),
        "{refused:?}"
    );
    assert!(!out.exists());
    assert!(!dir.path().join("down.csv.part").exists());
}
