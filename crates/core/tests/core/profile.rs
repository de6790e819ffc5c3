//! Profiles: the documented format, layering, errors naming file and key,
//! and what a profile builds (TLS client over real mTLS, signing key).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use kuvert_core::profile::{
    CertificateSource, Environment, Profile, ProfileError, ProfileLocations,
};
use kuvert_core::secrets::Password;
use kuvert_service::{HttpsServer, Request, Response, ServerTls};
use kuvert_transport::{certificate_organisation_number, HttpsClient, Proxy, ProxyUrl};

use crate::support::{self, fixture, FULL_PROFILE, P12_PASSWORD};

#[test]
fn the_documented_format_is_read_completely() {
    let profile = support::profile();
    let dir = fixture().dir();
    assert_eq!(profile.name(), "Testmiljö");
    assert_eq!(profile.environment(), Environment::Test);
    assert_eq!(profile.organisation_number().as_str(), "162021003898");
    let names: Vec<&str> = profile.sender_names().iter().map(|n| n.as_str()).collect();
    assert_eq!(names, ["Kommun B", "Kommun B Bygglov"]);
    assert_eq!(profile.default_sender_name().as_str(), "Kommun B");
    let support = profile.support();
    assert_eq!(
        support.text(),
        "Frågor om meddelandet? Kontakta Kommun B:s kundtjänst."
    );
    assert_eq!(support.email(), Some("kundtjanst@kommunb.example"));
    assert_eq!(support.phone(), Some("010-000 00 00"));
    assert_eq!(support.url(), Some("https://kommunb.example/kontakt"));
    let endpoints = profile.endpoints();
    assert_eq!(endpoints.recipient, "https://127.0.0.1:8443/Recipient/v3");
    assert_eq!(endpoints.message, "https://127.0.0.1:8443/Message/v3");
    assert_eq!(profile.ca_bundle_path(), dir.join("ca.pem"));
    assert_eq!(profile.connect_timeout(), Duration::from_secs(5));
    assert_eq!(profile.call_timeout(), Duration::from_secs(30));
    assert_eq!(
        profile.proxy(),
        &Proxy::Via(ProxyUrl::parse("http://proxy.kommunb.example:8080").unwrap())
    );
    assert_eq!(
        profile.certificate(),
        &CertificateSource::Pkcs12 {
            path: dir.join("sender.p12")
        }
    );
    let rules = profile.rules();
    assert!(rules.require_case_number);
    assert_eq!(rules.max_attachment_bytes, 1000);
    assert_eq!(rules.max_total_attachment_bytes, 2000);
    assert_eq!(rules.retention_days, 3650);
    assert_eq!(rules.allowed_attachment_types.len(), 4);
    assert_eq!(profile.case_types().len(), 2);
    let beslut = profile.case_type("Beslut").unwrap();
    assert_eq!(beslut.subject(), Some("Beslut i ärende"));
    assert_eq!(beslut.protection_class().map(|c| c.get()), Some(2));
    assert_eq!(
        beslut.body(),
        Some("Hej,\n\nHär kommer beslutet i ditt ärende.")
    );
    let override_support = beslut.support().unwrap();
    assert_eq!(
        override_support.text(),
        "Frågor om beslutet? Ring bygglovsenheten."
    );
    // The override replaces only the text; the contact details stay.
    assert_eq!(override_support.email(), Some("kundtjanst@kommunb.example"));
    assert!(profile
        .case_type("Komplettering")
        .unwrap()
        .support()
        .is_none());
}

