//! Entry points for the cargo-fuzz targets in `/fuzz`: each feeds untrusted
//! bytes to one parser, which must return an error, never panic.

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// The service-side request parsers and the operator response parser.
pub fn answers(data: &[u8]) {
    if let Some(t) = text(data) {
        let _ = crate::answers::parse_is_reachable_request(t);
        let _ = crate::answers::parse_distribute_secure_request(t);
        let _ = crate::answers::parse_check_distribution_status_request(t);
        let _ = crate::answers::parse_deliver_secure_request(t);
        let _ = crate::answers::parse_deliver_secure_response(t);
    }
}

/// The structural reader of received signed and sealed deliveries.
pub fn received(data: &[u8]) {
    if let Some(t) = text(data) {
        let _ = crate::received::read_signed_delivery(t);
        let _ = crate::received::read_sealed_delivery(t);
    }
}

#[cfg(test)]
mod tests {
    use crate::fuzz_replay::{replay, Target};

    /// The fuzz targets that call into this module.
    const TARGETS: &[Target] = &[("answers", super::answers), ("received", super::received)];

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
