//! PDFs judged by independent tools: poppler's `pdfinfo` (valid file, page
//! count, the XMP's PDF/A identification), `pdffonts` (every font
//! embedded), `pdftotext` (the Swedish text is really there) and
//! `qpdf --check` (the file's structure).

use std::process::Command;

use kuvert_core::compose::{AttachmentFile, Outgoing};
use kuvert_core::pdf::{Letter, PdfProfile, Report};

use crate::support::{self, pdf_bytes, run, today, valid_draft};

/// `pdfinfo`'s page count and `pdftotext`'s text of a PDF/A-2b file.
fn inspect(pdf: &[u8]) -> (usize, String) {
    inspect_as(pdf, PdfProfile::A2b)
}

/// As [`inspect`], for a file that must be PDF/A of `profile`: poppler reads
/// it without complaint, `pdffonts` lists only embedded fonts, the XMP
/// names the PDF/A part and conformance, `qpdf --check` finds nothing.
fn inspect_as(pdf: &[u8], profile: PdfProfile) -> (usize, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("document.pdf");
    std::fs::write(&file, pdf).unwrap();
    let info = run(Command::new("pdfinfo").arg(&file));
    assert!(info.ok, "pdfinfo refused the file: {}", info.output);
    // A repaired file would still print information; poppler says so.
    assert!(!info.output.contains("Syntax Error"), "{}", info.output);
    let pages = info
        .output
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in {}", info.output));
    support::assert_pdf_a(&file, profile);
    let text = run(Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&file)
        .arg("-"));
    assert!(text.ok, "pdftotext: {}", text.output);
    (pages, text.output)
}

fn pdf(letter: &Letter) -> Vec<u8> {
    letter.to_pdf(PdfProfile::A2b).unwrap()
}

fn report_pdf(report: &Report) -> Vec<u8> {
    report.to_pdf(PdfProfile::A2b).unwrap()
}

