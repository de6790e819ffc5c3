//! Who is sending: the officer recorded on every message (SKL's requirement
//! list, box 2: the log says who sent what). In local mode that is the
//! operating-system account logged in, with the name the system gives it;
//! department mode will put the authenticated identity here instead.

pub use kuvert_store::Officer;

/// The officer logged in to this computer: the account (as NSS resolves it,
/// so a directory account through SSSD counts as much as a local one) and
/// its display name, or the account again where the system has none.
///
/// # Errors
///
/// [`crate::Error::Officer`] when the system cannot say who is logged in;
/// nothing is sent anonymously.
pub fn from_system() -> Result<Officer, crate::Error> {
    let account = whoami::fallible::username()
        .ok()
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty())
        .ok_or(crate::Error::Officer)?;
    let name = whoami::fallible::realname()
        .ok()
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| account.clone());
    Ok(Officer { account, name })
}
