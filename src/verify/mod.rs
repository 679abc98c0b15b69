//! Opt-in liveness verification (`--verify`): is a leaked token still live?
//!
//! Safety first (docs/SECURITY.md): nothing here runs without `--verify`; a
//! token is sent only to the issuer's host fixed in a built-in (or the user's
//! own) rule, or a host the user named (`policy`), over HTTPS, to a read-only
//! endpoint; redirects are never followed; special-purpose addresses (private,
//! loopback, link-local, metadata, documentation, …) are refused unless
//! `--verify-allow-private`, and the client connects only to the addresses that
//! were checked (`net`); no text that is printed or stored carries the secret in
//! any encoding (`scrub`); a secret claimed by two rules equally is sent to
//! neither. 429, 5xx, timeouts and TLS errors are `unknown`, never `dead`. Each
//! distinct secret is checked once.

pub mod client;
pub mod net;
pub mod owner;
pub mod policy;
pub mod scrub;
/// The `[rule.verify]` data model lives with the rules it belongs to.
pub use crate::rules::verify_spec as spec;

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::engine::Engine;
use crate::finding::Finding;
use client::{json_path, url_encode, Client, Flags};
pub use net::is_special;
use net::Resolve;
pub use policy::Targets;
use scrub::Scrubber;
use spec::{Check, VerifySpec};

pub use crate::finding::{Status, Verification};
pub use client::Denied;

/// Verification settings (used by `--verify`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyConfig {
    /// Hosts found in scanned data that tokens may be sent to (GitHub Enterprise, …).
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Provider → API base URL overrides (`github = "https://ghe.example.com/api/v3"`).
    #[serde(default)]
    pub endpoints: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub allow_private: bool,
}

/// Settings for a verification run.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Where tokens may be sent, as the person running tokenhound decided
    /// ([`Targets::for_run`]): named hosts, endpoint overrides, private targets.
    pub targets: Targets,
    /// How host names are looked up (the system resolver; a stand-in in tests).
    pub resolver: Resolve,
    pub timeout: Duration,
    /// Concurrent checks per provider.
    pub per_provider: usize,
    /// Most requests per second per provider.
    pub rate_per_second: f64,
    /// Pause before the one retry of an `unknown` answer.
    pub retry_backoff: Duration,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            targets: Targets::default(),
            resolver: Resolve::system(),
            timeout: Duration::from_secs(10),
            per_provider: 8,
            rate_per_second: 50.0,
            retry_backoff: Duration::from_millis(500),
        }
    }
}

/// Counts of a verification run, for the report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyStats {
    /// Distinct secrets considered.
    pub distinct_secrets: usize,
    /// HTTP requests sent (retries included).
    pub requests: usize,
}

fn detail(pairs: &[(&str, &str)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect()
}

/// A per-provider gate: at most `n` requests in flight and a minimum interval.
struct Gate {
    state: Mutex<(usize, Instant)>,
    cv: Condvar,
    max: usize,
    interval: Duration,
}

impl Gate {
    fn new(max: usize, rate: f64) -> Gate {
        Gate {
            state: Mutex::new((0, Instant::now())),
            cv: Condvar::new(),
            max: max.max(1),
            interval: Duration::from_secs_f64(1.0 / rate.max(0.001)),
        }
    }

    /// Waits for a slot; the slot is given back when the guard is dropped
    /// (also when a check panics, so the other checks never wait forever).
    fn enter(&self) -> GateSlot<'_> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while st.0 >= self.max {
            st = self.cv.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        st.0 += 1;
        let now = Instant::now();
        let slot = st.1.max(now);
        st.1 = slot + self.interval;
        drop(st);
        let guard = GateSlot(self);
        if slot > now {
            std::thread::sleep(slot - now);
        }
        guard
    }

    fn leave(&self) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.0 -= 1;
        self.cv.notify_one();
    }
}

/// A request slot of a [`Gate`], held while the request runs.
struct GateSlot<'a>(&'a Gate);

impl Drop for GateSlot<'_> {
    fn drop(&mut self) {
        self.0.leave();
    }
}

/// Runs the checks for a set of findings.
pub struct Verifier {
    client: Client,
    opts: VerifyOptions,
    gates: Mutex<HashMap<String, Arc<Gate>>>,
    requests: std::sync::atomic::AtomicUsize,
}

