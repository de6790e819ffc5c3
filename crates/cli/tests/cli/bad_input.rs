//! Bad input is refused with exit code 2 and a message naming the problem,
//! before anything is stored or sent.

use crate::support::{send_args, strs, Officer};

/// A `send` with one argument replaced (or added when absent).
fn send_with(changes: &[(&str, &str)]) -> Vec<String> {
    let mut args = send_args("198501012382", "BN 2026/0700");
    for (flag, value) in changes {
        match args.iter().position(|a| a == flag) {
            Some(i) if !value.is_empty() || !flag.starts_with("--no") => {
                args[i + 1] = value.to_string()
            }
            _ => args.extend([flag.to_string(), value.to_string()]),
        }
    }
    args
}

#[test]
fn every_bad_input_is_refused_and_nothing_is_stored() {
    let officer = Officer::with_profile(|text| {
        assert!(text.contains("[rules]\n"));
        text.replacen("[rules]\n", "[rules]\nmax_attachment_bytes = 1000\n", 1)
    });
    let dir = officer.data.path();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    };
    let empty = write("tom.pdf", b"");
    let big = write(
        "stor.pdf",
        &[b"%PDF-1.4\n".as_slice(), &[b'x'; 2000]].concat(),
    );
    let exe = write("program.exe", b"MZ\x90\x00\x03\x00\x00\x00");
    let png_named_pdf = write("bild.pdf", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR");
    let ok_pdf = write("beslut.pdf", b"%PDF-1.4\n%%EOF\n");
    let sub_dir = dir.join("a");
    std::fs::create_dir_all(&sub_dir).unwrap();
    let same_name = sub_dir.join("beslut.pdf");
    std::fs::write(&same_name, b"%PDF-1.4\n%%EOF\n").unwrap();
    let same_name = same_name.display().to_string();
    let missing = dir.join("finns-inte.pdf").display().to_string();
    let long_subject = "Ä".repeat(256);
    let long_case = "K".repeat(101);
    let long_attention = "A".repeat(256);
    let csv = dir.join("export.csv");
    // Issue 12: content that is not what its name says, found by structure.
    let pe_with_marker = write(
        "program.pdf",
        b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0This program cannot be run in DOS mode.%PDF-1.7",
    );
    let elf_with_marker = write("verktyg.pdf", b"\x7fELF\x02\x01\x01\0\0\0\0\0%PDF-1.4");
    // Issue 12: "only regular files, read with a bound".
    let sparse = dir.join("gles.pdf");
    std::fs::File::create(&sparse)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    let sparse = sparse.display().to_string();
    let fifo = dir.join("ror.pdf");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let fifo = fifo.display().to_string();
    let folder = sub_dir.display().to_string();
    let with_body_file = |file: &str| {
        let mut a = send_with(&[]);
        let i = a.iter().position(|x| x == "--body").unwrap();
        a.drain(i..i + 2);
        a.extend(["--body-file".to_string(), file.to_string()]);
        a
    };

    let sends: Vec<(&str, Vec<String>, &str)> = vec![
        ("empty recipient", send_with(&[("--to", "")]), "recipient"),
        (
            "too short",
            send_with(&[("--to", "850101-238")]),
            "recipient",
        ),
        (
            "check digit",
            send_with(&[("--to", "850101-2383")]),
            "recipient",
        ),
        (
            "month 13",
            send_with(&[("--to", "851301-2382")]),
            "recipient",
        ),
        ("day 32", send_with(&[("--to", "850132-2382")]), "recipient"),
        (
            "plus with century",
            send_with(&[("--to", "19850101+2382")]),
            "recipient",
        ),
        (
            "letters",
            send_with(&[("--to", "abcdef-ghij")]),
            "recipient",
        ),
        (
            "org check digit",
            send_with(&[("--to", "556840-2267")]),
            "recipient",
        ),
        (
            "samordning day 92",
            send_with(&[("--to", "850192-2382")]),
            "recipient",
        ),
        (
            "all zeros",
            send_with(&[("--to", "000000-0000")]),
            "recipient",
        ),
        (
            "13 digits",
            send_with(&[("--to", "1985010123820")]),
            "recipient",
        ),
        ("empty subject", send_with(&[("--subject", "")]), "subject"),
        (
            "blank subject",
            send_with(&[("--subject", "   ")]),
            "subject",
        ),
        (
            "256-character subject",
            send_with(&[("--subject", &long_subject)]),
            "subject",
        ),
        (
            "subject with a line break",
            send_with(&[("--subject", "Rad ett\nRad två")]),
            "subject",
        ),
        (
            "subject with a control character",
            send_with(&[("--subject", "Beslut\u{7}")]),
            "subject",
        ),
        ("empty message", send_with(&[("--body", "")]), "body"),
        ("class 4", send_with(&[("--class", "4")]), "protection"),
        ("class 0", send_with(&[("--class", "0")]), "protection"),
        ("class 9", send_with(&[("--class", "9")]), "protection"),
        ("missing diarienummer", send_with(&[("--case", "")]), "case"),
        ("blank diarienummer", send_with(&[("--case", "  ")]), "case"),
        (
            "101-character diarienummer",
            send_with(&[("--case", &long_case)]),
            "case",
        ),
        (
            "empty attachment",
            send_with(&[("--attach", &empty)]),
            "attachment",
        ),
        (
            "oversized attachment",
            send_with(&[("--attach", &big)]),
            "attachment",
        ),
        (
            "disallowed type",
            send_with(&[("--attach", &exe)]),
            "attachment",
        ),
        (
            "content not matching the name",
            send_with(&[("--attach", &png_named_pdf)]),
            "attachment",
        ),
        (
            "a Windows program with %PDF- in its first kilobyte, named .pdf",
            send_with(&[("--attach", &pe_with_marker)]),
            "its content is not",
        ),
        (
            "a Linux program with %PDF- in its first kilobyte, named .pdf",
            send_with(&[("--attach", &elf_with_marker)]),
            "its content is not",
        ),
        (
            "a sparse 2 GB file, refused before it is read",
            send_with(&[("--attach", &sparse)]),
            "more than",
        ),
        (
            "a FIFO as attachment",
            send_with(&[("--attach", &fifo)]),
            "not a file",
        ),
        (
            "/dev/zero as attachment",
            send_with(&[("--attach", "/dev/zero")]),
            "not a file",
        ),
        (
            "a folder as attachment",
            send_with(&[("--attach", &folder)]),
            "not a file",
        ),
        ("a FIFO as body file", with_body_file(&fifo), "not a file"),
        (
            "/dev/zero as body file",
            with_body_file("/dev/zero"),
            "not a file",
        ),
        (
            "organisation number with group digit 0",
            send_with(&[("--to", "002100-3892")]),
            "recipient",
        ),
        (
            "+ giving a birth year more than 120 years ago",
            send_with(&[("--to", "850101+2382")]),
            "recipient",
        ),
        (
            "missing attachment file",
            send_with(&[("--attach", &missing)]),
            "cannot read",
        ),
        (
            "missing body file",
            {
                let mut a = send_with(&[]);
                let i = a.iter().position(|x| x == "--body").unwrap();
                a.drain(i..i + 2);
                a.extend(["--body-file".to_string(), missing.clone()]);
                a
            },
            "cannot read",
        ),
        (
            "duplicate attachment names",
            {
                let mut a = send_with(&[("--attach", &ok_pdf)]);
                a.extend(["--attach".to_string(), same_name.clone()]);
                a
            },
            "attachment",
        ),
        (
            "attention for a person",
            send_with(&[("--attention", "Ekonomiavdelningen")]),
            "attention",
        ),
        (
            "256-character attention",
            send_with(&[("--to", "556840-2266"), ("--attention", &long_attention)]),
            "attention",
        ),
        (
            "unknown case type",
            send_with(&[("--case-type", "Finns inte")]),
            "case type",
        ),
        (
            "unknown sender name",
            send_with(&[("--sender-name", "Någon annan")]),
            "sender",
        ),
        (
            "class not a number",
            send_with(&[("--class", "två")]),
            "class",
        ),
        (
            "dry run without --out",
            {
                let mut a = send_with(&[]);
                a.push("--dry-run".into());
                a
            },
            "--out",
        ),
        (
            "unknown option",
            {
                let mut a = send_with(&[]);
                a.push("--urgent".into());
                a
            },
            "urgent",
        ),
    ];
    let others: Vec<(&str, Vec<String>, &str)> = [
        (
            "log: impossible date",
            vec!["log", "--from", "2026-02-30"],
            "from",
        ),
        (
            "log: unknown status",
            vec!["log", "--status", "sent"],
            "status",
        ),
        ("log: class 4", vec!["log", "--class", "4"], "class"),
        (
            "log: bad recipient",
            vec!["log", "--recipient", "850101-2383"],
            "recipient",
        ),
        (
            "log: reversed dates",
            vec!["log", "--from", "2026-03-01", "--to", "2026-02-01"],
            "before",
        ),
        (
            "export: unknown format",
            vec!["export", "--format", "xls", "--out", csv.to_str().unwrap()],
            "format",
        ),
        (
            "status: unknown message",
            vec!["status", "no-such-message"],
            "no-such-message",
        ),
        (
            "archive: unknown message",
            vec!["archive", "no-such-message", "--out", "x.zip"],
            "no-such-message",
        ),
        (
            "purge: negative age",
            vec!["purge", "--older-than", "-1"],
            "older-than",
        ),
        ("check: no recipient", vec!["check"], "ID"),
        (
            "verify: missing file",
            vec!["verify", "finns-inte.xml"],
            "cannot read",
        ),
    ]
    .into_iter()
    .map(|(name, args, needle)| (name, args.into_iter().map(str::to_string).collect(), needle))
    .collect();

    let rows = sends.len() + others.len();
    assert!(rows >= 40, "the table has {rows} rows");
    for (name, args, needle) in sends.iter().chain(&others) {
        let run = officer.run(&strs(args));
        assert_eq!(run.code, 2, "{name}: {run:?}");
        assert!(
            run.stderr.to_lowercase().contains(&needle.to_lowercase()),
            "{name}: the message should mention {needle:?}: {}",
            run.stderr
        );
    }
    assert!(officer.log().is_empty(), "nothing may be stored");
    assert!(!csv.exists(), "no export file may be left behind");
}
