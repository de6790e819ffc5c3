//! Retention (gallring) as the organisation's rule says: how long the sent
//! log keeps a message (`[rules] retention_days`, or a case type's own
//! `retention_days`), and who may purge (`[retention] purgers`). A purge of
//! anything younger than the rule is refused, and so is a purge by anyone
//! the profile does not name; what a purge removed, who ordered it and under
//! which rule are recorded and sealed in the log's hash chain.

use kuvert_store::PurgeOrder;
use time::{Duration, OffsetDateTime};

use crate::error::Error;
use crate::officer::Officer;
use crate::profile::Profile;

/// The order for a purge of what has been final for more than
/// `older_than_days`, by `officer`, at `now`.
///
/// # Errors
///
/// [`Error::NotAPurger`] when the profile does not name the officer (or a
/// group of theirs) among the purgers; [`Error::TooYoungToPurge`] when
/// `older_than_days` is shorter than the shortest rule, which would remove
/// messages the organisation keeps.
pub fn order(
    profile: &Profile,
    officer: &Officer,
    older_than_days: u32,
    now: OffsetDateTime,
) -> Result<PurgeOrder, Error> {
    if !may_purge(&profile.rules().purgers, &officer.account) {
        return Err(Error::NotAPurger {
            account: officer.account.clone(),
        });
    }
    order_within_rule(profile, &officer.account, older_than_days, now)
}

/// The order for a purge by `purger` whose right to purge was decided
/// elsewhere (department mode: the registrar role), held to the
/// organisation's retention rule like [`order`].
///
/// # Errors
///
/// [`Error::TooYoungToPurge`] as [`order`].
pub fn order_within_rule(
    profile: &Profile,
    purger: &str,
    older_than_days: u32,
    now: OffsetDateTime,
) -> Result<PurgeOrder, Error> {
    let default = profile.rules().retention_days;
    let own: Vec<(&str, u32)> = profile
        .case_types()
        .iter()
        .filter_map(|c| c.retention_days().map(|days| (c.name(), days)))
        .collect();
    let shortest = own
        .iter()
        .map(|(_, d)| *d)
        .chain([default])
        .min()
        .unwrap_or(default);
    if older_than_days < shortest {
        return Err(Error::TooYoungToPurge {
            asked: older_than_days,
            rule: shortest,
        });
    }
    let limit = |rule: u32| now - Duration::days(i64::from(older_than_days.max(rule)));
    let mut rule = format!("{default} dagar");
    for (name, days) in &own {
        rule.push_str(&format!("; {name}: {days} dagar"));
    }
    rule.push_str(&format!("; beställd: äldre än {older_than_days} dagar"));
    Ok(PurgeOrder {
        older_than: limit(default),
        case_type_limits: own
            .iter()
            .map(|(name, days)| ((*name).to_owned(), limit(*days)))
            .collect(),
        purger: purger.to_owned(),
        rule,
    })
}

/// Whether `account` is one of `purgers`: named itself, or a member of a
/// group named `%group` (its primary group counts, as NSS resolves both).
pub fn may_purge(purgers: &[String], account: &str) -> bool {
    purgers.iter().any(|purger| match purger.strip_prefix('%') {
        None => purger == account,
        Some(group) => in_group(account, group),
    })
}

#[cfg(unix)]
fn in_group(account: &str, group: &str) -> bool {
    use nix::unistd::{Group, User};
    let Ok(Some(group)) = Group::from_name(group) else {
        return false;
    };
    if group.mem.iter().any(|member| member == account) {
        return true;
    }
    matches!(User::from_name(account), Ok(Some(user)) if user.gid == group.gid)
}

/// Elsewhere (Windows: groups are the directory's) purgers are named by
/// account; a `%group` entry names no one.
#[cfg(not(unix))]
fn in_group(_account: &str, _group: &str) -> bool {
    false
}