impl Verifier {
    pub fn new(opts: VerifyOptions) -> Verifier {
        let client = Client::new(
            opts.targets.clone(),
            Flags::VERIFY,
            opts.resolver.clone(),
            opts.timeout,
            "read-only liveness check",
        );
        Verifier {
            client,
            opts,
            gates: Mutex::new(HashMap::new()),
            requests: Default::default(),
        }
    }

    fn gate(&self, provider: &str) -> Arc<Gate> {
        let mut g = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        g.entry(provider.to_string())
            .or_insert_with(|| {
                Arc::new(Gate::new(self.opts.per_provider, self.opts.rate_per_second))
            })
            .clone()
    }

    /// [`Verifier::verify_all`], with a panic inside turned into an error (its
    /// message), so that a bug in verification never loses the scan's report:
    /// the caller reports the findings unverified and says why.
    pub fn verify_all_or_error(
        &self,
        engine: &Engine,
        findings: &mut [Finding],
        threads: usize,
    ) -> Result<VerifyStats, String> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.verify_all(engine, findings, threads)
        }))
        .map_err(|p| {
            p.downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into())
        })
    }

    /// Verifies every distinct secret of `findings` once and sets each finding's
    /// `verification`. `threads` bounds the total concurrency.
    pub fn verify_all(
        &self,
        engine: &Engine,
        findings: &mut [Finding],
        threads: usize,
    ) -> VerifyStats {
        // Distinct secret → indices of its findings.
        let mut by_secret: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, f) in findings.iter().enumerate() {
            by_secret.entry(f.raw_secret.as_str()).or_default().push(i);
        }
        let mut jobs: Vec<(String, Vec<usize>, Option<usize>)> = Vec::new(); // (secret, findings, rule index)
        for (secret, idx) in by_secret {
            let mut rules: Vec<usize> = idx
                .iter()
                .filter_map(|&i| {
                    engine
                        .rules()
                        .iter()
                        .position(|r| r.rule.id == findings[i].rule_id)
                })
                .collect();
            rules.sort_unstable();
            rules.dedup();
            rules.sort_by_key(|&r| std::cmp::Reverse(engine.rules()[r].specificity));
            let chosen = match rules.as_slice() {
                [only] => Some(*only),
                [a, b, ..] if engine.rules()[*a].specificity > engine.rules()[*b].specificity => {
                    Some(*a)
                }
                _ => None,
            };
            jobs.push((secret.to_string(), idx, chosen));
        }
        let stats = VerifyStats {
            distinct_secrets: jobs.len(),
            requests: 0,
        };
        let results: Mutex<Vec<(Vec<usize>, Verification)>> = Mutex::new(Vec::new());
        let queue = Mutex::new(jobs.into_iter());
        let expired: Vec<bool> = findings.iter().map(|f| f.expired == Some(true)).collect();
        std::thread::scope(|s| {
            for _ in 0..threads.max(1) {
                s.spawn(|| loop {
                    let job = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                    let Some((secret, idx, rule)) = job else { break };
                    let v = if idx.iter().any(|&i| expired[i]) {
                        self.outcome(Status::Expired, detail(&[("reason", "the token's exp claim is in the past; not sent anywhere")]))
                    } else {
                        match rule {
                            None => self.outcome(
                                Status::Skipped,
                                detail(&[("reason", "claimed by several equally specific rules; not sent to any issuer")]),
                            ),
                            // A bug while checking one secret costs that
                            // secret's verdict only, never the run.
                            Some(r) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                self.check_rule(&engine.rules()[r].rule, &secret)
                            }))
                            .unwrap_or_else(|_| {
                                self.outcome(
                                    Status::Unknown,
                                    detail(&[("reason", "internal error while checking (a bug in tokenhound); not a verdict")]),
                                )
                            }),
                        }
                    };
                    results.lock().unwrap_or_else(|e| e.into_inner()).push((idx, v));
                });
            }
        });
        for (idx, v) in results.into_inner().unwrap_or_else(|e| e.into_inner()) {
            for i in idx {
                findings[i].owner = v.owner.clone();
                findings[i].verification = Some(v.clone());
            }
        }
        VerifyStats {
            requests: self.requests.load(std::sync::atomic::Ordering::Relaxed),
            ..stats
        }
    }

    fn outcome(&self, status: Status, detail: Map<String, Value>) -> Verification {
        Verification {
            status,
            checked_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            detail,
            owner: None,
        }
    }

    fn check_rule(&self, rule: &crate::rules::Rule, secret: &str) -> Verification {
        let check = match &rule.verify {
            None => {
                return self.outcome(
                    Status::Skipped,
                    detail(&[("reason", "no read-only check is known for this token type")]),
                )
            }
            Some(VerifySpec::Never { never }) => {
                return self.outcome(
                    Status::Skipped,
                    detail(&[("reason", &format!("never verified: {never}"))]),
                )
            }
            Some(VerifySpec::Check(c)) => c,
        };
        let (base, base_trust) = self
            .opts
            .targets
            .base_for(&rule.id, &check.endpoint, &check.base);
        // The policy looks at the base alone, so its reasons never hold the
        // request path (where some tokens go).
        match self.client.allowed(base, base_trust) {
            Ok(()) => {}
            Err(Denied::Refused(why)) => {
                return self.outcome(
                    Status::Skipped,
                    detail(&[("reason", &format!("refused: {why}"))]),
                )
            }
            // The name did not resolve (no network, a DNS outage): nothing
            // was refused and nothing was learned about the token.
            Err(Denied::Lookup(why)) => {
                return self.outcome(
                    Status::Unknown,
                    detail(&[("reason", &format!("{why}: not a verdict"))]),
                )
            }
        }
        let url = format!(
            "{}{}",
            base.trim_end_matches('/'),
            check.path.replace("{secret}", &url_encode(secret))
        );
        let scrubber = Scrubber::new(secret);
        let gate = self.gate(&rule.provider);
        let mut attempt = 0;
        loop {
            let v = {
                let _slot = gate.enter();
                self.send(&rule.provider, check, &url, secret, &scrubber)
            };
            attempt += 1;
            if v.status != Status::Unknown
                || attempt > 1
                || v.detail.get("retry") == Some(&Value::Bool(false))
            {
                let mut v = v;
                v.detail.remove("retry");
                return v;
            }
            std::thread::sleep(self.opts.retry_backoff);
        }
    }

    fn send(
        &self,
        provider: &str,
        check: &Check,
        url: &str,
        secret: &str,
        scrub: &Scrubber,
    ) -> Verification {
        let mut req = self.client.request(&check.method, url);
        for (k, v) in &check.headers {
            req = req.set(k, &v.replace("{secret}", secret));
        }
        if let Some(b) = &check.basic {
            let cred =
                base64::engine::general_purpose::STANDARD.encode(b.replace("{secret}", secret));
            req = req.set("Authorization", &format!("Basic {cred}"));
        }
        self.requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let result = match &check.body {
            Some(body) => req.send_string(&body.replace("{secret}", secret)),
            None => req.call(),
        };
        let resp = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(ureq::Error::Transport(t)) => {
                // Never the client's text: it quotes the URL, with the token
                // for issuers that take it in the path.
                let msg = scrub::transport_error(&t);
                return self.outcome(Status::Unknown, detail(&[("error", &msg)]));
            }
        };
        let status = resp.status();
        let headers: Vec<(String, String)> = check
            .detail_headers
            .iter()
            .filter_map(|h| {
                resp.header(h)
                    .map(|v| (h.to_ascii_lowercase(), scrub.scrub(v)))
            })
            .collect();
        let location = resp.header("location").map(|l| scrub.scrub(l));
        let owner_headers = check
            .owner
            .as_ref()
            .map(|o| owner::headers(o, &resp))
            .unwrap_or_default();
        let body = resp.into_string().unwrap_or_default();
        let json: Option<Value> = serde_json::from_str(&body).ok();
        let mut d = Map::new();
        d.insert("http_status".into(), Value::from(status));
        for (k, v) in headers {
            d.insert(k, Value::String(v));
        }
        if let Some(j) = &json {
            scrub.keep_fields(j, &check.detail, &mut d);
        }
        if (300..400).contains(&status) {
            d.insert(
                "reason".into(),
                Value::String(format!(
                    "redirect not followed ({})",
                    location.unwrap_or_default()
                )),
            );
            d.insert("retry".into(), Value::Bool(false));
            return self.outcome(Status::Unknown, d);
        }
        if status == 429 || status >= 500 {
            d.insert(
                "reason".into(),
                Value::String("rate-limited or server error: not a verdict".into()),
            );
            return self.outcome(Status::Unknown, d);
        }
        let json_dead = check.dead_json_field.as_ref().is_some_and(|f| {
            json.as_ref()
                .and_then(|j| json_path(j, f))
                .and_then(Value::as_str)
                .is_some_and(|v| check.dead_values.iter().any(|d| d == v))
        });
        if check.dead_status.contains(&status) || json_dead {
            d.insert("retry".into(), Value::Bool(false));
            return self.outcome(Status::Dead, d);
        }
        if check.live_status.contains(&status) {
            let json_ok = check
                .live_json
                .iter()
                .all(|(k, want)| json.as_ref().and_then(|j| json_path(j, k)) == Some(want));
            if json_ok && (check.live_json.is_empty() || json.is_some()) {
                let mut v = self.outcome(Status::Live, d);
                v.owner = check.owner.as_ref().and_then(|o| {
                    owner::read(
                        o,
                        provider,
                        json.as_ref(),
                        &owner_headers,
                        &v.checked_at,
                        scrub,
                    )
                    .map(Box::new)
                });
                return v;
            }
            d.insert(
                "reason".into(),
                Value::String("answer did not have the expected shape".into()),
            );
            d.insert("retry".into(), Value::Bool(false));
            return self.outcome(Status::Unknown, d);
        }
        d.insert(
            "reason".into(),
            Value::String(format!("unexpected HTTP status {status}")),
        );
        d.insert("retry".into(), Value::Bool(false));
        self.outcome(Status::Unknown, d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{IpAddr, TcpListener};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A loopback HTTP server on `ip:port` answering every request with
    /// `status`; counts requests.
    fn serve(ip: &str, port: u16, status: u16) -> Option<(u16, Arc<AtomicUsize>)> {
        let listener = TcpListener::bind((ip, port)).ok()?;
        let port = listener.local_addr().ok()?.port();
        let count = Arc::new(AtomicUsize::new(0));
        let c = count.clone();
        std::thread::spawn(move || {
            for mut s in listener.incoming().flatten() {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut chunk) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                c.fetch_add(1, Ordering::SeqCst);
                let body = r#"{"ok":true}"#;
                let _ = write!(
                    s,
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Some((port, count))
    }

    fn acme_rule() -> crate::rules::Rule {
        crate::rules::parse_rule_file(
            r#"[[rule]]
id = "acme-token"
name = "ACME"
provider = "acme"
kind = "api-key"
keywords = ["acme_"]
pattern = '''acme_[A-Za-z0-9]{24}'''
lifetime = "long"
revoke = "r"
examples = ["acme_Q3n8ZpL1xW7cV2bR9tY4mK6d"]
[rule.verify]
endpoint = "acme"
base = "https://api.acme.test"
path = "/v1/whoami/{secret}"
live_status = [200]
"#,
            "test.toml",
        )
        .unwrap()
        .remove(0)
    }

    fn options(base: String, resolver: Resolve) -> VerifyOptions {
        VerifyOptions {
            targets: Targets {
                named_hosts: vec![],
                endpoints: [("acme".to_string(), base)].into(),
                trusted_endpoints: true,
                untrusted_rules: Default::default(),
                allow_private: true,
            },
            resolver,
            timeout: Duration::from_secs(5),
            retry_backoff: Duration::from_millis(10),
            ..VerifyOptions::default()
        }
    }

    #[test]
    fn item4_the_client_connects_only_to_the_checked_address() {
        // The name resolves to 127.0.0.1 for the check, then to 127.0.0.2:
        // every attempt (a 503 makes one retry) must still go to 127.0.0.1.
        let (port, checked, other) = (0..20)
            .find_map(|_| {
                let (port, checked) = serve("127.0.0.1", 0, 503)?;
                let (_, other) = serve("127.0.0.2", port, 200)?;
                Some((port, checked, other))
            })
            .expect("two loopback servers on one port");
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let resolver = Resolve(Arc::new(move |host, _| {
            assert_eq!(host, "rebind.test");
            let n = c.fetch_add(1, Ordering::SeqCst);
            Ok(vec![if n == 0 {
                "127.0.0.1".parse().unwrap()
            } else {
                "127.0.0.2".parse().unwrap()
            }])
        }));
        let v = Verifier::new(options(format!("http://rebind.test:{port}"), resolver));
        let rule = acme_rule();
        let out = v.check_rule(&rule, "acme_Q3n8ZpL1xW7cV2bR9tY4mK6d");
        assert_eq!(out.status, Status::Unknown, "{out:?}");
        let out = v.check_rule(&rule, "acme_Q3n8ZpL1xW7cV2bR9tY4mK6e");
        assert_eq!(out.status, Status::Unknown, "{out:?}");
        assert_eq!(
            checked.load(Ordering::SeqCst),
            4,
            "2 secrets x (attempt + retry)"
        );
        assert_eq!(
            other.load(Ordering::SeqCst),
            0,
            "the rebound address was contacted"
        );
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "one lookup per host per run"
        );
    }

    #[test]
    fn item4_special_purpose_answers_are_refused() {
        for ip in [
            "192.0.2.10",
            "198.18.0.1",
            "100.64.1.1",
            "64:ff9b::a00:1",
            "2002:c0a8:101::1",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            let mut o = options(
                "https://meta.test".into(),
                Resolve(Arc::new(move |_, _| Ok(vec![ip]))),
            );
            o.targets.allow_private = false;
            let out = Verifier::new(o).check_rule(&acme_rule(), "acme_Q3n8ZpL1xW7cV2bR9tY4mK6d");
            assert_eq!(out.status, Status::Skipped, "{ip}: {out:?}");
        }
    }

    #[test]
    fn a_name_that_does_not_resolve_is_unknown_not_refused() {
        let nxdomain = Resolve(Arc::new(|_, _| {
            Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "failed to lookup address information",
            ))
        }));
        let v = Verifier::new(options("https://api.acme.test".into(), nxdomain));
        let out = v.check_rule(&acme_rule(), "acme_Q3n8ZpL1xW7cV2bR9tY4mK6d");
        assert_eq!(out.status, Status::Unknown, "{out:?}");
        let reason = out.detail["reason"].as_str().unwrap();
        assert!(
            reason.contains("cannot resolve api.acme.test") && !reason.contains("refused"),
            "{reason}"
        );
        let none = Resolve(Arc::new(|_, _| Ok(vec![])));
        let v = Verifier::new(options("https://api.acme.test".into(), none));
        let out = v.check_rule(&acme_rule(), "acme_Q3n8ZpL1xW7cV2bR9tY4mK6d");
        assert_eq!(out.status, Status::Unknown, "{out:?}");
    }

    #[test]
    fn item2_network_errors_never_carry_the_token() {
        // A Telegram-style token (its `:` goes into the URL path as %3A) and a
        // connection that fails: the recorded error is the kind of failure only.
        let token = "acme_Q3n8ZpL1xW7cV2bR9tY4:AAl6Z4P13lD6p6Hb9x1W8O8A51aVh6zQRNq";
        let closed = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let loopback = Resolve(Arc::new(|_, _| Ok(vec!["127.0.0.1".parse().unwrap()])));
        let v = Verifier::new(options(format!("http://refused.test:{port}/bot"), loopback));
        let out = v.check_rule(&acme_rule(), token);
        assert_eq!(out.status, Status::Unknown);
        let text = serde_json::to_string(&out).unwrap();
        assert!(text.contains("connection failed"), "{text}");
        for form in [
            token,
            "AAl6Z4P13lD6p6Hb9x1W8O8A51aVh6zQRNq",
            "%3AAAl6Z4P13",
            "refused.test",
        ] {
            assert!(!text.contains(form), "{form} in {text}");
        }
    }

    #[test]
    fn item9_a_panic_in_verification_is_an_error_not_a_lost_report() {
        let rules = crate::rules::RuleSet {
            rules: vec![acme_rule()],
        };
        let pipeline = crate::pipeline::Pipeline::of(Engine::new(&rules).unwrap());
        let engine = pipeline.engine();
        let blob = b"key = acme_Q3n8ZpL1xW7cV2bR9tY4mK6d\n";
        let prov = crate::finding::Provenance::File { path: "f".into() };
        let mut findings = pipeline
            .findings(&crate::pipeline::Blob::new(blob, &prov))
            .findings;
        assert_eq!(findings.len(), 1);
        // A check that panics (a stand-in bug in the resolver) gives that
        // secret an `unknown` verdict; the run and its findings carry on.
        let boom = Resolve(Arc::new(|_, _| panic!("resolver bug")));
        let v = Verifier::new(options("https://x.test".into(), boom));
        v.verify_all_or_error(engine, &mut findings, 2).unwrap();
        assert_eq!(findings.len(), 1, "the findings are still there to report");
        let got = findings[0].verification.as_ref().unwrap();
        assert_eq!(got.status, Status::Unknown);
        assert!(got.detail["reason"]
            .as_str()
            .unwrap()
            .contains("internal error"));
    }
}
