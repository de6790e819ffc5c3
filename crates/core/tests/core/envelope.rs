//! Issue 17: the signed delivery as sent (the SOAP envelope) is measured
//! and held to `rules.max_envelope_bytes`, by Kuvert before anything is
//! stored and by the test environment's intermediary; the ways out are a
//! compressed PDF and the paper route.

use std::path::Path;

use kuvert_core::compose::{AttachmentFile, Draft, EnvelopeSize};
use kuvert_core::compress::{compress_pdf, sha256_hex, PRINT_DPI};
use kuvert_core::profile::{Profile, DEFAULT_MAX_ENVELOPE_BYTES};
use kuvert_core::{DraftFields, Error, ErrorCode, Folder, Kuvert, SendReport, SendState};
use kuvert_sandbox::{Sandbox, SandboxConfig};

use crate::scan::{page_text, scanned_pdf};
use crate::support::{self, run};

/// A sandbox whose intermediary takes envelopes up to `sandbox_max`, and a
/// Kuvert whose profile (the one the sandbox writes) says `kuvert_max`.
struct Setup {
    dir: tempfile::TempDir,
    sandbox: Sandbox,
}

impl Setup {
    fn new(sandbox_max: u64) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let mut config = SandboxConfig::new(dir.path().join("testmiljo"));
        config.max_envelope_bytes = sandbox_max;
        let sandbox = Sandbox::start(config).unwrap();
        Setup { dir, sandbox }
    }

    /// A Kuvert with its own store `name` and the envelope limit `max`.
    fn kuvert(&self, name: &str, max: u64) -> Kuvert {
        let text = std::fs::read_to_string(self.sandbox.profile_path()).unwrap();
        let line = format!("max_envelope_bytes = {}", self.sandbox_max());
        assert!(text.contains(&line), "{text}");
        let text = text.replacen(&line, &format!("max_envelope_bytes = {max}"), 1);
        let profile = Profile::from_toml_str(&text, self.sandbox.state_dir()).unwrap();
        assert_eq!(profile.rules().max_envelope_bytes, max);
        Kuvert::open(profile, &self.dir.path().join(format!("{name}.sqlite"))).unwrap()
    }

    fn sandbox_max(&self) -> u64 {
        let text = std::fs::read_to_string(self.sandbox.profile_path()).unwrap();
        let line = text
            .lines()
            .find(|l| l.starts_with("max_envelope_bytes"))
            .unwrap();
        line.split('=')
            .nth(1)
            .unwrap()
            .split('#')
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }
}

/// A message with a PDF attachment of `size` bytes.
fn draft(size: usize) -> Draft {
    Draft {
        recipient: "19850101-2382".into(),
        subject: "Beslut om bygglov".into(),
        body: "Hej,\n\nhär kommer beslutet.".into(),
        attachments: vec![AttachmentFile::new("beslut.pdf", support::pdf_bytes(size))],
        protection_class: Some(2),
        case_number: "BN 2026/0123".into(),
        ..Draft::default()
    }
}

fn profile_with_rules(rules: &str) -> Result<Profile, kuvert_core::profile::ProfileError> {
    let text = support::profile_text_with(
        "max_attachment_bytes = 1000\nmax_total_attachment_bytes = 2000\n",
        rules,
    );
    Profile::from_toml_str(&text, support::fixture().dir())
}

#[test]
fn the_default_envelope_limit_is_2_mib_and_the_attachment_limits_default_to_what_it_carries() {
    let profile = profile_with_rules("").unwrap();
    let rules = profile.rules();
    assert_eq!(rules.max_envelope_bytes, 2_097_152);
    assert_eq!(DEFAULT_MAX_ENVELOPE_BYTES, 2_097_152);
    // Base64: 4 bytes for every 3, so 2 097 152 carry 1 572 864.
    assert_eq!(rules.max_attachment_bytes, 1_572_864);
    assert_eq!(rules.max_total_attachment_bytes, 1_572_864);
    let larger = profile_with_rules("max_envelope_bytes = 8000000\n").unwrap();
    assert_eq!(larger.rules().max_attachment_bytes, 6_000_000);
}

