//! FaR's isReachable for every seeded recipient.

use std::time::{Duration, Instant};

use kuvert_protocol::soap::Reachability;
use kuvert_transport::{CallError, TransportError};

use crate::support::*;

#[test]
fn every_seeded_recipient_is_answered_as_seeded() {
    let sandbox = sandbox();
    let ids = [
        "198501012382",
        "198501012390",
        "202201612385",
        "165568402266",
        "192705178354",
        "201701012393",
        "199001012385",
        "197001012389",
    ];
    let recipients: Vec<_> = ids.iter().map(|id| recipient(id)).collect();
    let statuses = client(sandbox)
        .is_reachable(&kommun_b(), &recipients)
        .unwrap();
    let got: Vec<_> = statuses
        .iter()
        .map(|s| (s.recipient.as_str().to_string(), s.reachability()))
        .collect();
    let kivra = || Reachability::Digital {
        operator: "Kivra (testmiljö)".into(),
    };
    let mmp = || Reachability::Digital {
        operator: "Min myndighetspost (testmiljö)".into(),
    };
    let expected = vec![
        kivra(),
        mmp(),
        kivra(),
        mmp(),
        Reachability::NotRegistered,
        Reachability::RegistrationPending,
        Reachability::SenderNotAccepted,
        kivra(),
    ];
    let expected: Vec<_> = ids.iter().map(|s| s.to_string()).zip(expected).collect();
    assert_eq!(got, expected);
    // The supplier points at the operator's deliverSecure endpoint.
    let supplier = statuses[0].supplier.as_ref().unwrap();
    assert_eq!(
        supplier.service_address,
        sandbox.operator_url(kuvert_sandbox::Operator::Kivra)
    );
}

#[test]
fn the_slow_recipient_makes_a_short_client_time_out() {
    let sandbox = sandbox();
    let impatient = client_with(sandbox, identity(sandbox), Duration::from_millis(300));
    let started = Instant::now();
    let error = impatient
        .is_reachable(&kommun_b(), &[recipient("196001012381")])
        .unwrap_err();
    assert!(
        matches!(error, CallError::Transport(TransportError::Timeout { .. })),
        "{error:?}"
    );
    assert!(error.is_retryable());
    assert!(started.elapsed() < SLOW);

    // A patient client gets the answer after the delay.
    let started = Instant::now();
    let statuses = client(sandbox)
        .is_reachable(&kommun_b(), &[recipient("196001012381")])
        .unwrap();
    assert!(started.elapsed() >= SLOW);
    assert!(matches!(
        statuses[0].reachability(),
        Reachability::Digital { .. }
    ));
}

#[test]
fn asking_for_another_sender_is_a_client_fault() {
    let sandbox = sandbox();
    let other = kuvert_protocol::identity::OrganizationNumber::from_wire("165568402266").unwrap();
    let description = client_fault(
        client(sandbox).is_reachable(&other, &[recipient("198501012382")]),
        5003,
    );
    assert!(description.contains("165568402266"), "{description}");
    client_fault(
        client(sandbox).check_distribution_status(&other, "any-distribution"),
        5003,
    );
}
