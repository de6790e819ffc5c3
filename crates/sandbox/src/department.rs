//! The test environment for department mode (`kuvert sandbox --department`):
//! a private PostgreSQL server ([`PrivatePostgres`]), a test staff PKI, and
//! the files that tie them together ([`DepartmentFiles`]): `server.toml` for
//! `kuvert-server`, and client profiles for two officers and a registrar.
//!
//! Everything is made once and kept in the state directory, so a restart
//! finds the same certificates, ports and database.

use std::path::{Path, PathBuf};
use std::process::Command;

use kuvert_testpki::{
    generate_ca, issue_server_certificate, issue_staff_certificate, CertifiedKey,
};

use crate::profile::quoted;
use crate::SandboxError;

/// One member of the test staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestStaff {
    /// The client profile's file stem (`officer-a`).
    pub profile: &'static str,
    /// The identity their certificate names (its e-mail address).
    pub identity: &'static str,
    /// Their name.
    pub name: &'static str,
    /// `officer` or `registrar`.
    pub role: &'static str,
    /// An officer's unit.
    pub unit: Option<&'static str>,
}

/// Officer A, officer B and the registrar.
pub const STAFF: [TestStaff; 3] = [
    TestStaff {
        profile: "officer-a",
        identity: "anna.andersson@kommunb.example",
        name: "Anna Andersson",
        role: "officer",
        unit: Some("Bygglov"),
    },
    TestStaff {
        profile: "officer-b",
        identity: "bertil.berg@kommunb.example",
        name: "Bertil Berg",
        role: "officer",
        unit: Some("Socialtjänst"),
    },
    TestStaff {
        profile: "registrar",
        identity: "rut.registrator@kommunb.example",
        name: "Rut Registrator",
        role: "registrar",
        unit: None,
    },
];

/// A PostgreSQL server of Debian's binaries with a cluster of its own, on
/// a port of 127.0.0.1 and a socket in the cluster's folder; stopped when
/// dropped. As root (CI) the cluster belongs to and runs as `postgres`,
/// which PostgreSQL insists on, in a folder that user can reach.
#[derive(Debug)]
pub struct PrivatePostgres {
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
    keep: bool,
}

fn binary(name: &str) -> PathBuf {
    for version in ["17", "16", "15"] {
        let path = PathBuf::from(format!("/usr/lib/postgresql/{version}/bin/{name}"));
        if path.exists() {
            return path;
        }
    }
    PathBuf::from(name)
}

fn is_root() -> bool {
    nix_uid() == 0
}

fn nix_uid() -> u32 {
    // `id -u` rather than libc, to keep the crate's dependencies.
    Command::new("id")
        .arg("-u")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(u32::MAX)
}

