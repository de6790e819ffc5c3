//! Replays the fuzz seeds in `cargo test`: every file under
//! `fuzz/seeds/<target>/` goes through the entry point its fuzz target
//! calls, so a seed that panics fails the ordinary test suite, not only a
//! fuzz run.
//!
//! Not part of the fuzz build: each crate with a hidden `fuzzing` module
//! compiles this file into its unit tests (`#[path]` in its `lib.rs`) and
//! calls [`replay`] with the targets that call into it.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// A fuzz target — the name of its file in `fuzz/fuzz_targets/` and of its
/// seed folder — and the entry point it calls (of the same name).
pub type Target = (&'static str, fn(&[u8]));

/// Runs every seed of every target through its entry point and returns how
/// many seeds ran. Panics when a seed panics (naming it), when a target has
/// no seeds, or when `targets` is not exactly the list of fuzz targets whose
/// source calls `{crate_name}::fuzzing::…` (so a new target cannot go
/// unreplayed).
pub fn replay(manifest_dir: &str, crate_name: &str, targets: &[Target]) -> usize {
    let fuzz = Path::new(manifest_dir).join("../../fuzz");
    assert_targets_match(&fuzz, crate_name, targets);
    run_seeds(&fuzz, targets)
}

fn run_seeds(fuzz: &Path, targets: &[Target]) -> usize {
    let mut ran = 0;
    let mut panicked = Vec::new();
    for (target, entry) in targets {
        let seeds = seeds(&fuzz.join("seeds").join(target));
        assert!(!seeds.is_empty(), "fuzz/seeds/{target}/ holds no seeds");
        for seed in seeds {
            let bytes = std::fs::read(&seed)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", seed.display()));
            // AssertUnwindSafe: nothing touched by a panicking entry point is
            // used afterwards; the panic only fails the test.
            if catch_unwind(AssertUnwindSafe(|| entry(&bytes))).is_err() {
                panicked.push(seed.display().to_string());
            }
            ran += 1;
        }
    }
    assert!(panicked.is_empty(), "seeds that panic: {panicked:?}");
    ran
}

/// The files of a seed folder (a folder inside one is a mistake: cargo-fuzz
/// would not read it either).
fn seeds(dir: &Path) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read the seed folder {}: {e}", dir.display()));
    entries
        .map(|entry| {
            let path = entry.expect("a readable folder entry").path();
            assert!(path.is_file(), "{} is not a file", path.display());
            path
        })
        .collect()
}

/// `targets` names exactly the fuzz targets calling `{crate_name}::fuzzing`,
/// each calling the entry point of its own name.
fn assert_targets_match(fuzz: &Path, crate_name: &str, targets: &[Target]) {
    let module = format!("{crate_name}::fuzzing::");
    let dir = fuzz.join("fuzz_targets");
    let mut calling: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("a readable folder entry").path())
        .filter_map(|path| {
            let source = std::fs::read_to_string(&path).ok()?;
            let target = path.file_stem()?.to_str()?.to_owned();
            source.contains(&module).then(|| {
                assert!(
                    source.contains(&format!("{module}{target}(")),
                    "fuzz target {target} should call {module}{target}"
                );
                target
            })
        })
        .collect();
    calling.sort();
    let mut listed: Vec<String> = targets.iter().map(|(name, _)| name.to_string()).collect();
    listed.sort();
    assert_eq!(
        listed, calling,
        "the replayed targets differ from the fuzz targets calling {module}"
    );
}

#[test]
#[should_panic(expected = "seeds that panic")]
fn a_seed_that_panics_fails_the_replay() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    run_seeds(&fuzz, &[("identity", |_| panic!("a bug found by a seed"))]);
}
