//! The mailbox web pages show a delivered message as a recipient sees it.

use std::time::Duration;

use kuvert_protocol::soap::DeliveryStatus;
use kuvert_sandbox::Operator;

use crate::support::*;

#[test]
fn the_mailbox_page_shows_a_delivered_message() {
    let sandbox = sandbox();
    let id = message_id();
    let pdf = b"%PDF-1.4 beslut med bilaga".to_vec();
    let document = signed(
        sandbox,
        &delivery(
            "198501012382",
            &id,
            vec![attachment("Beslut <1>.pdf", &pdf)],
        ),
    );
    let client = client(sandbox);
    let distribution = client.distribute_secure(&document).unwrap();
    assert_eq!(
        settled(&client, &distribution, Duration::from_secs(20)),
        DeliveryStatus::Delivered
    );

    let https = https(sandbox, identity(sandbox), Duration::from_secs(10));
    let index = String::from_utf8(https.get(&sandbox.web_url()).unwrap().body).unwrap();
    assert!(index.contains("Kivra (testmiljö)") && index.contains("/mailbox/kivra/"));

    let reply = https.get(&sandbox.mailbox_url(Operator::Kivra)).unwrap();
    assert!(reply
        .content_type
        .unwrap_or_default()
        .starts_with("text/html"));
    let page = String::from_utf8(reply.body).unwrap();
    let message = sandbox
        .delivered_messages(Operator::Kivra)
        .into_iter()
        .find(|m| m.message_id == id)
        .unwrap();
    for expected in [
        "19850101-2382",
        "Kommun B",
        "Beslut i ärende &lt;b&gt;viktigt&lt;/b&gt; &amp; &quot;brådskande&quot;",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "Beslut &lt;1&gt;.pdf",
        &format!("{} byte", pdf.len()),
        "<dt>Skyddsklass</dt><dd>2</dd>",
        &message.received_time,
        "Förseglat och underskrifterna är giltiga",
    ] {
        assert!(page.contains(expected), "the page lacks {expected}");
    }
    assert!(!page.contains("<script>alert(1)</script>"));

    // The attachment downloads unchanged.
    let link = format!(
        "{}messages/{}/attachments/0",
        sandbox.mailbox_url(Operator::Kivra),
        message.transaction_id
    );
    assert!(page.contains(link.trim_start_matches(sandbox.web_url().trim_end_matches('/'))));
    let download = https.get(&link).unwrap();
    assert_eq!(download.body, pdf);
    assert_eq!(download.content_type.as_deref(), Some("application/pdf"));

    // The JSON listing for tests.
    let json = https
        .get(&sandbox.messages_json_url(Operator::Kivra))
        .unwrap();
    let listing: serde_json::Value = serde_json::from_slice(&json.body).unwrap();
    let entry = listing
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["message_id"] == id.as_str())
        .unwrap();
    assert_eq!(entry["recipient_display"], "19850101-2382");
    assert_eq!(entry["protection_class"], 2);
    assert_eq!(entry["attachments"][0]["size"], pdf.len());
}

#[test]
fn unknown_pages_are_not_found() {
    let sandbox = sandbox();
    let https = https(sandbox, identity(sandbox), Duration::from_secs(10));
    for path in [
        "mailbox/nobody/",
        "mailbox/kivra/messages/x/attachments/0",
        "etc/passwd",
    ] {
        let error = https
            .get(&format!("{}{path}", sandbox.web_url()))
            .unwrap_err();
        assert!(
            matches!(
                error,
                kuvert_transport::TransportError::HttpStatus { status: 404, .. }
            ),
            "{path}: {error:?}"
        );
    }
}

#[test]
fn the_pages_need_no_client_certificate_but_the_services_do() {
    let sandbox = sandbox();
    let curl = |url: &str| {
        run(std::process::Command::new("curl")
            .args([
                "--silent",
                "--show-error",
                "--fail",
                "--max-time",
                "10",
                "--cacert",
            ])
            .arg(sandbox.ca_pem_path())
            .arg(url))
    };
    let index = curl(&sandbox.web_url());
    assert!(index.ok, "{}", index.output);
    assert!(index.output.contains("Min myndighetspost (testmiljö)"));
    // The services refuse the same anonymous client in the handshake.
    let service = curl(&sandbox.recipient_url());
    assert!(!service.ok, "{}", service.output);
}