impl PrivatePostgres {
    /// A throwaway server in a new folder under the system's temporary
    /// folder, removed when dropped (for tests).
    ///
    /// # Errors
    ///
    /// [`SandboxError::Postgres`] with what PostgreSQL said.
    pub fn throwaway() -> Result<PrivatePostgres, SandboxError> {
        let dir = std::env::temp_dir().join(format!(
            "kuvert-pg-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        PrivatePostgres::start_in(dir, 0, false)
    }

    /// The server of the test environment in `state_dir`: its cluster is
    /// made on first use and kept (as root, under `/var/tmp`, named after
    /// the state directory, which `postgres` may not be able to reach).
    ///
    /// # Errors
    ///
    /// As [`PrivatePostgres::throwaway`].
    pub fn for_state_dir(state_dir: &Path, port: u16) -> Result<PrivatePostgres, SandboxError> {
        let dir = if is_root() {
            let absolute = std::fs::canonicalize(state_dir).unwrap_or(state_dir.to_path_buf());
            let digest = openssl::sha::sha256(absolute.to_string_lossy().as_bytes());
            let tag: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
            PathBuf::from(format!("/var/tmp/kuvert-sandbox-pg-{tag}"))
        } else {
            state_dir.join("postgres")
        };
        PrivatePostgres::start_in(dir, port, true)
    }

    fn start_in(dir: PathBuf, port: u16, keep: bool) -> Result<PrivatePostgres, SandboxError> {
        PrivatePostgres::start_attempt(dir, port, keep, 1)
    }

    fn start_attempt(
        dir: PathBuf,
        port: u16,
        keep: bool,
        attempt: u32,
    ) -> Result<PrivatePostgres, SandboxError> {
        let port_was_free = port == 0;
        let as_postgres = is_root();
        std::fs::create_dir_all(&dir).map_err(|e| SandboxError::io(&dir, e))?;
        let port = match port {
            0 => std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .map_err(|e| SandboxError::io(&dir, e))?,
            port => port,
        };
        let mut pg = PrivatePostgres {
            dir,
            port,
            as_postgres,
            keep,
        };
        if as_postgres {
            run(Command::new("chown").arg("postgres:postgres").arg(&pg.dir))?;
        }
        let data = pg.data();
        if !Path::new(&data).join("PG_VERSION").exists() {
            pg.run_as(
                "initdb",
                &[
                    "-D",
                    &data,
                    "-U",
                    "kuvert",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "-N",
                ],
            )?;
        }
        // A server left running (the sandbox was stopped with Ctrl-C) is
        // used as it is: its port is in its pid file.
        if pg.run_as("pg_ctl", &["-D", &data, "status"]).is_ok() {
            let pid_file = std::fs::read_to_string(Path::new(&data).join("postmaster.pid"))
                .map_err(|e| SandboxError::io(&pg.dir, e))?;
            let running = pid_file
                .lines()
                .nth(3)
                .and_then(|p| p.trim().parse().ok())
                .ok_or_else(|| {
                    SandboxError::Postgres(format!("no port in {data}/postmaster.pid"))
                })?;
            pg.port = running;
            return Ok(pg);
        }
        let options = format!(
            "-k {} -p {} -c listen_addresses=127.0.0.1 -c max_connections=300 {}",
            pg.dir.display(),
            port,
            // A throwaway cluster need not survive a power cut.
            if keep { "" } else { "-c fsync=off" }
        );
        let log = pg.dir.join("postgres.log").display().to_string();
        if let Err(error) = pg.run_as(
            "pg_ctl",
            &["-D", &data, "-o", &options, "-l", &log, "-w", "start"],
        ) {
            // What PostgreSQL said is in its log, not in pg_ctl's answer.
            let said = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = said.lines().rev().take(5).collect();
            let taken = said.contains("could not bind") || said.contains("Address already in use");
            if taken && port_was_free && attempt < 3 {
                // Another process took the free port between our look and
                // the server's bind: try another, in the same folder (this
                // attempt hands it over and stops nothing).
                let dir = pg.dir.clone();
                std::mem::forget(pg);
                return PrivatePostgres::start_attempt(dir, 0, keep, attempt + 1);
            }
            return Err(SandboxError::Postgres(format!(
                "{error}; its log ends: {}",
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            )));
        }
        let exists = pg.run_as(
            "psql",
            &[
                "-h",
                &pg.dir.display().to_string(),
                "-p",
                &port.to_string(),
                "-U",
                "kuvert",
                "-d",
                "postgres",
                "-tAc",
                "SELECT 1 FROM pg_database WHERE datname = 'kuvert'",
            ],
        )?;
        if exists.trim() != "1" {
            pg.run_as(
                "createdb",
                &[
                    "-h",
                    &pg.dir.display().to_string(),
                    "-p",
                    &port.to_string(),
                    "-U",
                    "kuvert",
                    "kuvert",
                ],
            )?;
        }
        Ok(pg)
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    fn run_as(&self, program: &str, args: &[&str]) -> Result<String, SandboxError> {
        let program = binary(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        run(command.args(args))
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The libpq connection string of the `kuvert` database, as its owner.
    pub fn url(&self) -> String {
        format!(
            "host={} port={} user=kuvert dbname=kuvert",
            self.dir.display(),
            self.port
        )
    }

    /// Stops the server now (a kept cluster stays on disk).
    pub fn stop(&mut self) {
        let data = self.data();
        let _ = self.run_as("pg_ctl", &["-D", &data, "-m", "fast", "-w", "stop"]);
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        self.stop();
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn run(command: &mut Command) -> Result<String, SandboxError> {
    let output = command
        .output()
        .map_err(|e| SandboxError::Postgres(format!("{command:?}: {e}")))?;
    if !output.status.success() {
        return Err(SandboxError::Postgres(format!(
            "{command:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Where [`DepartmentFiles::write`] put what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentFiles {
    /// `server.toml`.
    pub server_toml: PathBuf,
    /// The server's address (`https://127.0.0.1:PORT`).
    pub server_url: String,
    /// The staff PKI's CA (it also issued the server's certificate).
    pub staff_ca: PathBuf,
    /// Each member of [`STAFF`]'s client profile, in that order.
    pub profiles: Vec<PathBuf>,
    /// The secret the department log's chain is keyed with (a test key,
    /// made once, 0600).
    pub chain_key: PathBuf,
}

impl DepartmentFiles {
    /// Writes `server.toml` (for `database_url`, listening on `port`, or a
    /// free one) and the staff's client profiles into `state_dir`, next to
    /// the sandbox's `profile.toml` (the organisation's profile, with its
    /// certificate); the staff PKI is made once, under `department/`.
    ///
    /// # Errors
    ///
    /// [`SandboxError`] when a file cannot be written or a certificate made.
    pub fn write(
        state_dir: &Path,
        database_url: &str,
        port: u16,
    ) -> Result<DepartmentFiles, SandboxError> {
        let pki_dir = state_dir.join("department");
        std::fs::create_dir_all(&pki_dir).map_err(|e| SandboxError::io(&pki_dir, e))?;
        let ca = load_or(&pki_dir, "staff-ca", || {
            generate_ca("Kommun B Staff CA (test)")
        })?;
        load_or(&pki_dir, "server", || {
            issue_server_certificate(&ca, &["localhost"], &["127.0.0.1".parse().expect("an IP")])
        })?;
        let chain_key = pki_dir.join("chain.key");
        if !chain_key.exists() {
            let mut secret = [0u8; 32];
            openssl::rand::rand_bytes(&mut secret).map_err(SandboxError::pki)?;
            let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
            write_private(&chain_key, &format!("{hex}\n"))?;
        }
        let port = match port {
            0 => previous_port(&state_dir.join("server.toml")).unwrap_or(free_port()?),
            port => port,
        };
        let server_url = format!("https://127.0.0.1:{port}");
        let mut staff = String::new();
        for member in STAFF {
            load_or(&pki_dir, member.profile, || {
                issue_staff_certificate(&ca, "Kommun B", member.name, member.identity)
            })?;
            staff.push_str(&format!(
                "\n[[staff]]\nidentity = {}\nname = {}\nrole = {}\n{}",
                quoted(member.identity),
                quoted(member.name),
                quoted(member.role),
                member
                    .unit
                    .map(|u| format!("unit = {}\n", quoted(u)))
                    .unwrap_or_default()
            ));
        }
        let server_toml = state_dir.join("server.toml");
        write(
            &server_toml,
            &format!(
                r#"# Written by the Kuvert test environment (kuvert sandbox --department) at every start.
# Run: kuvert-server --config {path}
[server]
listen = "127.0.0.1:{port}"
tls_certificate = "department/server.pem"
tls_key = "department/server.key"   # unencrypted test key, generated for the test environment only
staff_ca = "department/staff-ca.pem"

[database]
url = {url}

[organisation]
profile = "profile.toml"   # the test organisation (Kommun B) and its certificate

[log]
chain_key_file = "department/chain.key"   # a test key, made for the test environment only

[worker]
poll_milliseconds = 500
status_interval_seconds = 2   # the test environment delivers within seconds
{staff}"#,
                path = server_toml.display(),
                url = quoted(database_url),
            ),
        )?;
        let organisation = std::fs::read_to_string(state_dir.join("profile.toml"))
            .map_err(|e| SandboxError::io(&state_dir.join("profile.toml"), e))?;
        let mut profiles = Vec::new();
        for member in STAFF {
            let path = state_dir.join(format!("{}.toml", member.profile));
            write(&path, &client_profile(&organisation, member, &server_url))?;
            profiles.push(path);
        }
        Ok(DepartmentFiles {
            server_toml,
            server_url,
            staff_ca: pki_dir.join("staff-ca.pem"),
            profiles,
            chain_key,
        })
    }
}

/// The organisation's profile with the member's own certificate and the
/// `[department]` table.
fn client_profile(organisation: &str, member: TestStaff, server_url: &str) -> String {
    let mut profile = format!(
        "# {} ({}), {} in the test department. Written by kuvert sandbox --department.\n",
        member.name, member.identity, member.role
    );
    let mut named = false;
    for line in organisation.lines() {
        if line.starts_with("cert_pem") {
            profile.push_str(&format!(
                "cert_pem = \"department/{}.pem\"\n",
                member.profile
            ));
        } else if line.starts_with("key_pem") {
            profile.push_str(&format!(
                "key_pem = \"department/{}.key\"   # unencrypted test key\n",
                member.profile
            ));
        } else if line.starts_with("name = ") && !named {
            // The profile's own name (the first `name`), not a case type's.
            named = true;
            profile.push_str(&format!(
                "name = {}\n",
                quoted(&format!("Testmiljö ({})", member.name))
            ));
        } else {
            profile.push_str(line);
            profile.push('\n');
        }
    }
    profile.push_str(&format!(
        "\n[department]\nurl = {}\nca_bundle = \"department/staff-ca.pem\"\n",
        quoted(server_url)
    ));
    profile
}

/// The certificate and key `dir/NAME.pem`/`.key`, made by `make` when missing.
fn load_or(
    dir: &Path,
    name: &str,
    make: impl FnOnce() -> Result<CertifiedKey, kuvert_testpki::PkiError>,
) -> Result<CertifiedKey, SandboxError> {
    let cert = dir.join(format!("{name}.pem"));
    let key = dir.join(format!("{name}.key"));
    if let (Ok(cert_pem), Ok(key_pem)) = (
        std::fs::read_to_string(&cert),
        std::fs::read_to_string(&key),
    ) {
        return Ok(CertifiedKey { cert_pem, key_pem });
    }
    let made = make().map_err(SandboxError::pki)?;
    write(&cert, &made.cert_pem)?;
    write(&key, &made.key_pem)?;
    Ok(made)
}

fn previous_port(server_toml: &Path) -> Option<u16> {
    let text = std::fs::read_to_string(server_toml).ok()?;
    let line = text.lines().find(|l| l.starts_with("listen = "))?;
    let port: u16 = line
        .rsplit(':')
        .next()?
        .trim_end_matches('"')
        .parse()
        .ok()?;
    std::net::TcpListener::bind(("127.0.0.1", port)).ok()?;
    Some(port)
}

fn free_port() -> Result<u16, SandboxError> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| SandboxError::io(Path::new("127.0.0.1"), e))
}

fn write(path: &Path, text: &str) -> Result<(), SandboxError> {
    std::fs::write(path, text).map_err(|e| SandboxError::io(path, e))
}

/// Writes a secret readable by its owner only (0600 from the start).
fn write_private(path: &Path, text: &str) -> Result<(), SandboxError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|e| SandboxError::io(path, e))
}
