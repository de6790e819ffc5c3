//! The identity-number table the app's form is tested against too
//! (`tests/vectors/identity-numbers.json`, read by
//! `ui/src/lib/identity.test.ts`): what the officer sees accepted while
//! typing is what the core accepts when sending.

use std::path::Path;

use kuvert_protocol::date::CalendarDate;
use kuvert_protocol::identity::{IdentityKind, RecipientId};

#[test]
fn the_core_accepts_and_refuses_what_the_shared_table_says() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/identity-numbers.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let table: serde_json::Value = serde_json::from_str(&text).unwrap();
    let today: Vec<u16> = table["today"]
        .as_str()
        .unwrap()
        .split('-')
        .map(|p| p.parse().unwrap())
        .collect();
    let today = CalendarDate::new(today[0], today[1] as u8, today[2] as u8).unwrap();
    let rows = table["rows"].as_array().unwrap();
    assert!(rows.len() >= 40, "{} rows", rows.len());
    for row in rows {
        let input = row["input"].as_str().unwrap();
        let parsed = RecipientId::parse(input, today);
        match row["wire"].as_str() {
            Some(wire) => {
                let id = parsed.unwrap_or_else(|e| panic!("{input:?} refused: {e}"));
                assert_eq!(id.as_str(), wire, "{input:?}");
                let kind = match id.kind() {
                    IdentityKind::Personnummer => "person",
                    IdentityKind::Samordningsnummer => "coordination",
                    IdentityKind::Organisationsnummer => "organisation",
                };
                assert_eq!(kind, row["kind"].as_str().unwrap(), "{input:?}");
            }
            None => assert!(
                parsed.is_err(),
                "{input:?} ({}) accepted as {:?}",
                row["why"],
                parsed.map(|id| id.as_str().to_owned())
            ),
        }
    }
}
