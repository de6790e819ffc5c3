//! The organisation's staff as the server knows them: who a client
//! certificate names ([`Identity`]), their [`Role`] and units, and the
//! [`Caller`] every request runs as.

use openssl::nid::Nid;
use openssl::x509::X509Ref;
use serde::{Deserialize, Serialize};

/// What a member of staff may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sends, and reads what they sent.
    Officer,
    /// Reads, exports, files and purges the log of their units (or of the
    /// whole organisation).
    Registrar,
    /// Manages the staff table.
    Administrator,
}

impl Role {
    /// The name stored and shown (`officer`, `registrar`, `administrator`).
    pub fn name(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Registrar => "registrar",
            Role::Administrator => "administrator",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Role> {
        match name {
            "officer" => Some(Role::Officer),
            "registrar" => Some(Role::Registrar),
            "administrator" => Some(Role::Administrator),
            _ => None,
        }
    }

    /// The database role a caller's transactions run as, so that row-level
    /// security enforces the role a second time.
    pub fn database_role(self) -> &'static str {
        match self {
            Role::Officer => "kuvert_officer",
            Role::Registrar => "kuvert_registrar",
            Role::Administrator => "kuvert_administrator",
        }
    }
}

/// One member of staff: identity, display name, role and units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    /// The identity their certificate names (see [`Identity`]).
    pub identity: String,
    /// Their name as the log shows it.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// An officer's own unit, recorded on what they send.
    pub unit: Option<String>,
    /// The units a registrar reads; empty for the whole organisation.
    pub units: Vec<String>,
}

/// The identity a staff certificate names: its e-mail address (subject
/// `emailAddress` or subjectAltName rfc822Name), else its `serialNumber`
/// (an HSA-id on SITHS cards), else its common name — plus the common name
/// to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// What the staff table is keyed by.
    pub key: String,
    /// The certificate's common name (or the key when it has none).
    pub common_name: String,
}

impl Identity {
    /// The identity of `certificate`; `None` when it names nobody.
    pub fn of(certificate: &X509Ref) -> Option<Identity> {
        let entry = |nid: Nid| {
            certificate
                .subject_name()
                .entries_by_nid(nid)
                .next()
                .and_then(|e| String::from_utf8(e.data().as_slice().to_vec()).ok())
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let san_email = certificate.subject_alt_names().and_then(|names| {
            names
                .iter()
                .find_map(|n| n.email().map(|e| e.trim().to_string()))
                .filter(|e| !e.is_empty())
        });
        let common_name = entry(Nid::COMMONNAME);
        let key = entry(Nid::PKCS9_EMAILADDRESS)
            .or(san_email)
            .map(|e| e.to_lowercase())
            .or_else(|| entry(Nid::SERIALNUMBER))
            .or_else(|| common_name.clone())?;
        Some(Identity {
            common_name: common_name.unwrap_or_else(|| key.clone()),
            key,
        })
    }
}

/// Who a request is from, as the staff table says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The staff entry.
    pub member: StaffMember,
}

impl Caller {
    /// The caller's role.
    pub fn role(&self) -> Role {
        self.member.role
    }

    /// The caller's identity.
    pub fn identity(&self) -> &str {
        &self.member.identity
    }
}
