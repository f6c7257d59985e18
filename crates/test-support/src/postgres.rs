//! A throwaway Postgres cluster for the tests, from Debian's `postgresql`
//! package: `initdb` into a temporary folder (as the `postgres` user when the
//! tests run as root, since Postgres refuses to run as root), listening on a
//! free port on 127.0.0.1 with its socket inside that folder, `fsync` off (a
//! commit still reaches the OS before it returns, so stopping the server as a
//! crash would loses nothing committed); stopped and removed when dropped.
//! Nothing is mocked.
//!
//! Where no Postgres server is installed the test says so loudly and skips,
//! except under `CI=true`, where that is a failure (`.ci/run` installs it).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A running cluster; stopped (immediately) and deleted on drop.
pub struct Cluster {
    bin: PathBuf,
    port: u16,
    /// The user the server runs as when the tests run as root.
    run_as: Option<&'static str>,
    dir: tempfile::TempDir,
}

/// The newest installed server's `bin/` folder (Debian keeps them in
/// `/usr/lib/postgresql/<version>/bin`, off the PATH).
fn server_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn id_of(flag: &str, user: &str) -> u32 {
    let o = Command::new("id").args([flag, user]).output().expect("id runs");
    String::from_utf8_lossy(&o.stdout).trim().parse().unwrap_or_else(|_| panic!("no user `{user}`"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Cluster {
    /// Starts a cluster, or `None` (having said why) when Postgres is not
    /// installed and this is not CI.
    pub fn start() -> Option<Cluster> {
        let Some(bin) = server_bin() else {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true");
            assert!(
                !ci,
                "CI=true but no Postgres server is installed (Debian's postgresql package; .ci/run installs it)"
            );
            eprintln!("\n*** SKIPPED: no Postgres server here (apt-get install postgresql to run this test) ***\n");
            return None;
        };
        let run_as = is_root().then_some("postgres");
        let dir = tempfile::tempdir().unwrap();
        if let Some(user) = run_as {
            std::os::unix::fs::chown(dir.path(), Some(id_of("-u", user)), Some(id_of("-g", user))).unwrap();
        }
        let cluster = Cluster { bin, port: free_port(), run_as, dir };
        let data = cluster.data();
        cluster
            .run("initdb", &["-D", &data, "-U", "stackpick", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
        cluster.pg_ctl_start();
        Some(cluster)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        }
    }

    fn run(&self, program: &str, args: &[&str]) -> Output {
        let out = self.command(program).args(args).current_dir(self.dir.path()).output().unwrap();
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn pg_ctl_start(&self) {
        let options =
            format!("-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off", self.port, self.dir.path().display());
        let log = self.dir.path().join("server.log").display().to_string();
        self.run("pg_ctl", &["-D", &self.data(), "-l", &log, "-o", &options, "-w", "-t", "30", "start"]);
    }

    /// Stops the server (as a crash would: no checkpoint), keeping its data.
    pub fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "immediate", "-w", "stop"]);
    }

    /// Starts the server again on the same port, with the same data.
    pub fn restart(&self) {
        self.pg_ctl_start();
    }

    /// A new, empty database in the cluster; returns its URL.
    pub fn database(&self, name: &str) -> String {
        self.run("createdb", &["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "stackpick", name]);
        self.url(name)
    }

    pub fn url(&self, name: &str) -> String {
        format!("postgres://stackpick@127.0.0.1:{}/{name}", self.port)
    }

    pub fn folder(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.command("pg_ctl").args(["-D", &self.data(), "-m", "immediate", "-w", "stop"]).output();
    }
}
