//! What the profile's certificate and service settings become: the TLS
//! client configuration, the intermediary client and the signing key.

use kuvert_protocol::dsig::{SignError, SigningKey};
use kuvert_transport::{
    CaBundle, ClientConfig, ClientIdentity, HttpsClient, IdentityError, Intermediary, Operators,
};

use super::{CertificateSource, Profile, ProfileError, ServiceMode, Sourced};
use crate::secrets::Password;

impl Profile {
    /// The CA bundle's certificates.
    ///
    /// # Errors
    ///
    /// The file cannot be read or holds no PEM certificate.
    pub fn ca_bundle(&self) -> Result<CaBundle, ProfileError> {
        let bytes = read(&self.ca_bundle, &self.ca_bundle.value)?;
        CaBundle::from_pem(&bytes).map_err(|e| ProfileError::Invalid {
            file: self.ca_bundle.file.clone(),
            key: self.ca_bundle.key.clone(),
            reason: format!("{}: {e}", self.ca_bundle.value.display()),
        })
    }

    /// The organisation's TLS client identity. `password` opens a PKCS#12
    /// file and is ignored for PEM files.
    ///
    /// # Errors
    ///
    /// [`ProfileError::PasswordRequired`], [`ProfileError::Certificate`]
    /// (with `wrong_password` set when the password is wrong), or
    /// [`ProfileError::Read`].
    pub fn client_identity(
        &self,
        password: Option<&Password>,
    ) -> Result<ClientIdentity, ProfileError> {
        identity_of(&self.certificate, password)
    }

    /// The key that signs deliveries: the same certificate as the TLS identity.
    ///
    /// # Errors
    ///
    /// As [`Profile::client_identity`].
    pub fn signing_key(&self, password: Option<&Password>) -> Result<SigningKey, ProfileError> {
        key_of(&self.certificate, password)
    }

    /// The key that seals deliveries in direct mode: `[seal]`'s, or else the
    /// organisation's certificate's ([`Profile::seal_certificate`]).
    /// `password` opens that certificate.
    ///
    /// # Errors
    ///
    /// As [`Profile::client_identity`], for the seal's certificate.
    pub fn seal_key(&self, password: Option<&Password>) -> Result<SigningKey, ProfileError> {
        key_of(self.seal_source(), password)
    }

    /// The TLS client identity of the certificate that seals in direct
    /// mode ([`Profile::seal_certificate`]); `password` opens it.
    ///
    /// # Errors
    ///
    /// As [`Profile::client_identity`], for the seal's certificate.
    pub fn seal_identity(
        &self,
        password: Option<&Password>,
    ) -> Result<ClientIdentity, ProfileError> {
        identity_of(self.seal_source(), password)
    }

    fn seal_source(&self) -> &Sourced<CertificateSource> {
        self.seal.as_ref().unwrap_or(&self.certificate)
    }

    /// The HTTPS client configuration: identity, CA bundle and the profile's
    /// time-outs and proxy.
    ///
    /// # Errors
    ///
    /// As [`Profile::client_identity`] and [`Profile::ca_bundle`].
    pub fn client_config(&self, password: Option<&Password>) -> Result<ClientConfig, ProfileError> {
        self.config_trusting(&self.certificate, password, self.ca_bundle()?)
    }

    /// The identity `source`, the profile's time-outs and proxy, and
    /// `bundle` to check servers against.
    fn config_trusting(
        &self,
        source: &Sourced<CertificateSource>,
        password: Option<&Password>,
        bundle: CaBundle,
    ) -> Result<ClientConfig, ProfileError> {
        let mut config = ClientConfig::new(identity_of(source, password)?, bundle);
        config.connect_timeout = self.connect_timeout;
        config.call_timeout = self.call_timeout;
        config.proxy = self.proxy.clone();
        Ok(config)
    }

    /// The HTTPS client for `config`; a TLS set-up that fails is blamed on
    /// the certificate `source`.
    fn https_client(
        &self,
        source: &Sourced<CertificateSource>,
        config: ClientConfig,
    ) -> Result<HttpsClient, ProfileError> {
        HttpsClient::new(config).map_err(|e| ProfileError::Certificate {
            file: source.file.clone(),
            key: source.key.clone(),
            reason: e.to_string(),
            wrong_password: false,
        })
    }

