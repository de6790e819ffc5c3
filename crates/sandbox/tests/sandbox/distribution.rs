//! distributeSecure and checkDistributionStatus: every delivery scenario,
//! idempotent re-submission.

use std::time::Duration;

use kuvert_protocol::soap::{DeliveryStatus, DistributionType};
use kuvert_sandbox::Operator;

use crate::support::*;

const SETTLE: Duration = Duration::from_secs(20);

/// Sends one delivery to `to` and waits for its final status.
fn send(to: &str) -> (String, String, DeliveryStatus) {
    let sandbox = sandbox();
    let id = message_id();
    let document = signed(
        sandbox,
        &delivery(to, &id, vec![attachment("Beslut.pdf", b"%PDF-1.4 beslut")]),
    );
    let client = client(sandbox);
    let distribution = client.distribute_secure(&document).unwrap();
    let status = settled(&client, &distribution, SETTLE);
    (id, distribution, status)
}

#[test]
fn deliveries_reach_the_chosen_operator() {
    let sandbox = sandbox();
    for (to, operator) in [
        ("198501012382", Operator::Kivra),
        ("198501012390", Operator::MinMyndighetspost),
        ("202201612385", Operator::Kivra),
        ("165568402266", Operator::MinMyndighetspost),
    ] {
        let (id, distribution, status) = send(to);
        assert_eq!(status, DeliveryStatus::Delivered, "{to}");
        assert_eq!(sandbox.delivery_count(&id), 1, "{to}");
        let delivered = sandbox.delivered_messages(operator);
        let message = delivered
            .iter()
            .find(|m| m.message_id == id)
            .unwrap_or_else(|| panic!("{to}'s message is not at {operator:?}"));
        assert_eq!(message.recipient, to);
        assert_eq!(message.sender_name, "Kommun B");
        assert!(message.signatures_verified && message.seal_signatures_ok);
        let other = Operator::ALL.into_iter().find(|o| *o != operator).unwrap();
        assert!(sandbox
            .delivered_messages(other)
            .iter()
            .all(|m| m.message_id != id));

        let statuses = client(sandbox)
            .check_distribution_status(&kommun_b(), &distribution)
            .unwrap();
        assert_eq!(statuses[0].recipient.as_str(), to);
        assert_eq!(statuses[0].distribution, DistributionType::Digital);
    }
}

#[test]
fn a_failing_mailbox_ends_in_delivery_failed() {
    let sandbox = sandbox();
    let (id, _, status) = send("197001012389");
    assert_eq!(status, DeliveryStatus::DeliveryFailed);
    assert_eq!(sandbox.delivery_count(&id), 0);
}

#[test]
fn the_slow_recipient_is_delivered_to_a_patient_client() {
    let (_, _, status) = send("196001012381");
    assert_eq!(status, DeliveryStatus::Delivered);
}

#[test]
fn recipients_who_cannot_receive_are_refused() {
    let sandbox = sandbox();
    for to in ["192705178354", "201701012393", "199001012385"] {
        let document = signed(sandbox, &delivery(to, &message_id(), vec![]));
        client_fault(client(sandbox).distribute_secure(&document), 5004);
    }
}

#[test]
fn resubmitting_the_same_delivery_returns_the_same_id_and_delivers_once() {
    let sandbox = sandbox();
    let id = message_id();
    let document = signed(sandbox, &delivery("198501012382", &id, vec![]));
    let client = client(sandbox);
    let first = client.distribute_secure(&document).unwrap();
    let second = client.distribute_secure(&document).unwrap();
    assert_eq!(first, second);
    assert_eq!(settled(&client, &first, SETTLE), DeliveryStatus::Delivered);
    let third = client.distribute_secure(&document).unwrap();
    assert_eq!(first, third);
    assert_eq!(sandbox.delivery_count(&id), 1, "0 duplicated");
    assert_eq!(
        sandbox.distribution_progress(&first),
        Some(kuvert_sandbox::Progress::Delivered)
    );

    // The same MessageId with other content is the caller's error.
    let mut changed = delivery("198501012382", &id, vec![]);
    changed.message.subject = kuvert_protocol::delivery::Subject::new("Ett annat ämne").unwrap();
    let description = client_fault(client.distribute_secure(&signed(sandbox, &changed)), 5005);
    assert!(description.contains(&id), "{description}");
    assert_eq!(sandbox.delivery_count(&id), 1);
}

#[test]
fn an_unknown_distribution_id_is_a_client_fault() {
    let sandbox = sandbox();
    client_fault(
        client(sandbox).check_distribution_status(&kommun_b(), "no-such-distribution"),
        5004,
    );
}