#[test]
fn a_scan_far_larger_than_the_envelope_is_still_read_so_compressing_it_can_be_offered() {
    // Three A4 pages scanned at 300 dpi in 8-bit grey without compression:
    // 2480 × 3508 bytes each, about 26 MB; a default profile reads it.
    let scan = 3 * 2480 * 3508;
    let rules = profile_with_rules("").unwrap().rules().clone();
    assert!(rules.largest_input_file() > scan);
    let tiny = profile_with_rules("max_attachment_bytes = 1000\n").unwrap();
    assert!(tiny.rules().largest_input_file() > scan);
    // A profile for larger envelopes reads five times its attachment limit.
    let larger = profile_with_rules("max_envelope_bytes = 100000000\n").unwrap();
    assert_eq!(larger.rules().max_attachment_bytes, 20_000_000);
    assert_eq!(larger.rules().largest_input_file(), 5 * 20_000_000);
}

#[test]
fn attachment_limits_that_cannot_fit_the_envelope_are_a_profile_error_naming_both_keys() {
    for (rules, key) in [
        (
            "max_attachment_bytes = 20000000\n",
            "rules.max_attachment_bytes",
        ),
        (
            "max_attachment_bytes = 1000000\nmax_total_attachment_bytes = 1600000\n",
            "rules.max_total_attachment_bytes",
        ),
        (
            "max_envelope_bytes = 100000\nmax_attachment_bytes = 80000\n",
            "rules.max_attachment_bytes",
        ),
    ] {
        let error = profile_with_rules(rules).unwrap_err().to_string();
        assert!(error.contains(&format!("{key}:")), "{rules}: {error}");
        assert!(
            error.contains("rules.max_envelope_bytes"),
            "{rules}: {error}"
        );
    }
    // Limits that fit are fine, and an envelope below any message is refused.
    profile_with_rules("max_envelope_bytes = 100000\nmax_attachment_bytes = 75000\n").unwrap();
    let error = profile_with_rules("max_envelope_bytes = 1000\n")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("rules.max_envelope_bytes: 1000 is out of range"),
        "{error}"
    );
}

#[test]
fn envelope_sizes_are_swedish_against_the_limit() {
    let size = |bytes| EnvelopeSize {
        bytes,
        max: 2_097_152,
    };
    assert_eq!(size(1_468_006).swedish(), "1,4 av 2,0 MB");
    assert_eq!(size(2_097_152).swedish(), "2,0 av 2,0 MB");
    assert!(size(2_097_152).fits());
    assert!(!size(2_097_153).fits());
}

/// The signed delivery's real size decides, to the byte: one byte over the
/// limit is refused before anything is stored, at the limit and one byte
/// under it are sent, and what the intermediary receives is the size
/// Kuvert measured.
#[test]
fn sizes_just_under_at_and_over_the_limit_are_decided_on_the_signed_envelope() {
    let setup = Setup::new(64_000_000);
    let message = draft(300_000);
    let size = setup
        .kuvert("measure", 8_000_000)
        .envelope_size(&message)
        .unwrap()
        .bytes;
    // Far more than the attachment's base64 (400 000): XML, signature, certificate.
    assert!(size > 400_000 && size < 420_000, "{size}");
    for (n, (limit, sent)) in [(size - 1, false), (size, true), (size + 1, true)]
        .into_iter()
        .enumerate()
    {
        let kuvert = setup.kuvert(&format!("store{n}"), limit);
        assert_eq!(
            kuvert.envelope_size(&message).unwrap(),
            EnvelopeSize {
                bytes: size,
                max: limit
            },
            "the same message measures the same each time"
        );
        let before = setup.sandbox.received_envelopes().len();
        match kuvert.send(&message) {
            Ok(SendReport::Submitted { .. }) if sent => {
                let received = setup.sandbox.received_envelopes();
                assert_eq!(received.len(), before + 1);
                assert_eq!(
                    received[before].bytes, size,
                    "the intermediary got what was measured"
                );
            }
            Err(Error::Compose(problems)) if !sent => {
                assert_eq!(problems.problems().len(), 1);
                let problem = &problems.problems()[0];
                assert_eq!(problem.kind.code(), "envelope_too_large");
                assert_eq!(
                    problem.swedish(),
                    format!(
                        "Meddelandet blir {} när det skickas; förmedlaren tar emot högst {}. \
                         Komprimera PDF-filen eller skicka meddelandet med post.",
                        kuvert_core::compose::envelope::megabytes(size),
                        kuvert_core::compose::envelope::megabytes(limit)
                    )
                );
                assert_eq!(
                    Error::Compose(problems.clone()).code(),
                    ErrorCode::InvalidInput
                );
                assert!(kuvert.outbox().unwrap().is_empty(), "nothing stored");
                assert!(kuvert.folder(Folder::Sent).unwrap().is_empty());
                assert_eq!(
                    setup.sandbox.received_envelopes().len(),
                    before,
                    "nothing sent"
                );
            }
            other => panic!("limit {limit} (size {size}): {other:?}"),
        }
    }
}

