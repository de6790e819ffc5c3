//! A private PostgreSQL server for one test: Debian's binaries, a cluster
//! in a fresh folder, on a free port of 127.0.0.1 and a socket in that
//! folder, stopped when dropped. As root (CI), the cluster runs as the
//! `postgres` user, which the server insists on.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Postgres {
    dir: PathBuf,
    pub port: u16,
    as_postgres: bool,
}

fn bin(name: &str) -> PathBuf {
    for version in ["17", "16", "15"] {
        let path = PathBuf::from(format!("/usr/lib/postgresql/{version}/bin/{name}"));
        if path.exists() {
            return path;
        }
    }
    PathBuf::from(name)
}

impl Postgres {
    pub fn start() -> Postgres {
        let as_postgres = nix_is_root();
        let dir = std::env::temp_dir().join(format!("kuvert-pg-{}", uuid_like()));
        std::fs::create_dir_all(&dir).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if as_postgres {
            run(Command::new("chown").args(["postgres:postgres"]).arg(&dir));
        }
        let pg = Postgres {
            dir,
            port,
            as_postgres,
        };
        pg.run_as(
            &bin("initdb"),
            &[
                "-D",
                &pg.data(),
                "-U",
                "kuvert",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "-N",
            ],
        );
        let options = format!(
            "-k {} -p {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            pg.dir.display(),
            port
        );
        let log = pg.dir.join("pg.log").display().to_string();
        pg.run_as(
            &bin("pg_ctl"),
            &["-D", &pg.data(), "-o", &options, "-l", &log, "-w", "start"],
        );
        pg.run_as(
            &bin("createdb"),
            &[
                "-h",
                &pg.dir.display().to_string(),
                "-p",
                &port.to_string(),
                "-U",
                "kuvert",
                "kuvert",
            ],
        );
        pg
    }

    fn data(&self) -> String {
        self.dir.join("pg").display().to_string()
    }

    fn run_as(&self, program: &Path, args: &[&str]) {
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        run(command.args(args));
    }

    /// The libpq URL of the test database as the owner (a superuser).
    pub fn url(&self) -> String {
        format!(
            "host={} port={} user=kuvert dbname=kuvert",
            self.dir.display(),
            self.port
        )
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.data();
        let _ = std::panic::catch_unwind(|| {
            self.run_as(
                &bin("pg_ctl"),
                &["-D", &data, "-m", "immediate", "-w", "stop"],
            )
        });
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(command: &mut Command) {
    let output = command.output().expect("a PostgreSQL binary runs");
    assert!(
        output.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

fn uuid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}