fn letter() -> Letter {
    let mut draft = valid_draft();
    draft.subject = "Beslut om bygglov för Årsta 1:5".into();
    draft.body = "Hej Åsa Öberg,\n\nMiljö- och hälsoskyddsnämnden har fattat beslut. Café \
                  ägaren får överklaga inom tre veckor."
        .into();
    draft.attachments = vec![
        AttachmentFile::new("beslut.pdf", pdf_bytes(300)),
        AttachmentFile::new("ritning.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()),
    ];
    let message = Outgoing::from_draft(&draft, &support::profile(), today()).unwrap();
    Letter::from_outgoing(&message, today())
}

#[test]
fn the_letter_holds_the_message_in_swedish() {
    let (pages, text) = inspect(&pdf(&letter()));
    assert_eq!(pages, 1);
    for expected in [
        "Kommun B",
        "Organisationsnummer 202100-3898",
        "Datum: 2026-11-23",
        "Mottagare: 19850101-2382",
        "Ärende: KS 2026/0123",
        "Beslut om bygglov för Årsta 1:5",
        "Hej Åsa Öberg,",
        "Miljö- och hälsoskyddsnämnden",
        "Café",
        "beslut.pdf (PDF, 300 byte) – följer efter brevet",
        "ritning.png (PNG, 16 byte) – bifogas separat",
        "Frågor om meddelandet? Kontakta Kommun B:s kundtjänst.",
        "E-post: kundtjanst@kommunb.example",
        "Sida 1 av 1",
    ] {
        assert!(text.contains(expected), "{expected:?} missing in:\n{text}");
    }
}

#[test]
fn long_letters_break_over_numbered_pages() {
    let mut letter = letter();
    letter.body = (1..=150)
        .map(|n| format!("Stycke {n}: åäö ÅÄÖ é — en rad text som ska brytas snyggt."))
        .collect::<Vec<_>>()
        .join("\n");
    // One word wider than the page must be broken, not run off it.
    letter.body.push_str(&format!("\n{}", "ö".repeat(300)));
    let (pages, text) = inspect(&pdf(&letter));
    assert!(pages >= 3, "{pages} pages");
    for page in 1..=pages {
        let marker = format!("Sida {page} av {pages}");
        assert!(text.contains(&marker), "{marker} missing");
    }
    assert!(text.contains("Stycke 1: åäö ÅÄÖ é — en rad text"));
    assert!(text.contains("Stycke 150:"));
    let longest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(
        longest < 200,
        "a line of {longest} characters was not wrapped"
    );
}

#[test]
fn the_report_is_a_table_with_the_heading_on_every_page() {
    let report = Report {
        title: "Skickade meddelanden – Kommun B".into(),
        author: "Kommun B".into(),
        created: time::macros::datetime!(2026-11-23 14:05 +01:00),
        generated_at: "2026-11-23 14:05".into(),
        sections: vec![],
        filter: "Ärende KS 2026/0123, status levererat".into(),
        columns: [
            "Skickat",
            "Mottagare",
            "Ärende",
            "Ämne",
            "Status",
            "Skyddsklass",
        ]
        .map(String::from)
        .to_vec(),
        rows: (1..=120)
            .map(|n| {
                vec![
                    format!("2026-11-{:02}", n % 28 + 1),
                    "19850101-****".into(),
                    "KS 2026/0123".into(),
                    format!("Beslut nr {n} om tillsyn av livsmedelsanläggning på Ängsvägen"),
                    "Levererat".into(),
                    "2".into(),
                ]
            })
            .collect(),
    };
    let (pages, text) = inspect(&report_pdf(&report));
    assert!(pages >= 3, "{pages} pages");
    assert!(text.contains("Skickade meddelanden – Kommun B"));
    assert!(text.contains("Urval: Ärende KS 2026/0123, status levererat"));
    assert!(text.contains("Antal rader: 120"));
    assert_eq!(
        text.matches("Skyddsklass").count(),
        pages,
        "heading per page"
    );
    assert!(text.contains("Beslut nr 120 om tillsyn"));
    assert!(text.contains("Ängsvägen"));
    assert!(text.contains(&format!("Sida {pages} av {pages}")));
}

#[test]
fn an_empty_report_is_still_a_valid_pdf() {
    let report = Report {
        title: "Tom".into(),
        author: "Kommun B".into(),
        created: time::macros::datetime!(2026-11-23 14:05 +01:00),
        generated_at: "nu".into(),
        sections: vec![],
        filter: "inget".into(),
        columns: vec![],
        rows: vec![],
    };
    let (pages, text) = inspect(&report_pdf(&report));
    assert_eq!(pages, 1);
    assert!(text.contains("Antal rader: 0"));
}

/// Issue 10: the report's further sections (the purges) come after the
/// table under their heading; an empty one says so.
#[test]
fn issue_10_the_report_lists_the_purges_in_a_section_of_their_own() {
    let digest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let section = |rows: Vec<Vec<String>>| kuvert_core::pdf::ReportSection {
        heading: "Gallringar".into(),
        empty: "Inga gallringar har gjorts.".into(),
        columns: [
            "Gallrad",
            "Gallrad av",
            "Regel",
            "Antal",
            "Avslutade före",
            "Id:n, SHA-256",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    };
    let report = |sections| Report {
        title: "Skickade meddelanden".into(),
        author: "Kommun B".into(),
        created: time::macros::datetime!(2026-11-23 14:05 +01:00),
        generated_at: "2026-12-02 00:30".into(),
        filter: "Alla meddelanden".into(),
        columns: vec!["Skapad".into(), "Ämne".into()],
        rows: vec![vec!["2026-12-02 00:15".into(), "Beslut".into()]],
        sections,
    };
    let (_, text) = inspect(
        &report(vec![section(vec![vec![
            "2026-12-02 00:20".into(),
            "anna.lind".into(),
            "3650 dagar".into(),
            "17".into(),
            "2016-12-04 00:20".into(),
            digest.into(),
        ]])])
        .to_pdf(PdfProfile::A2b)
        .unwrap(),
    );
    let heading = text.find("Gallringar").expect("the heading");
    assert!(text.find("Beslut").unwrap() < heading, "after the table");
    for expected in [
        "anna.lind",
        "3650 dagar",
        "17",
        "2016-12-04 00:20",
        &digest[..16],
    ] {
        assert!(
            text[heading..].contains(expected),
            "{expected:?} missing in:\n{text}"
        );
    }
    let (_, empty) = inspect(&report_pdf(&report(vec![section(vec![])])));
    assert!(empty.contains("Inga gallringar har gjorts."), "{empty}");
}

/// Issue 15: the letters of Sweden's national minority languages print
/// (the font is embedded, with a map back to Unicode), next to åäö.
#[test]
fn issue_15_sami_and_swedish_letters_are_text_in_an_embedded_font() {
    let mut letter = letter();
    letter.subject = "Čáhppes ŋ šž đ ŧ".into();
    letter.body = "åäö ÅÄÖ\nSámegiella: Čáhppes ŋ šž đ ŧ. Meänkieli: Äänekoski. Romani: ǩ.".into();
    let (_, text) = inspect(&pdf(&letter));
    for expected in [
        "Čáhppes ŋ šž đ ŧ",
        "åäö ÅÄÖ",
        "Meänkieli: Äänekoski",
        "Romani: ǩ",
    ] {
        assert!(text.contains(expected), "{expected:?} missing in:\n{text}");
    }
}

/// Issue 15: PDF/A-1b for registry rules that name it, and the document
/// metadata (title, author = the organisation, creation date, language).
#[test]
fn issue_15_the_profile_picks_pdf_a_1b_and_the_metadata_names_the_document() {
    let letter = letter();
    for profile in [PdfProfile::A2b, PdfProfile::A1b] {
        let bytes = letter.to_pdf(profile).unwrap();
        let version = if profile == PdfProfile::A1b {
            "%PDF-1.4"
        } else {
            "%PDF-1.7"
        };
        assert!(bytes.starts_with(version.as_bytes()), "{profile:?}");
        inspect_as(&bytes, profile);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("brev.pdf");
        std::fs::write(&file, &bytes).unwrap();
        let info = run(Command::new("pdfinfo").arg(&file));
        for expected in [
            "Title:           Beslut om bygglov för Årsta 1:5",
            "Author:         Kommun B",
            "Creator:         Kuvert",
        ] {
            let compact = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                compact(&info.output).contains(&compact(expected)),
                "{expected:?} missing in:\n{}",
                info.output
            );
        }
        assert!(info.output.contains("2026"), "{}", info.output);
        let meta = run(Command::new("pdfinfo").arg("-meta").arg(&file)).output;
        assert!(
            meta.contains("<dc:language>") && meta.contains(">sv<"),
            "{meta}"
        );
        assert!(
            meta.contains("2026-11-23"),
            "creation date in the XMP: {meta}"
        );
    }
    // A character no font has is drawn as "?", not as an empty box (which
    // PDF/A forbids).
    let mut odd = letter.clone();
    odd.body = "Tecken: 漢 字".into();
    let (_, text) = inspect(&pdf(&odd));
    assert!(text.contains("Tecken: ? ?"), "{text}");
}

/// The text `pdftotext` finds inside a rectangle of the first page, in mm
/// from the top left corner.
fn text_in(pdf: &[u8], x: f32, y: f32, width: f32, height: f32) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("letter.pdf");
    std::fs::write(&file, pdf).unwrap();
    let pt = |mm: f32| ((mm * 72.0 / 25.4).round() as i64).to_string();
    let text = run(Command::new("pdftotext")
        .args(["-f", "1", "-l", "1", "-r", "72", "-enc", "UTF-8"])
        .args([
            "-x",
            &pt(x),
            "-y",
            &pt(y),
            "-W",
            &pt(width),
            "-H",
            &pt(height),
        ])
        .arg(&file)
        .arg("-"));
    assert!(text.ok, "pdftotext: {}", text.output);
    text.output
}