#[test]
fn a_minimal_profile_takes_the_documented_defaults() {
    let profile = Profile::from_toml_str(
        r#"
[sender]
organisation_number = "556840-2266"
names = ["Bolaget"]
[service]
recipient_url = "https://far.example/Recipient/v3"
message_url = "https://far.example/Message/v3"
ca_bundle = "/etc/ssl/kuvert-ca.pem"
[certificate]
pkcs12 = "cert/org.p12"
"#,
        Path::new("/etc/kuvert"),
    )
    .unwrap();
    assert_eq!(profile.name(), "Bolaget");
    assert_eq!(profile.environment(), Environment::Production);
    assert_eq!(
        profile.support().text(),
        "Frågor om meddelandet? Kontakta Bolaget."
    );
    assert_eq!(profile.support().email(), None);
    // Absolute paths stay; relative ones are resolved against the file.
    assert_eq!(
        profile.ca_bundle_path(),
        Path::new("/etc/ssl/kuvert-ca.pem")
    );
    assert_eq!(
        profile.certificate().certificate_path(),
        Path::new("/etc/kuvert/cert/org.p12")
    );
    assert_eq!(profile.connect_timeout(), Duration::from_secs(10));
    assert_eq!(profile.call_timeout(), Duration::from_secs(120));
    assert_eq!(profile.proxy(), &Proxy::FromEnvironment);
    let rules = profile.rules();
    assert!(rules.require_case_number);
    // What the default envelope limit (2 097 152 bytes) can carry in base64.
    assert_eq!(rules.max_envelope_bytes, 2_097_152);
    assert_eq!(rules.max_attachment_bytes, 1_572_864);
    assert_eq!(rules.max_total_attachment_bytes, 1_572_864);
    assert_eq!(
        rules.allowed_attachment_types,
        ["application/pdf", "image/jpeg", "image/png", "text/plain"]
    );
    assert_eq!(rules.retention_days, 3650);
    assert_eq!(rules.pdf_profile, kuvert_core::pdf::PdfProfile::A2b);
    assert!(profile.case_types().is_empty());
}

/// Issue 15: `[rules] pdf_a = "1b"` asks for PDF/A-1b.
#[test]
fn the_rules_can_ask_for_pdf_a_1b() {
    let text = support::profile_text_with(
        "retention_days = 3650",
        "retention_days = 3650\npdf_a = \"1b\"",
    );
    let profile = Profile::from_toml_str(&text, fixture().dir()).unwrap();
    assert_eq!(
        profile.rules().pdf_profile,
        kuvert_core::pdf::PdfProfile::A1b
    );
}

