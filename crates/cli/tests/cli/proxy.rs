//! Through an HTTP proxy — a real tinyproxy started by the test — as the
//! profile's `service.proxy` says, or as `HTTPS_PROXY`/`NO_PROXY` say; mutual
//! TLS and the check of the server's certificate hold through the tunnel.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{sandbox, send_args, strs, Officer};

/// A tinyproxy on a free loopback port with a private configuration; it logs
/// every CONNECT it is asked for. Stopped when dropped.
struct Tinyproxy {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tinyproxy {
    fn start() -> Tinyproxy {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let log = dir.path().join("tinyproxy.log");
        let config = dir.path().join("tinyproxy.conf");
        std::fs::write(
            &config,
            format!(
                "Port {port}\nListen 127.0.0.1\nAllow 127.0.0.1\nLogFile \"{}\"\n\
                 LogLevel Connect\nMaxClients 20\nConnectPort {}\n",
                log.display(),
                service_port()
            ),
        )
        .unwrap();
        let child = Command::new("tinyproxy")
            .arg("-d")
            .arg("-c")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start tinyproxy ({e}): the proxy tests need it; \
                     `apt-get install tinyproxy` (scripts/deps installs it)"
                )
            });
        let mut proxy = Tinyproxy {
            child,
            port,
            log,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = proxy.child.try_wait() {
                panic!(
                    "tinyproxy exited at start ({status}); its log: {}",
                    proxy.log_text()
                );
            }
            assert!(
                Instant::now() < deadline,
                "tinyproxy did not start listening"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        proxy
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The targets of the CONNECT requests it has been asked for, in order.
    fn tunnels(&self) -> Vec<String> {
        self.log_text()
            .lines()
            .filter_map(|line| line.split_once("): CONNECT ").map(|(_, rest)| rest))
            .map(|rest| rest.split(' ').next().unwrap_or_default().to_string())
            .collect()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `127.0.0.1:PORT` of the test environment's service.
fn service_address() -> String {
    let url = sandbox().message_url();
    let rest = url.strip_prefix("https://").unwrap();
    rest[..rest.find('/').unwrap()].to_string()
}

fn service_port() -> u16 {
    service_address()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// The test environment's profile with `proxy = "none"` replaced by `line`.
fn officer_with_proxy_line(line: &str) -> Officer {
    let line = line.to_string();
    Officer::with_profile(move |text| {
        assert!(text.contains("proxy = \"none\""), "{text}");
        text.replacen("proxy = \"none\"", &line, 1)
    })
}

#[test]
fn a_send_goes_through_the_profiles_proxy_checking_and_submitting_in_one_tunnel() {
    let proxy = Tinyproxy::start();
    let officer = officer_with_proxy_line(&format!("proxy = \"{}\"", proxy.url()));
    let sent = officer.json(0, &strs(&send_args("19850101-2382", "BN 2026/0400")));
    assert_eq!(sent["state"], "submitted", "{sent}");
    // isReachable and distributeSecure: one tunnel, so one TLS handshake,
    // through which the test environment saw Kommun B's client certificate.
    assert_eq!(proxy.tunnels(), [service_address()]);
}

#[test]
fn the_servers_certificate_is_still_checked_through_the_tunnel() {
    let proxy = Tinyproxy::start();
    // The sender's own certificate as the "CA bundle": it vouches for no server.
    let not_a_ca = sandbox().sender_cert_path();
    let not_a_ca = not_a_ca.file_name().unwrap().to_string_lossy().into_owned();
    let url = proxy.url();
    let officer = Officer::with_profile(move |text| {
        text.replacen("proxy = \"none\"", &format!("proxy = \"{url}\""), 1)
            .lines()
            .map(|line| match line.starts_with("ca_bundle") {
                true => format!("ca_bundle = \"{not_a_ca}\""),
                false => line.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    let run = officer.run(&["check", "19850101-2382"]);
    assert_ne!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("the server's certificate is not trusted"),
        "{run:?}"
    );
    assert_eq!(proxy.tunnels(), [service_address()]);
}

#[test]
fn without_a_profile_setting_the_environments_proxy_is_used_unless_no_proxy_names_the_host() {
    let proxy = Tinyproxy::start();
    let officer = officer_with_proxy_line("");
    let check = |no_proxy: Option<&str>| {
        let mut command = officer.command(&["--json", "check", "19850101-2382"]);
        command
            .env("HTTPS_PROXY", proxy.url())
            .env_remove("https_proxy")
            .env_remove("ALL_PROXY")
            .env_remove("all_proxy")
            .env_remove("NO_PROXY")
            .env_remove("no_proxy");
        if let Some(hosts) = no_proxy {
            command.env("NO_PROXY", hosts);
        }
        let output = command.output().unwrap();
        assert!(output.status.success(), "{output:?}");
    };
    check(None);
    assert_eq!(proxy.tunnels(), [service_address()]);
    check(Some("example.org, 127.0.0.1"));
    assert_eq!(proxy.tunnels().len(), 1, "NO_PROXY was not honoured");
}

#[test]
fn a_proxy_that_is_not_there_is_a_connection_error_naming_it() {
    let absent = format!("http://127.0.0.1:{}", free_port());
    let officer = officer_with_proxy_line(&format!("proxy = \"{absent}\""));
    let run = officer.run(&["check", "19850101-2382"]);
    assert_ne!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains(&format!("through the proxy {absent}/")),
        "{run:?}"
    );
}

#[test]
fn a_proxy_address_that_is_not_http_is_a_profile_error_naming_the_key() {
    let officer = officer_with_proxy_line("proxy = \"proxy.kommunb.example:3128\"");
    let run = officer.run(&["check", "19850101-2382"]);
    assert_eq!(run.code, 2, "{run:?}");
    let profile = officer.profile.display().to_string();
    assert!(
        run.stderr.contains(&format!(
            "{profile}: service.proxy: \"proxy.kommunb.example:3128\""
        )),
        "{run:?}"
    );
    assert!(run.stderr.contains("http://host:port"), "{run:?}");
}