/// Issue 12: the paper route's letter carries the recipient's postal
/// address where a standard left-window C5/C4 envelope shows it, and
/// nothing else of the letter shows through the window (not the identity
/// number, not the text).
#[test]
fn issue_12_the_address_is_in_the_window_of_a_c5_c4_envelope_and_nothing_else_is() {
    use kuvert_core::pdf::letter::window;
    let mut draft = valid_draft();
    draft.postal_address = "Åsa Öberg\nc/o Lind\nStorgatan 1 B\n123 45 Småstad".into();
    let message = Outgoing::from_draft(&draft, &support::profile(), today()).unwrap();
    let letter = Letter::from_outgoing(&message, today());
    let pdf = pdf(&letter);
    inspect(&pdf);
    let seen = text_in(
        &pdf,
        window::LEFT,
        window::TOP,
        window::WIDTH,
        window::HEIGHT,
    );
    for line in [
        "Kommun B",
        "Åsa Öberg",
        "c/o Lind",
        "Storgatan 1 B",
        "123 45 Småstad",
    ] {
        assert!(seen.contains(line), "{line:?} not in the window: {seen:?}");
    }
    for hidden in [
        "19850101",
        "Beslut om bygglov",
        "Hej",
        "Datum",
        "KS 2026/0123",
    ] {
        assert!(
            !seen.contains(hidden),
            "{hidden:?} shows through the window: {seen:?}"
        );
    }
    // Without an address the letter has no address field.
    let bare = Letter::from_outgoing(
        &Outgoing::from_draft(&valid_draft(), &support::profile(), today()).unwrap(),
        today(),
    );
    assert!(bare.address.is_empty());
}