/// Issue 16: `[log] level` sets how much the desktop app logs; a level that
/// is none is refused naming the key, and none given is the default.
#[test]
fn the_log_level_comes_from_the_profile() {
    let text = support::profile_text_with(
        "retention_days = 3650",
        "retention_days = 3650\n\n[log]\nlevel = \"Debug\"",
    );
    let profile = Profile::from_toml_str(&text, fixture().dir()).unwrap();
    assert_eq!(profile.log_level(), Some("debug"));
    assert_eq!(support::profile().log_level(), None);
    let text = support::profile_text_with(
        "retention_days = 3650",
        "retention_days = 3650\n\n[log]\nlevel = \"loud\"",
    );
    match Profile::from_toml_str(&text, fixture().dir()).unwrap_err() {
        ProfileError::Invalid { key, reason, .. } => {
            assert_eq!(key, "log.level");
            assert!(
                reason.contains("error, warn, info, debug, trace"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn the_user_file_overrides_the_system_file_key_by_key() {
    let root = tempfile::tempdir().unwrap();
    let system = root.path().join("etc/kuvert/profile.toml");
    let config_home = root.path().join("home/.config");
    let user = config_home.join("kuvert/profile.toml");
    write(&system, FULL_PROFILE);
    write(
        &user,
        r#"
[sender]
names = ["Kommun B Miljö"]
[service]
call_timeout_seconds = 90
[certificate]
pkcs12 = "min.p12"
[[case_type]]
name = "Tillsyn"
protection_class = 1
"#,
    );
    let locations = ProfileLocations::from_lookup(|name| match name {
        "XDG_CONFIG_HOME" => Some(config_home.clone()),
        _ => None,
    });
    assert_eq!(locations.user.as_deref(), Some(user.as_path()));
    let locations = ProfileLocations {
        system: system.clone(),
        ..locations
    };
    let profile = Profile::load_from(None, &locations).unwrap();
    assert_eq!(profile.files(), [system.clone(), user.clone()]);
    // Overridden keys.
    let names: Vec<&str> = profile.sender_names().iter().map(|n| n.as_str()).collect();
    assert_eq!(names, ["Kommun B Miljö"]);
    assert_eq!(profile.call_timeout(), Duration::from_secs(90));
    // Keys of the same table the user did not set keep the system value.
    assert_eq!(profile.connect_timeout(), Duration::from_secs(5));
    assert_eq!(
        profile.support().email(),
        Some("kundtjanst@kommunb.example")
    );
    assert_eq!(profile.name(), "Testmiljö");
    // Paths are relative to the file that named them.
    assert_eq!(
        profile.ca_bundle_path(),
        system.parent().unwrap().join("ca.pem")
    );
    assert_eq!(
        profile.certificate().certificate_path(),
        user.parent().unwrap().join("min.p12")
    );
    // The user's case type list replaces the system's.
    let case_types: Vec<&str> = profile.case_types().iter().map(|c| c.name()).collect();
    assert_eq!(case_types, ["Tillsyn"]);
}

#[test]
fn the_system_file_alone_is_enough_and_home_is_the_fallback_for_xdg() {
    let root = tempfile::tempdir().unwrap();
    let system = root.path().join("profile.toml");
    write(&system, FULL_PROFILE);
    let locations = ProfileLocations::from_lookup(|name| match name {
        "HOME" => Some(root.path().join("home")),
        // Relative values are ignored, as the XDG specification says.
        "XDG_CONFIG_HOME" => Some(PathBuf::from("relative")),
        _ => None,
    });
    assert_eq!(
        locations.user,
        Some(root.path().join("home/.config/kuvert/profile.toml"))
    );
    let locations = ProfileLocations {
        system,
        ..locations
    };
    let profile = Profile::load_from(None, &locations).unwrap();
    assert_eq!(profile.name(), "Testmiljö");
    assert_eq!(profile.files().len(), 1);
}

#[test]
fn an_explicit_file_is_read_alone() {
    let root = tempfile::tempdir().unwrap();
    let system = root.path().join("system.toml");
    let explicit = root.path().join("elsewhere/test.toml");
    write(&system, &FULL_PROFILE.replace("Testmiljö", "System"));
    write(&explicit, FULL_PROFILE);
    let locations = ProfileLocations { system, user: None };
    let profile = Profile::load_from(Some(&explicit), &locations).unwrap();
    assert_eq!(profile.name(), "Testmiljö");
    assert_eq!(profile.files(), std::slice::from_ref(&explicit));
    assert_eq!(
        profile.ca_bundle_path(),
        explicit.parent().unwrap().join("ca.pem")
    );
}

#[test]
fn missing_files_are_reported_with_what_was_searched() {
    let root = tempfile::tempdir().unwrap();
    let locations = ProfileLocations {
        system: root.path().join("none.toml"),
        user: Some(root.path().join("neither.toml")),
    };
    match Profile::load_from(None, &locations) {
        Err(ProfileError::NotFound { searched }) => assert_eq!(searched.len(), 2),
        other => panic!("expected NotFound, got {other:?}"),
    }
    let missing = root.path().join("given.toml");
    let err = Profile::load_from(Some(&missing), &locations).unwrap_err();
    assert!(matches!(err, ProfileError::Read { .. }), "{err:?}");
    assert_eq!(err.file(), Some(missing.as_path()));
}

#[test]
fn errors_in_the_user_file_name_the_user_file() {
    let root = tempfile::tempdir().unwrap();
    let system = root.path().join("system.toml");
    let user = root.path().join("user.toml");
    write(&system, FULL_PROFILE);
    write(&user, "[sender]\nsupport_email = \"inte en adress\"\n");
    let err = Profile::load_from(
        None,
        &ProfileLocations {
            system,
            user: Some(user.clone()),
        },
    )
    .unwrap_err();
    assert_eq!(err.file(), Some(user.as_path()), "{err}");
    assert_eq!(err.key(), Some("sender.support_email"), "{err}");
}

/// Bad profiles: each row changes the full profile and names the key the
/// error must blame.
#[test]
fn bad_profiles_are_refused_naming_the_key() {
    let rows: &[(&str, &str, &str)] = &[
        // (find, replace, expected key)
        ("recipient_url =", "recipient_ur =", "service.recipient_ur"),
        ("[rules]", "[regler]", "regler"),
        (
            "retention_days = 3650",
            "retention_days = \"tio år\"",
            "rules.retention_days",
        ),
        (
            "retention_days = 3650",
            "retention_days = 0",
            "rules.retention_days",
        ),
        (
            "retention_days = 3650",
            "retention_days = 3650\npdf_a = \"3u\"",
            "rules.pdf_a",
        ),
        (
            "proxy = \"http://proxy.kommunb.example:8080\"",
            "proxy = \"proxy.kommunb.example:8080\"",
            "service.proxy",
        ),
        (
            "proxy = \"http://proxy.kommunb.example:8080\"",
            "proxy = \"https://proxy.kommunb.example:8080\"",
            "service.proxy",
        ),
        (
            "proxy = \"http://proxy.kommunb.example:8080\"",
            "proxy = \"http://anna:hemligt@proxy.kommunb.example:8080\"",
            "service.proxy",
        ),
        (
            "proxy = \"http://proxy.kommunb.example:8080\"",
            "proxy = 8080",
            "service.proxy",
        ),
        (
            "organisation_number = \"202100-3898\"",
            "",
            "sender.organisation_number",
        ),
        (
            "organisation_number = \"202100-3898\"",
            "organisation_number = \"202100-3897\"",
            "sender.organisation_number",
        ),
        (
            "organisation_number = \"202100-3898\"",
            "organisation_number = \"198501012382\"",
            "sender.organisation_number",
        ),
        (
            "names = [\"Kommun B\", \"Kommun B Bygglov\"]",
            "names = []",
            "sender.names",
        ),
        (
            "names = [\"Kommun B\", \"Kommun B Bygglov\"]",
            "names = [\"Kommun B\", \"Kommun B\"]",
            "sender.names",
        ),
        (
            "names = [\"Kommun B\", \"Kommun B Bygglov\"]",
            "",
            "sender.names",
        ),
        (
            "support_email = \"kundtjanst@kommunb.example\"",
            "support_email = \"kundtjanst.kommunb.example\"",
            "sender.support_email",
        ),
        (
            "support_email = \"kundtjanst@kommunb.example\"",
            "support_email = \"kund tjanst@kommunb.example\"",
            "sender.support_email",
        ),
        (
            "support_url = \"https://kommunb.example/kontakt\"",
            "support_url = \"ftp://kommunb.example\"",
            "sender.support_url",
        ),
        (
            "support_url = \"https://kommunb.example/kontakt\"",
            "support_url = \"kommunb.example\"",
            "sender.support_url",
        ),
        (
            "support_text = \"Frågor om meddelandet? Kontakta Kommun B:s kundtjänst.\"",
            "support_text = \"  \"",
            "sender.support_text",
        ),
        (
            "environment = \"test\"",
            "environment = \"staging\"",
            "profile.environment",
        ),
        ("name = \"Testmiljö\"", "name = \"\"", "profile.name"),
        (
            "recipient_url = \"https://127.0.0.1:8443/Recipient/v3\"",
            "recipient_url = \"http://127.0.0.1:8443/Recipient/v3\"",
            "service.recipient_url",
        ),
        (
            "message_url = \"https://127.0.0.1:8443/Message/v3\"",
            "",
            "service.message_url",
        ),
        ("ca_bundle = \"ca.pem\"", "", "service.ca_bundle"),
        (
            "call_timeout_seconds = 30",
            "call_timeout_seconds = -1",
            "service.call_timeout_seconds",
        ),
        (
            "pkcs12 = \"sender.p12\"",
            "pkcs12 = \"sender.p12\"\ncert_pem = \"sender.pem\"\nkey_pem = \"sender.key\"",
            "certificate",
        ),
        (
            "pkcs12 = \"sender.p12\"",
            "cert_pem = \"sender.pem\"",
            "certificate.key_pem",
        ),
        ("pkcs12 = \"sender.p12\"", "", "certificate.pkcs12"),
        (
            "allowed_attachment_types = [\"application/pdf\",",
            "allowed_attachment_types = [\"application/x-msdownload\",",
            "rules.allowed_attachment_types",
        ),
        (
            "require_case_number = true",
            "require_case_number = \"ja\"",
            "rules.require_case_number",
        ),
        (
            "protection_class = 2",
            "protection_class = 4",
            "case_type[1].protection_class",
        ),
        (
            "protection_class = 3",
            "protection_class = 0",
            "case_type[2].protection_class",
        ),
        (
            "name = \"Komplettering\"",
            "name = \"Beslut\"",
            "case_type[2].name",
        ),
        (
            "name = \"Komplettering\"",
            "namn = \"Komplettering\"",
            "case_type[2].namn",
        ),
        (
            "subject = \"Beslut i ärende\"",
            "subject = \"\"",
            "case_type[1].subject",
        ),
    ];
    assert!(rows.len() >= 30);
    for (from, to, key) in rows {
        let text = support::profile_text_with(from, to);
        match Profile::from_toml_str(&text, Path::new("/etc/kuvert")) {
            Ok(_) => panic!("{from:?} → {to:?} was accepted"),
            Err(err) => {
                assert_eq!(err.key(), Some(*key), "{from:?} → {to:?}: {err}");
                assert_eq!(err.file(), Some(Path::new("/etc/kuvert/profile.toml")));
                assert!(err.to_string().contains(key), "{err}");
            }
        }
    }
}

/// What the reader says about unknown keys and values of the wrong type:
/// the key, and what would have been right.
#[test]
fn unknown_keys_and_wrong_types_say_what_is_expected() {
    let rows: &[(&str, &str, &str, &str)] = &[
        // (find, replace, expected key, expected part of the message)
        (
            "recipient_url =",
            "recipient_ur =",
            "service.recipient_ur",
            "unknown key `recipient_ur` (a typing error?); expected one of `mode`, `recipient_url`, `message_url`, `far_url`, `operator_ca_bundle`",
        ),
        (
            "[rules]",
            "[regler]",
            "regler",
            "unknown table `regler` (a typing error?); expected one of `profile`",
        ),
        (
            "retention_days = 3650",
            "retention_days = \"tio år\"",
            "rules.retention_days",
            "invalid type: string \"tio år\", expected an integer",
        ),
        (
            "names = [\"Kommun B\", \"Kommun B Bygglov\"]",
            "names = \"Kommun B\"",
            "sender.names",
            "expected a list of strings",
        ),
        (
            "names = [\"Kommun B\", \"Kommun B Bygglov\"]",
            "names = [\"Kommun B\", 3]",
            "sender.names[2]",
            "invalid type: integer `3`, expected a string",
        ),
        (
            "require_case_number = true",
            "require_case_number = \"ja\"",
            "rules.require_case_number",
            "expected a boolean",
        ),
        (
            "ca_bundle = \"ca.pem\"",
            "ca_bundle = \"\"",
            "service.ca_bundle",
            "must not be empty",
        ),
    ];
    for (from, to, key, message) in rows {
        let text = support::profile_text_with(from, to);
        let err = Profile::from_toml_str(&text, Path::new("/etc/kuvert")).unwrap_err();
        assert_eq!(err.key(), Some(*key), "{from:?} → {to:?}: {err}");
        assert!(
            err.to_string().contains(message),
            "{from:?} → {to:?}: {err}"
        );
    }
}

#[test]
fn a_bad_key_in_the_user_file_names_the_user_file_even_when_it_overrides_nothing() {
    let root = tempfile::tempdir().unwrap();
    let system = root.path().join("system.toml");
    let user = root.path().join("user.toml");
    write(&system, FULL_PROFILE);
    let locations = ProfileLocations {
        system: system.clone(),
        user: Some(user.clone()),
    };
    for text in [
        "[service]\ncall_timeout = 90\n",
        "[service]\ncall_timeout_seconds = \"90\"\n",
    ] {
        write(&user, text);
        let err = Profile::load_from(None, &locations).unwrap_err();
        assert_eq!(err.file(), Some(user.as_path()), "{err}");
        assert!(
            err.key().unwrap().starts_with("service.call_timeout"),
            "{err}"
        );
    }
    // A wrong value in the system file is an error even where the user file
    // overrides it: every file is checked whole.
    write(
        &system,
        &FULL_PROFILE.replace("call_timeout_seconds = 30", "call_timeout_seconds = \"30\""),
    );
    write(&user, "[service]\ncall_timeout_seconds = 90\n");
    let err = Profile::load_from(None, &locations).unwrap_err();
    assert_eq!(err.file(), Some(system.as_path()), "{err}");
    assert_eq!(err.key(), Some("service.call_timeout_seconds"), "{err}");
}

#[test]
fn the_proxy_is_an_address_none_or_left_to_the_environment() {
    let with = |line: &str| {
        let text =
            support::profile_text_with("proxy = \"http://proxy.kommunb.example:8080\"", line);
        Profile::from_toml_str(&text, Path::new("/etc/kuvert"))
    };
    assert_eq!(with("proxy = \"none\"").unwrap().proxy(), &Proxy::Direct);
    assert_eq!(with("").unwrap().proxy(), &Proxy::FromEnvironment);
    assert_eq!(
        with("proxy = \"http://10.1.2.3:3128\"").unwrap().proxy(),
        &Proxy::Via(ProxyUrl::parse("http://10.1.2.3:3128").unwrap())
    );
    // A bad address is explained, with the way to write a good one.
    let error = with("proxy = \"socks5://10.1.2.3:1080\"").unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("/etc/kuvert/profile.toml: service.proxy:"),
        "{text}"
    );
    assert!(text.contains("http://host:port"), "{text}");
}

#[test]
fn pem_keys_are_refused_in_production() {
    let text = support::profile_text_with(
        "pkcs12 = \"sender.p12\"",
        "cert_pem = \"sender.pem\"\nkey_pem = \"sender.key\"",
    );
    assert!(Profile::from_toml_str(&text, fixture().dir()).is_ok());
    let production = text.replace("environment = \"test\"", "environment = \"production\"");
    let err = Profile::from_toml_str(&production, fixture().dir()).unwrap_err();
    assert_eq!(err.key(), Some("certificate.cert_pem"), "{err}");
}

#[test]
fn syntax_errors_give_line_and_column() {
    let err = Profile::from_toml_str("[sender]\nnames = [\"a\"\n", Path::new("/x")).unwrap_err();
    match err {
        ProfileError::Syntax { line, .. } => assert!(line >= 2, "line {line}"),
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn the_certificate_opens_with_the_right_password_only() {
    let profile = support::profile();
    let password = Password::new(P12_PASSWORD);
    let key = profile.signing_key(Some(&password)).unwrap();
    assert!(key.subject().contains("Kommun B"), "{}", key.subject());
    let identity = profile.client_identity(Some(&password)).unwrap();
    assert_eq!(
        certificate_organisation_number(&identity.certificate().to_der().unwrap()).as_deref(),
        Some("162021003898")
    );

    let wrong = Password::new("fel");
    match profile.signing_key(Some(&wrong)) {
        Err(ProfileError::Certificate {
            wrong_password: true,
            key,
            ..
        }) => assert_eq!(key, "certificate.pkcs12"),
        other => panic!("expected a wrong-password error, got {other:?}"),
    }
    match profile.client_identity(Some(&wrong)) {
        Err(ProfileError::Certificate {
            wrong_password: true,
            ..
        }) => {}
        other => panic!("expected a wrong-password error, got {other:?}"),
    }
    assert!(matches!(
        profile.client_config(None),
        Err(ProfileError::PasswordRequired { .. })
    ));
}

#[test]
fn missing_or_wrong_files_name_the_key_that_named_them() {
    let text = support::profile_text_with("ca_bundle = \"ca.pem\"", "ca_bundle = \"saknas.pem\"");
    let profile = Profile::from_toml_str(&text, fixture().dir()).unwrap();
    let err = profile.ca_bundle().unwrap_err();
    assert!(matches!(err, ProfileError::Read { .. }), "{err:?}");
    assert_eq!(err.key(), Some("service.ca_bundle"));

    // A key file named as the CA bundle holds no certificate.
    let text = support::profile_text_with("ca_bundle = \"ca.pem\"", "ca_bundle = \"sender.key\"");
    let profile = Profile::from_toml_str(&text, fixture().dir()).unwrap();
    assert_eq!(
        profile.ca_bundle().unwrap_err().key(),
        Some("service.ca_bundle")
    );

    // The CA certificate is not a PKCS#12 file.
    let text = support::profile_text_with("pkcs12 = \"sender.p12\"", "pkcs12 = \"ca.pem\"");
    let profile = Profile::from_toml_str(&text, fixture().dir()).unwrap();
    let err = profile
        .signing_key(Some(&Password::new(P12_PASSWORD)))
        .unwrap_err();
    assert!(
        matches!(
            err,
            ProfileError::Certificate {
                wrong_password: false,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn the_client_configuration_speaks_mutual_tls_to_the_configured_server() {
    let fixture = fixture();
    let server = HttpsServer::bind(
        "127.0.0.1:0".parse().unwrap(),
        ServerTls {
            cert_pem: fixture.pki.server.cert_pem.clone(),
            key_pem: fixture.pki.server.key_pem.clone(),
            client_ca_pem: fixture.pki.ca.cert_pem.clone(),
            require_client_certificate: true,
        },
        Arc::new(|request: Request| {
            let sender = request
                .peer_certificate_der
                .as_deref()
                .and_then(certificate_organisation_number)
                .unwrap_or_default();
            Response::xml(200, format!("<sender>{sender}</sender>"))
        }),
    )
    .unwrap();
    for certificate in [
        "pkcs12 = \"sender.p12\"",
        "cert_pem = \"sender.pem\"\nkey_pem = \"sender.key\"",
    ] {
        let text = support::profile_text_with("pkcs12 = \"sender.p12\"", certificate).replace(
            "proxy = \"http://proxy.kommunb.example:8080\"",
            "proxy = \"none\"",
        );
        let profile = Profile::from_toml_str(&text, fixture.dir()).unwrap();
        let config = profile
            .client_config(Some(&Password::new(P12_PASSWORD)))
            .unwrap();
        assert_eq!(config.connect_timeout, Duration::from_secs(5));
        assert_eq!(config.call_timeout, Duration::from_secs(30));
        let client = HttpsClient::new(config).unwrap();
        let reply = client
            .post_soap(&server.url("/Message/v3"), b"<Envelope/>")
            .unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, b"<sender>162021003898</sender>");
    }
    server.shutdown();
}

/// The fuzz target's entry point on every prefix of the full profile and on
/// single-byte corruptions of it: errors, never panics.
#[test]
fn truncated_and_corrupted_profiles_never_panic() {
    let full = FULL_PROFILE.as_bytes();
    for end in 0..=full.len() {
        kuvert_core::fuzzing::profile(&full[..end]);
    }
    for (i, replacement) in (0..full.len())
        .step_by(7)
        .zip([b'"', b'[', b'=', b'\n', b'0', 0xFF].iter().cycle())
    {
        let mut corrupted = full.to_vec();
        corrupted[i] = *replacement;
        kuvert_core::fuzzing::profile(&corrupted);
    }
}
