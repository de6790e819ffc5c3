//! Entry points for the cargo-fuzz targets in `/fuzz`: each feeds untrusted
//! bytes to one parser, which must return an error, never panic.

use crate::date::CalendarDate;

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// The strict XML parser and both canonicalizations of what it accepts.
pub fn xml(data: &[u8]) {
    if let Some(doc) = text(data).and_then(|t| crate::xml::parse(t).ok()) {
        let subset = crate::xml::c14n::Subset::default();
        let _ =
            crate::xml::c14n::document(&doc, &crate::xml::c14n::Algorithm::exclusive(), &subset);
        let _ = crate::xml::c14n::document(&doc, &crate::xml::c14n::Algorithm::Inclusive, &subset);
    }
}

/// Every SOAP response parser.
pub fn soap(data: &[u8]) {
    if let Some(t) = text(data) {
        let _ = crate::soap::parse_is_reachable_response(t);
        let _ = crate::soap::parse_distribute_secure_response(t);
        let _ = crate::soap::parse_check_distribution_status_response(t);
    }
}

/// Signature verification of signed and sealed deliveries.
pub fn verify(data: &[u8]) {
    if let Some(t) = text(data) {
        let policy = crate::verify::Policy {
            anchors: None,
            intermediary: None,
            now: 1_795_000_000,
        };
        if let Ok(verification) = crate::verify::verify(t, &policy) {
            // Without trust anchors nothing is ever vouched for.
            assert!(!verification.is_valid());
        }
    }
}

/// Identity-number parsing in every form.
pub fn identity(data: &[u8]) {
    if let Some(t) = text(data) {
        let today = CalendarDate::new(2026, 11, 23).ok();
        if let Some(today) = today {
            let _ = crate::identity::RecipientId::parse(t, today);
        }
        let _ = crate::identity::RecipientId::from_wire(t);
        let _ = crate::identity::OrganizationNumber::parse(t);
    }
}

#[cfg(test)]
mod tests {
    use crate::fuzz_replay::{replay, Target};

    /// The fuzz targets that call into this module.
    const TARGETS: &[Target] = &[
        ("xml", super::xml),
        ("soap", super::soap),
        ("verify", super::verify),
        ("identity", super::identity),
    ];

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