/// Issue 12: the print file is the letter followed by every PDF
/// attachment's pages (one print job); an attachment that is not a
/// readable PDF is named to print separately; the file passes qpdf.
#[test]
fn issue_12_the_print_file_holds_the_letter_then_each_pdf_attachment() {
    use kuvert_core::pdf::{print_file, Appendix};
    let letter_pdf = pdf(&letter());
    let mut two_pages = letter();
    two_pages.subject = "Bilaga: ritning över Årsta 1:5".into();
    two_pages.body = (1..=90)
        .map(|n| format!("Ritningsrad {n}"))
        .collect::<Vec<_>>()
        .join("\n");
    let drawing = pdf(&two_pages);
    let (drawing_pages, _) = inspect(&drawing);
    assert!(drawing_pages >= 2, "{drawing_pages}");
    let broken = b"%PDF-1.7\nnot really a PDF".to_vec();
    // Readable, but of a newer PDF version than the print file: krilla
    // refuses to embed it, and it alone is left out.
    let newer = [b"%PDF-2.0".as_slice(), &drawing[8..]].concat();
    let file = print_file(
        &letter_pdf,
        &[
            Appendix {
                file_name: "ritning.pdf",
                bytes: &drawing,
            },
            Appendix {
                file_name: "trasig.pdf",
                bytes: &broken,
            },
            Appendix {
                file_name: "ny-version.pdf",
                bytes: &newer,
            },
        ],
    )
    .unwrap();
    assert_eq!(file.appended, ["ritning.pdf"]);
    assert_eq!(file.left_out, ["trasig.pdf", "ny-version.pdf"]);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("utskrift.pdf");
    std::fs::write(&path, &file.pdf).unwrap();
    let info = run(Command::new("pdfinfo").arg(&path));
    assert!(
        info.ok && !info.output.contains("Syntax Error"),
        "{}",
        info.output
    );
    let pages: usize = info
        .output
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap();
    assert_eq!(pages, 1 + drawing_pages);
    let check = run(Command::new("qpdf").arg("--check").arg(&path));
    assert!(check.ok, "{}", check.output);
    let text = support::pdf_text(&file.pdf);
    let letter_at = text.find("Hej Åsa Öberg").expect("the letter");
    let drawing_at = text
        .find("Ritningsrad 90")
        .expect("the attachment's last page");
    assert!(letter_at < drawing_at, "the letter comes first");
}