/// SKL's requirement list: a message the infrastructure cannot carry is
/// refused where the officer is, before it is stored, not in production
/// after the fact.
#[test]
fn a_message_over_the_default_limit_is_refused_before_it_is_stored() {
    let setup = Setup::new(SandboxConfig::DEFAULT_MAX_ENVELOPE_BYTES);
    let kuvert = setup.kuvert("default", DEFAULT_MAX_ENVELOPE_BYTES);
    // Within the attachment limit (1 572 864), but with the envelope's XML
    // and signature over 2 097 152.
    let message = draft(1_572_000);
    kuvert.validate(&message).unwrap();
    let size = kuvert.envelope_size(&message).unwrap();
    assert!(!size.fits(), "{size:?}");
    let error = kuvert.send(&message).unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput, "{error}");
    assert!(
        error
            .to_string()
            .contains("Compress the PDF or send the message on paper"),
        "{error}"
    );
    assert!(kuvert.outbox().unwrap().is_empty());
    assert!(setup.sandbox.received_envelopes().is_empty());
}

#[test]
fn the_test_environment_refuses_an_oversized_envelope_and_kuvert_says_so_plainly_without_retrying()
{
    // Kuvert believes in 8 MB; the intermediary takes 2 MiB (its default).
    let setup = Setup::new(SandboxConfig::DEFAULT_MAX_ENVELOPE_BYTES);
    let kuvert = setup.kuvert("lenient", 8_000_000);
    let report = kuvert.send(&draft(2_000_000)).unwrap();
    let SendReport::Failed { message_id, reason } = report else {
        panic!("{report:?}");
    };
    assert!(
        reason.starts_with("the intermediary refused the message as too large; sending it again cannot help. Compress the PDF or send the message on paper"),
        "{reason}"
    );
    assert!(reason.contains("error 4999"), "{reason}");
    let received = setup.sandbox.received_envelopes();
    assert_eq!(received.len(), 1, "{received:?}");
    assert!(received[0].refused_as_too_large);
    // Resuming does not try again: it is Failed, not in the Outbox.
    kuvert.process_outbox().unwrap();
    assert_eq!(setup.sandbox.received_envelopes().len(), 1);
    let message = kuvert.message(&message_id).unwrap();
    assert_eq!(message.state, SendState::Failed);
    assert_eq!(message.attempts, 0, "never counted as an attempt to retry");
    assert_eq!(message.failure_reason.as_deref(), Some(reason.as_str()));
}

