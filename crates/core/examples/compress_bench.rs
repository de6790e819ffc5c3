//! The compression benchmark's worker (`bench/compress.sh`): makes a
//! scanned PDF (A4 pages, greyscale JPEG pictures at 300 dpi, the page's
//! words as text), compresses it `RUNS` times with
//! `kuvert_core::compress::compress_pdf` and prints one line of figures;
//! writes both files into DIR for `pdftotext`.
//!
//!     compress_bench DIR PAGES QUALITY RUNS

use std::time::Instant;

#[path = "../tests/core/scan.rs"]
mod scan;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, pages, quality, runs] = &args[..] else {
        eprintln!("usage: compress_bench DIR PAGES QUALITY RUNS");
        std::process::exit(2);
    };
    let dir = std::path::Path::new(dir);
    let (pages, quality, runs): (usize, u8, usize) = (
        pages.parse().unwrap(),
        quality.parse().unwrap(),
        runs.parse().unwrap(),
    );
    let original = scan::scanned_pdf(pages, 300, quality);
    std::fs::write(dir.join("scan.pdf"), &original).unwrap();
    let mut times = Vec::with_capacity(runs);
    let mut compressed = None;
    for _ in 0..runs {
        let start = Instant::now();
        let done = kuvert_core::compress::compress_pdf(&original).unwrap();
        times.push(start.elapsed().as_secs_f64());
        compressed = Some(done);
    }
    let compressed = compressed.expect("RUNS >= 1");
    std::fs::write(dir.join("compressed.pdf"), &compressed.bytes).unwrap();
    times.sort_by(f64::total_cmp);
    println!(
        "original_bytes={} compressed_bytes={} images_downsampled={} median_s={:.3} min_s={:.3} max_s={:.3} runs={}",
        original.len(),
        compressed.bytes.len(),
        compressed.images_downsampled,
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        runs
    );
    for page in 1..=pages {
        println!("text={}", scan::page_text(page));
    }
}
