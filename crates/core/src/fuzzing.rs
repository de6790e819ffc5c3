//! Entry points for the cargo-fuzz targets in `/fuzz`: each feeds untrusted
//! bytes to one parser, which must return an error, never panic.

use std::path::Path;

/// Profile parsing: any text must give a profile or a [`ProfileError`](crate::profile::ProfileError).
pub fn profile(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(profile) = crate::profile::Profile::from_toml_str(text, Path::new("/fuzz")) {
            // Exercise what the rest of the application reads.
            let _ = profile.endpoints();
            let _ = crate::secrets::account(&profile);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::fuzz_replay::{replay, Target};

    /// The fuzz targets that call into this module.
    const TARGETS: &[Target] = &[("profile", super::profile)];

    #[test]
    fn every_fuzz_seed_goes_through_its_target_without_panicking() {
        let ran = replay(
            env!("CARGO_MANIFEST_DIR"),
            env!("CARGO_CRATE_NAME"),
            TARGETS,
        );
        assert!(ran >= TARGETS.len(), "{ran} seeds");
    }
}