    /// A client for the profile's intermediary.
    ///
    /// # Errors
    ///
    /// As [`Profile::client_config`], or the TLS set-up failed
    /// ([`ProfileError::Certificate`]).
    pub fn intermediary(&self, password: Option<&Password>) -> Result<Intermediary, ProfileError> {
        let https = self.https_client(&self.certificate, self.client_config(password)?)?;
        Ok(Intermediary::new(https, self.endpoints()))
    }

    /// In direct mode, the mailbox operators' CA certificates
    /// (`service.operator_ca_bundle`); `None` through an intermediary.
    ///
    /// # Errors
    ///
    /// The file cannot be read or holds no PEM certificate.
    pub fn operator_ca_bundle(&self) -> Result<Option<CaBundle>, ProfileError> {
        let ServiceMode::Direct { operator_ca_bundle } = &self.mode else {
            return Ok(None);
        };
        let source = Sourced {
            value: operator_ca_bundle.clone(),
            file: self.ca_bundle.file.clone(),
            key: "service.operator_ca_bundle".to_string(),
        };
        let bytes = read(&source, operator_ca_bundle)?;
        CaBundle::from_pem(&bytes)
            .map(Some)
            .map_err(|e| ProfileError::Invalid {
                file: source.file.clone(),
                key: source.key.clone(),
                reason: format!("{}: {e}", operator_ca_bundle.display()),
            })
    }

    /// In direct mode, a client for the mailbox operators: the förmedlare
    /// certificate ([`Profile::seal_certificate`], opened with
    /// `seal_password`), their CA bundle (`service.operator_ca_bundle`), the
    /// profile's time-outs and proxy. `None` through an intermediary.
    ///
    /// # Errors
    ///
    /// As [`Profile::intermediary`], or the operators' CA bundle cannot be
    /// read.
    pub fn operators(
        &self,
        seal_password: Option<&Password>,
    ) -> Result<Option<Operators>, ProfileError> {
        let Some(bundle) = self.operator_ca_bundle()? else {
            return Ok(None);
        };
        let source = self.seal_source();
        let https =
            self.https_client(source, self.config_trusting(source, seal_password, bundle)?)?;
        Ok(Some(Operators::new(https)))
    }
}

/// The TLS client identity of `source`; `password` opens a PKCS#12 file.
fn identity_of(
    source: &Sourced<CertificateSource>,
    password: Option<&Password>,
) -> Result<ClientIdentity, ProfileError> {
    open(
        source,
        password,
        ClientIdentity::from_pkcs12,
        ClientIdentity::from_pem,
        |e| matches!(e, IdentityError::WrongPassword),
    )
}

/// The signing key of `source`; `password` opens a PKCS#12 file.
fn key_of(
    source: &Sourced<CertificateSource>,
    password: Option<&Password>,
) -> Result<SigningKey, ProfileError> {
    open(
        source,
        password,
        SigningKey::from_pkcs12,
        SigningKey::from_pem,
        |e| matches!(e, SignError::WrongPassword),
    )
}

/// What `source` holds, read by `pkcs12` (with `password`) or `pem`
/// (certificate, key); a failure names the profile key, and says whether
/// the password was wrong.
fn open<T, E: std::fmt::Display>(
    source: &Sourced<CertificateSource>,
    password: Option<&Password>,
    pkcs12: impl FnOnce(&[u8], &str) -> Result<T, E>,
    pem: impl FnOnce(&[u8], &[u8]) -> Result<T, E>,
    wrong_password: impl FnOnce(&E) -> bool,
) -> Result<T, ProfileError> {
    let result = match &source.value {
        CertificateSource::Pkcs12 { path } => {
            let password = password.ok_or_else(|| password_required(source))?;
            pkcs12(&read(source, path)?, password.expose())
        }
        CertificateSource::Pem { certificate, key } => {
            pem(&read(source, certificate)?, &read(source, key)?)
        }
    };
    result.map_err(|e| ProfileError::Certificate {
        file: source.file.clone(),
        key: source.key.clone(),
        wrong_password: wrong_password(&e),
        reason: e.to_string(),
    })
}

fn password_required(source: &Sourced<CertificateSource>) -> ProfileError {
    ProfileError::PasswordRequired {
        file: source.file.clone(),
        key: source.key.clone(),
    }
}

fn read<T>(source: &Sourced<T>, path: &std::path::Path) -> Result<Vec<u8>, ProfileError> {
    std::fs::read(path).map_err(|e| ProfileError::Read {
        file: source.file.clone(),
        key: source.key.clone(),
        path: path.to_path_buf(),
        source: e,
    })
}
