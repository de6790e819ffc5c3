use kuvert_store::{Store, StoreError};

use crate::support::{at, count, id, message, purge_order, raw, store};

#[test]
fn empty_database_gets_every_table_and_reopening_keeps_data() {
    let (dir, s) = store();
    s.enqueue(&message(1), at(0)).unwrap();
    drop(s);
    let conn = raw(&dir);
    let mut versions: Vec<(String, i64)> = conn
        .prepare("SELECT component, version FROM schema_version ORDER BY component")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    versions.sort();
    let names: Vec<&str> = versions.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        names,
        [
            "chain",
            "drafts",
            "messages",
            "messages_fts",
            "purges",
            "status_history"
        ]
    );
    assert!(versions.iter().all(|(_, v)| *v >= 1));
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    drop(conn);

    let reopened = Store::open(dir.path().join("kuvert.sqlite")).unwrap();
    assert!(reopened.message(&id("m-1")).unwrap().is_some());
    assert_eq!(count(&dir, "schema_version"), 6, "re-open adds no versions");
}

#[test]
fn a_database_from_a_newer_kuvert_is_refused() {
    let (dir, s) = store();
    drop(s);
    raw(&dir)
        .execute(
            "UPDATE schema_version SET version = 99 WHERE component = 'messages'",
            [],
        )
        .unwrap();
    let err = Store::open(dir.path().join("kuvert.sqlite")).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::SchemaTooNew {
                table: "messages",
                found: 99,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn purge_cascades_through_foreign_keys() {
    let (dir, s) = store();
    s.enqueue(&message(1), at(0)).unwrap();
    crate::support::deliver(&s, "m-1", at(1));
    let report = s.purge(&purge_order(at(10)), false, at(10)).unwrap();
    assert_eq!(report.count, 1);
    for table in [
        "messages",
        "attachments",
        "attachment_content",
        "signed_deliveries",
        "status_history",
    ] {
        assert_eq!(count(&dir, table), 0, "{table}");
    }
}

/// Issue 11: the database holds class-3 bodies and identity numbers, so
/// it and its companion files are the owner's only — new or found open.
#[cfg(unix)]
#[test]
fn the_database_and_its_files_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let (dir, s) = crate::support::store();
    s.enqueue(&crate::support::message(1), crate::support::at(1))
        .unwrap();
    let db = dir.path().join("kuvert.sqlite");
    let anchor = kuvert_store::anchor_path(&db);
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(&anchor), 0o600);
    let mut wal = db.clone().into_os_string();
    wal.push("-wal");
    assert_eq!(mode(std::path::Path::new(&wal)), 0o600);
    drop(s);
    for file in [&db, &anchor] {
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let _reopened = kuvert_store::Store::open(&db).unwrap();
    assert_eq!(mode(&db), 0o600, "an existing open database is tightened");
    assert_eq!(mode(&anchor), 0o600);
}