fn pdftotext(pdf: &[u8], dir: &Path) -> String {
    let file = dir.join("in.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = run(std::process::Command::new("pdftotext").arg(&file).arg("-"));
    assert!(out.ok, "{}", out.output);
    out.output
}

#[test]
fn a_scanned_pdf_is_compressed_to_print_resolution_with_its_text_kept() {
    let dir = tempfile::tempdir().unwrap();
    let scan = scanned_pdf(1, 300, 92);
    let compressed = compress_pdf(&scan).unwrap();
    assert_eq!(compressed.images_downsampled, 1);
    assert!(
        compressed.bytes.len() * 3 < scan.len(),
        "{} -> {}",
        scan.len(),
        compressed.bytes.len()
    );
    assert_eq!(compressed.original_size, scan.len() as u64);
    assert_eq!(compressed.original_sha256, sha256_hex(&scan));
    assert_eq!(compressed.compressed_sha256, sha256_hex(&compressed.bytes));
    assert!(pdftotext(&scan, dir.path()).contains(&page_text(1)));
    assert!(
        pdftotext(&compressed.bytes, dir.path()).contains(&page_text(1)),
        "text stays text"
    );
    // The picture is now at print resolution: an A4 page 8.27 in wide.
    let file = dir.path().join("out.pdf");
    std::fs::write(&file, &compressed.bytes).unwrap();
    let images = run(std::process::Command::new("pdfimages")
        .arg("-list")
        .arg(&file));
    assert!(images.ok, "{}", images.output);
    let width = (595.0 / 72.0 * PRINT_DPI).round() as u32;
    assert!(
        images.output.contains(&format!(" {width} ")),
        "{width} px wide expected:\n{}",
        images.output
    );
    // Compressing again gains nothing more worth having.
    assert!(compress_pdf(&compressed.bytes).map_or(true, |again| again.images_downsampled == 0));
}

#[test]
fn a_draft_too_large_to_send_is_sent_after_compressing_its_pdf_and_the_original_file_is_untouched()
{
    let setup = Setup::new(SandboxConfig::DEFAULT_MAX_ENVELOPE_BYTES);
    let kuvert = setup.kuvert("compress", DEFAULT_MAX_ENVELOPE_BYTES);
    let scan = scanned_pdf(1, 300, 92);
    assert!(scan.len() > 1_600_000, "{}", scan.len());
    let file = setup.dir.path().join("beslut.pdf");
    std::fs::write(&file, &scan).unwrap();
    let id = kuvert
        .save_draft(
            None,
            &DraftFields {
                recipient_text: "19850101-2382".into(),
                subject: "Beslut om bygglov".into(),
                body: "Hej, här kommer beslutet.".into(),
                case_number: "BN 2026/0123".into(),
                protection_class: Some(2),
                ..DraftFields::default()
            },
        )
        .unwrap();
    kuvert.attach_file(id, &file).unwrap();
    let form = kuvert.compose_form(id).unwrap();
    assert!(!kuvert.envelope_size(&form).unwrap().fits());
    assert!(kuvert.send_draft(id).is_err(), "refused as it is");
    let attachment = kuvert.draft(id).unwrap().attachments[0].id;
    let done = kuvert.compress_draft_attachment(id, attachment).unwrap();
    assert_eq!(done.compressed.original_sha256, sha256_hex(&scan));
    // Compressing the copy again still names the file the officer picked.
    let _ = kuvert.compress_draft_attachment(id, attachment);
    let form = kuvert.compose_form(id).unwrap();
    assert_eq!(form.attachments[0].file_name, "beslut.pdf");
    let sent_bytes = form.attachments[0].bytes.clone();
    let original = form.attachments[0].compressed_from.clone().unwrap();
    assert_eq!(
        (original.size, original.sha256.as_str()),
        (scan.len() as u64, sha256_hex(&scan).as_str())
    );
    assert!(kuvert.envelope_size(&form).unwrap().fits());
    let report = kuvert.send_draft(id).unwrap();
    assert!(matches!(report, SendReport::Submitted { .. }), "{report:?}");
    assert_eq!(
        std::fs::read(&file).unwrap(),
        scan,
        "the original is untouched"
    );
    // What is stored is the compressed file, and the sealed history says
    // what it was compressed from, with both checksums.
    let message = kuvert.message(report.message_id()).unwrap();
    assert_eq!(message.attachments[0].size, sent_bytes.len() as u64);
    let history = kuvert.history(report.message_id()).unwrap();
    assert_eq!(
        history[0].detail,
        format!(
            "queued; beslut.pdf compressed from {} bytes (sha256 {}) to {} bytes (sha256 {})",
            scan.len(),
            sha256_hex(&scan),
            sent_bytes.len(),
            sha256_hex(&sent_bytes)
        )
    );
}

#[test]
fn a_message_too_large_to_send_can_be_sent_on_paper_instead() {
    let setup = Setup::new(SandboxConfig::DEFAULT_MAX_ENVELOPE_BYTES);
    let kuvert = setup.kuvert("paper", DEFAULT_MAX_ENVELOPE_BYTES);
    let message = draft(6_000_000);
    assert!(kuvert.send(&message).is_err());
    let report = kuvert.send_on_paper(&message).unwrap();
    let SendReport::Paper {
        message_id,
        reason_swedish,
        letter_pdf,
        ..
    } = report
    else {
        panic!("{report:?}");
    };
    assert_eq!(
        reason_swedish,
        "Handläggaren valde att skicka meddelandet med post."
    );
    assert!(letter_pdf.starts_with(b"%PDF"));
    let stored = kuvert.message(&message_id).unwrap();
    assert_eq!(stored.state, SendState::Paper);
    assert_eq!(
        stored.attachments[0].size, 6_000_000,
        "with everything attached"
    );
    assert_eq!(kuvert.stored_letter(&message_id).unwrap(), letter_pdf);
    assert!(setup.sandbox.received_envelopes().is_empty(), "no call");
}
