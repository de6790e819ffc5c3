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
        let source = &self.certificate;
        let result = match &source.value {
            CertificateSource::Pkcs12 { path } => {
                let password = password.ok_or_else(|| self.password_required())?;
                ClientIdentity::from_pkcs12(&read(source, path)?, password.expose())
            }
            CertificateSource::Pem { certificate, key } => {
                ClientIdentity::from_pem(&read(source, certificate)?, &read(source, key)?)
            }
        };
        result.map_err(|e| ProfileError::Certificate {
            file: source.file.clone(),
            key: source.key.clone(),
            wrong_password: matches!(e, IdentityError::WrongPassword),
            reason: e.to_string(),
        })
    }

    /// The key that signs deliveries: the same certificate as the TLS identity.
    ///
    /// # Errors
    ///
    /// As [`Profile::client_identity`].
    pub fn signing_key(&self, password: Option<&Password>) -> Result<SigningKey, ProfileError> {
        let source = &self.certificate;
        let result = match &source.value {
            CertificateSource::Pkcs12 { path } => {
                let password = password.ok_or_else(|| self.password_required())?;
                SigningKey::from_pkcs12(&read(source, path)?, password.expose())
            }
            CertificateSource::Pem { certificate, key } => {
                SigningKey::from_pem(&read(source, certificate)?, &read(source, key)?)
            }
        };
        result.map_err(|e| ProfileError::Certificate {
            file: source.file.clone(),
            key: source.key.clone(),
            wrong_password: matches!(e, SignError::WrongPassword),
            reason: e.to_string(),
        })
    }

    /// The HTTPS client configuration: identity, CA bundle and the profile's
    /// time-outs and proxy.
    ///
    /// # Errors
    ///
    /// As [`Profile::client_identity`] and [`Profile::ca_bundle`].
    pub fn client_config(&self, password: Option<&Password>) -> Result<ClientConfig, ProfileError> {
        self.config_trusting(password, self.ca_bundle()?)
    }

    /// The organisation's identity, the profile's time-outs and proxy, and
    /// `bundle` to check servers against.
    fn config_trusting(
        &self,
        password: Option<&Password>,
        bundle: CaBundle,
    ) -> Result<ClientConfig, ProfileError> {
        let mut config = ClientConfig::new(self.client_identity(password)?, bundle);
        config.connect_timeout = self.connect_timeout;
        config.call_timeout = self.call_timeout;
        config.proxy = self.proxy.clone();
        Ok(config)
    }

    /// The HTTPS client for `config`; a TLS set-up that fails is blamed on
    /// the certificate.
    fn https_client(&self, config: ClientConfig) -> Result<HttpsClient, ProfileError> {
        HttpsClient::new(config).map_err(|e| ProfileError::Certificate {
            file: self.certificate.file.clone(),
            key: self.certificate.key.clone(),
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
        let https = self.https_client(self.client_config(password)?)?;
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

    /// In direct mode, a client for the mailbox operators: the
    /// organisation's certificate (the förmedlare's), their CA bundle
    /// (`service.operator_ca_bundle`), the profile's time-outs and proxy.
    /// `None` through an intermediary.
    ///
    /// # Errors
    ///
    /// As [`Profile::intermediary`], or the operators' CA bundle cannot be
    /// read.
    pub fn operators(
        &self,
        password: Option<&Password>,
    ) -> Result<Option<Operators>, ProfileError> {
        let Some(bundle) = self.operator_ca_bundle()? else {
            return Ok(None);
        };
        let https = self.https_client(self.config_trusting(password, bundle)?)?;
        Ok(Some(Operators::new(https)))
    }

    fn password_required(&self) -> ProfileError {
        ProfileError::PasswordRequired {
            file: self.certificate.file.clone(),
            key: self.certificate.key.clone(),
        }
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
