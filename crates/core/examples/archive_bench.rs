//! Builds the filing package (E-ARK SIP) of one delivered message with 20 MB
//! of attachments (two PDFs of incompressible bytes, 12 MB and 8 MB) — the
//! figures `bench/archive.sh` reports: the package's size, the wall time of
//! each build (median of RUNS, written to a file), and the peak memory.
//!
//! ```text
//! archive_bench [RUNS]        (default 15)
//! ```

use std::time::Instant;

use kuvert_core::compose::{AttachmentFile, Draft};
use kuvert_core::profile::Profile;
use kuvert_core::{Kuvert, SendReport};
use kuvert_sandbox::{Sandbox, SandboxConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // SAFETY: no other thread exists yet.
    unsafe { kuvert_core::skip_system_ca_list() };
    let runs: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 15,
    };
    let state = tempfile::tempdir()?;
    let sandbox = Sandbox::start(SandboxConfig::new(state.path().join("sandbox")))?;
    let profile = Profile::load(Some(&sandbox.profile_path()))?;
    let kuvert = Kuvert::open(profile, &state.path().join("kuvert.sqlite"))?;

    let pdf = |size: usize| -> Result<Vec<u8>, Box<dyn std::error::Error>> {
        let mut bytes = vec![0u8; size];
        openssl::rand::rand_bytes(&mut bytes)?;
        bytes[..9].copy_from_slice(b"%PDF-1.4\n");
        Ok(bytes)
    };
    let attachments = vec![
        AttachmentFile::new("beslut.pdf", pdf(12_000_000)?),
        AttachmentFile::new("bilaga.pdf", pdf(8_000_000)?),
    ];
    let attachment_bytes: usize = 20_000_000;
    let draft = Draft {
        recipient: "19850101-2382".into(),
        subject: "Beslut om bygglov, med ritningar".into(),
        body: "Hej,\n\nHär kommer beslutet i ditt ärende med ritningarna.".into(),
        attachments,
        protection_class: Some(2),
        case_number: "BN 2026/0042".into(),
        ..Draft::default()
    };
    let id = match kuvert.send(&draft)? {
        SendReport::Submitted { message_id, .. } => message_id,
        other => return Err(format!("not submitted: {other:?}").into()),
    };
    let state_now = kuvert.refresh_status(&id)?.state;

    let before = peak();
    // Linux: "5" resets the peak resident set (VmHWM) to the current one, so
    // the figure below is the package builds' own peak.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let out = state.path().join("arkiv.zip");
    let mut times = Vec::with_capacity(runs);
    let mut summary = None;
    for _ in 0..runs {
        let started = Instant::now();
        let written = kuvert_core::files::write_whole(&out, |w| kuvert.archive(&id, w))?;
        times.push(started.elapsed().as_secs_f64());
        summary = Some(written);
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let size = std::fs::metadata(&out)?.len();
    let summary = summary.ok_or("no run")?;
    println!("message state: {state_now}");
    println!(
        "package: {} files, {} bytes of files, ZIP {size} bytes ({:.4}x the attachment bytes)",
        summary.files,
        summary.bytes,
        size as f64 / attachment_bytes as f64
    );
    println!(
        "build + write: median {median:.3} s, min {:.3} s, max {:.3} s ({runs} runs)",
        times[0],
        times[times.len() - 1]
    );
    println!(
        "peak memory before the builds (test environment, the send of the 20 MB message): {before}"
    );
    if reset {
        println!(
            "peak memory during the builds (VmHWM after a reset): {}",
            peak()
        );
    }
    if let Some(keep) = std::env::var_os("KUVERT_BENCH_KEEP") {
        std::fs::copy(&out, keep)?;
    }
    sandbox.shutdown();
    Ok(())
}

fn peak() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
        })
        .unwrap_or_else(|| "?".into())
}
