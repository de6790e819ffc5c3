use kuvert_protocol::delivery::MatterStatus;
use kuvert_store::{DraftFields, StoreError};

use crate::support::{at, count, raw, store};

#[test]
fn autosave_updates_fields_without_rewriting_attachments() {
    let (dir, s) = store();
    let mut fields = DraftFields {
        recipient_text: "850101-2382".into(),
        subject: "Komplettering".into(),
        case_number: "KS 2026/0123".into(),
        protection_class: Some(1),
        event: Some(MatterStatus::RecipientInitiative),
        sender_name: Some("Kommun B".into()),
        ..DraftFields::default()
    };
    let id = s.save_draft(None, &fields, at(0)).unwrap();
    let file = s
        .add_draft_attachment(id, "underlag.pdf", "application/pdf", b"%PDF-1.7", at(1))
        .unwrap();
    for i in 0..20 {
        fields.body = format!("Hej! Utkast {i} med åäö.");
        assert_eq!(s.save_draft(Some(id), &fields, at(2 + i)).unwrap(), id);
    }
    assert_eq!(count(&dir, "draft_attachments"), 1);
    let draft = s.draft(id).unwrap().unwrap();
    assert_eq!(draft.fields, fields);
    assert_eq!(draft.updated_at, at(21));
    assert_eq!(draft.attachments.len(), 1);
    assert_eq!(draft.attachments[0].id, file);

    let second = s.save_draft(None, &DraftFields::default(), at(30)).unwrap();
    let list = s.drafts().unwrap();
    assert_eq!(
        list.iter().map(|d| d.id).collect::<Vec<_>>(),
        [second, id],
        "most recent first"
    );
    assert_eq!(list[1].attachment_count, 1);

    s.remove_draft_attachment(id, file, at(40)).unwrap();
    s.delete_draft(id).unwrap();
    assert!(s.draft(id).unwrap().is_none());
    assert!(matches!(
        s.delete_draft(id),
        Err(StoreError::DraftNotFound { .. })
    ));
    assert!(matches!(
        s.add_draft_attachment(id, "x", "y", b"z", at(50)),
        Err(StoreError::DraftNotFound { .. })
    ));
    assert_eq!(count(&dir, "draft_attachments"), 0);
}

/// A draft saved as an event message before its status was kept reads as
/// the status Kuvert then always sent.
#[test]
fn an_event_draft_from_before_the_status_was_kept_reads_as_sender_initiative() {
    let (dir, s) = store();
    let fields = DraftFields {
        event: Some(MatterStatus::Closed),
        ..DraftFields::default()
    };
    let id = s.save_draft(None, &fields, at(0)).unwrap();
    assert_eq!(
        s.draft(id).unwrap().unwrap().fields.event,
        Some(MatterStatus::Closed)
    );
    raw(&dir)
        .execute("UPDATE drafts SET event_status = NULL", [])
        .unwrap();
    assert_eq!(
        s.draft(id).unwrap().unwrap().fields.event,
        Some(MatterStatus::SenderInitiative)
    );
    let ordinary = s
        .save_draft(Some(id), &DraftFields::default(), at(1))
        .unwrap();
    assert_eq!(s.draft(ordinary).unwrap().unwrap().fields.event, None);
}
