//! Helpers shared by integration tests: a loopback HTTP server.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub request_line: String,
    pub headers: Vec<(String, String)>,
    /// The request body (lossy UTF-8).
    pub body: String,
}

impl Seen {
    /// The value of header `name` (lowercase), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A tiny HTTP/1.1 server on 127.0.0.1 answering with `answer(request)` →
/// (status, extra headers, body, delay). Records every request.
pub struct Server {
    pub port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// TCP connections accepted, whether or not a request followed (a TLS
    /// handshake sent to this plain-HTTP server counts here, not in `requests`).
    accepted: Arc<std::sync::atomic::AtomicUsize>,
}

pub type Answer = (u16, Vec<(&'static str, String)>, String, Duration);

impl Server {
    pub fn start(answer: impl Fn(&Seen) -> Answer + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen2 = seen.clone();
        let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let accepted2 = accepted.clone();
        let answer = Arc::new(answer);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                accepted2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let seen = seen2.clone();
                let answer = answer.clone();
                std::thread::spawn(move || handle(stream, &seen, &*answer));
            }
        });
        Server {
            port,
            seen,
            accepted,
        }
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.accepted.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn handle(
    mut stream: TcpStream,
    seen: &Mutex<Vec<Seen>>,
    answer: &(dyn Fn(&Seen) -> Answer + Send + Sync),
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    let mut headers = Vec::new();
    let mut len = 0usize;
    loop {
        let mut l = String::new();
        reader.read_line(&mut l).unwrap();
        let l = l.trim_end().to_string();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap_or(0);
            }
            headers.push((k.to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let mut body = vec![0; len];
    let _ = reader.read_exact(&mut body);
    let req = Seen {
        request_line: request_line.trim_end().to_string(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    seen.lock().unwrap().push(req.clone());
    let (status, extra, body, delay) = answer(&req);
    std::thread::sleep(delay);
    let mut resp = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in extra {
        resp.push_str(&format!("{k}: {v}\r\n"));
    }
    resp.push_str("\r\n");
    resp.push_str(&body);
    let _ = stream.write_all(resp.as_bytes());
}

pub fn json(status: u16, body: &str) -> Answer {
    (
        status,
        vec![("Content-Type", "application/json".into())],
        body.into(),
        Duration::ZERO,
    )
}

/// Runs `git ARGS` in `repo` as a fake committer (no signing, no global config
/// surprises) and panics with git's stderr when it fails.
pub fn git(repo: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=Fake Dev",
            "-c",
            "user.email=fake@example.test",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(repo)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The binary under test, with colour off. `TOKENHOUND_TEST_BIN` runs the tests
/// against another build (to check that a regression test fails without its fix).
pub fn tokenhound() -> std::process::Command {
    use assert_cmd::cargo::CommandCargoExt;
    let mut c = match std::env::var_os("TOKENHOUND_TEST_BIN") {
        Some(bin) => std::process::Command::new(bin),
        None => std::process::Command::cargo_bin("tokenhound").unwrap(),
    };
    c.env("NO_COLOR", "1");
    c
}

/// A fake GitHub token with a valid checksum, distinct per `seed` (obviously
/// fake: the body spells it out).
pub fn fake_ghp(seed: &str) -> String {
    let body: String = format!("{seed}tokenhoundFAKEtestBODYq7W3e9R1t5Y2u8")
        .chars()
        .take(30)
        .collect();
    tokenhound::rules::validators::github_style_token("ghp_", &body)
}

/// A custom rule with a read-only check against `https://api.acme.test`, which
/// tests point at a loopback server through `[verify.endpoints] acme = …`.
pub const ACME_RULE: &str = r#"[[rule]]
id = "acme-token"
name = "ACME API token"
provider = "acme"
kind = "api-key"
keywords = ["acme_"]
pattern = '''\b(?P<secret>acme_[A-Za-z0-9]{24})\b'''
lifetime = "long"
revoke = "Delete it at https://acme.test/settings/tokens."
examples = ["acme_Q3n8ZpL1xW7cV2bR9tY4mK6d"]
[rule.verify]
endpoint = "acme"
base = "https://api.acme.test"
path = "/v1/whoami"
headers = { Authorization = "Bearer {secret}" }
live_status = [200]
dead_status = [401, 403]
live_json = { ok = true }
detail = ["user", "team"]
detail_headers = ["x-scopes"]
"#;

/// The URL of a real PostgreSQL server for the store's tests: the one `.ci/run`
/// started (`TOKENHOUND_TEST_PG`), else one this test process starts with
/// `.ci/postgres.sh` (stopped when the process exits and its stdin pipe closes).
/// None, after saying why on stderr, only when no server can be had.
pub fn pg_server() -> Option<String> {
    use std::io::BufRead;
    use std::sync::OnceLock;
    static SERVER: OnceLock<Option<(String, Option<std::process::ChildStdin>)>> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            if let Ok(url) = std::env::var("TOKENHOUND_TEST_PG") {
                if !url.is_empty() {
                    return Some((url, None));
                }
            }
            let dir = std::env::temp_dir().join(format!("tokenhound-pg-{}", std::process::id()));
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/postgres.sh");
            let mut child = std::process::Command::new("bash")
                .arg("-c")
                .arg(r#"bash "$0" start "$1" || exit $?; read -r _; bash "$0" stop "$1""#)
                .arg(script)
                .arg(&dir)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .ok()?;
            let mut line = String::new();
            let _ = BufReader::new(child.stdout.take().unwrap()).read_line(&mut line);
            if !line.starts_with("postgresql://") {
                let _ = child.wait();
                eprintln!("SKIPPED: no PostgreSQL server could be started (install Debian's postgresql package; bash .ci/run does)");
                return None;
            }
            Some((line.trim().to_string(), child.stdin.take()))
        })
        .as_ref()
        .map(|(url, _)| url.clone())
}

/// A new, empty database on the test server, as a store URL.
pub fn pg_database(name: &str) -> Option<String> {
    let server = pg_server()?;
    let db = format!(
        "th_{}_{}_{}",
        name,
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let mut client = postgres::Client::connect(&server, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to the test server {server}: {e}"));
    client
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .unwrap();
    Some(server.replacen("/postgres?", &format!("/{db}?"), 1))
}
