//! Opt-in liveness verification (`--verify`): is a leaked token still live?
//!
//! Safety first: nothing here runs without `--verify`; a token is sent only to
//! the issuer's host fixed in its rule (or a host the user allowed), over HTTPS, to
//! a read-only endpoint; redirects are never followed; private, loopback,
//! link-local and metadata addresses are refused unless `--verify-allow-private`;
//! a secret claimed by two rules equally is sent to neither. 429, 5xx, timeouts and
//! TLS errors are `unknown`, never `dead`. Each distinct secret is checked once.

pub mod spec;

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, ToSocketAddrs};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::engine::Engine;
use crate::finding::Finding;
use spec::{Check, VerifySpec};

pub use crate::finding::{Status, Verification};

/// Settings for a verification run.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Extra hosts tokens may be sent to (`--verify-host`, and config
    /// `[verify] hosts` of a config given with `--config`).
    pub allowed_hosts: Vec<String>,
    /// Endpoint overrides come from a config the user gave explicitly, so their
    /// hosts are trusted; overrides from a config found in the scanned tree need
    /// their host allowed with `--verify-host`.
    pub trust_endpoint_hosts: bool,
    /// Allow loopback/private/link-local targets and `http://` loopback overrides.
    pub allow_private: bool,
    pub timeout: Duration,
    /// `[verify.endpoints]`: endpoint key → base URL replacing the rule's base.
    pub endpoints: BTreeMap<String, String>,
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
            allowed_hosts: Vec::new(),
            trust_endpoint_hosts: false,
            allow_private: false,
            timeout: Duration::from_secs(10),
            endpoints: BTreeMap::new(),
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

/// True for addresses a token must never be sent to by default.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local() // includes 169.254.169.254, the cloud metadata service
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1]) // CGNAT
                || v4.octets()[0] == 0
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00 // unique local
                || (v6.segments()[0] & 0xffc0) == 0xfe80 // link local
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

/// Splits `scheme://host[:port]/…` into (scheme, host, port).
fn url_parts(url: &str) -> Option<(&str, String, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.contains('@') {
        return None; // credentials in the URL: never
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => {
            if let Ok(port) = p.parse::<u16>() {
                (
                    h.trim_matches(|c| c == '[' || c == ']')
                        .to_ascii_lowercase(),
                    port,
                )
            } else {
                (
                    authority.to_ascii_lowercase(),
                    if scheme == "https" { 443 } else { 80 },
                )
            }
        }
        _ => (
            authority.to_ascii_lowercase(),
            if scheme == "https" { 443 } else { 80 },
        ),
    };
    Some((scheme, host, port))
}

/// Percent-encodes a secret for use in a URL path or query.
fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn json_path<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
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

    fn enter(&self) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while st.0 >= self.max {
            st = self.cv.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        st.0 += 1;
        let now = Instant::now();
        let slot = st.1.max(now);
        st.1 = slot + self.interval;
        drop(st);
        if slot > now {
            std::thread::sleep(slot - now);
        }
    }

    fn leave(&self) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.0 -= 1;
        self.cv.notify_one();
    }
}

/// Runs the checks for a set of findings.
pub struct Verifier {
    agent: ureq::Agent,
    opts: VerifyOptions,
    gates: Mutex<HashMap<String, Arc<Gate>>>,
    requests: std::sync::atomic::AtomicUsize,
}

impl Verifier {
    pub fn new(opts: VerifyOptions) -> Verifier {
        let agent = ureq::AgentBuilder::new()
            .timeout(opts.timeout)
            .redirects(0)
            .user_agent(concat!(
                "tokenhound/",
                env!("CARGO_PKG_VERSION"),
                " (read-only liveness check)"
            ))
            .build();
        Verifier {
            agent,
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
                            Some(r) => self.check_rule(&engine.rules()[r].rule, &secret),
                        }
                    };
                    results.lock().unwrap_or_else(|e| e.into_inner()).push((idx, v));
                });
            }
        });
        for (idx, v) in results.into_inner().unwrap_or_else(|e| e.into_inner()) {
            for i in idx {
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
        let base = self
            .opts
            .endpoints
            .get(&check.endpoint)
            .unwrap_or(&check.base);
        let url = format!(
            "{}{}",
            base.trim_end_matches('/'),
            check.path.replace("{secret}", &url_encode(secret))
        );
        if let Err(why) = self.allowed(&url, check) {
            return self.outcome(
                Status::Skipped,
                detail(&[("reason", &format!("refused: {why}"))]),
            );
        }
        let gate = self.gate(&rule.provider);
        let mut attempt = 0;
        loop {
            gate.enter();
            let v = self.send(check, &url, secret);
            gate.leave();
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

    /// The host policy: HTTPS to the rule's issuer, an override from the user's
    /// config, or an allowed host; never a private address unless allowed.
    fn allowed(&self, url: &str, check: &Check) -> Result<(), String> {
        let (scheme, host, port) =
            url_parts(url).ok_or_else(|| format!("cannot parse URL {url}"))?;
        let (_, rule_host, _) = url_parts(&check.base).ok_or("bad rule base URL")?;
        let override_host = self
            .opts
            .endpoints
            .get(&check.endpoint)
            .and_then(|u| url_parts(u))
            .map(|p| p.1);
        let host_ok = host == rule_host
            || (self.opts.trust_endpoint_hosts && override_host.as_deref() == Some(host.as_str()))
            || self
                .opts
                .allowed_hosts
                .iter()
                .any(|h| h.eq_ignore_ascii_case(&host));
        if !host_ok {
            return Err(format!(
                "{host} is not the issuer's host and was not allowed with --verify-host (endpoint overrides from a tokenhound.toml found in the scanned tree need it)"
            ));
        }
        let addrs: Vec<IpAddr> = (host.as_str(), port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve {host}: {e}"))?
            .map(|a| a.ip())
            .collect();
        let private = addrs.iter().any(|ip| is_private(*ip));
        if private && !self.opts.allow_private {
            return Err(format!("{host} resolves to a private, loopback or link-local address (use --verify-allow-private)"));
        }
        match scheme {
            "https" => Ok(()),
            "http" if self.opts.allow_private && addrs.iter().all(|ip| ip.is_loopback()) => Ok(()),
            _ => Err(format!("{scheme}:// is not allowed (HTTPS only; plain HTTP only to loopback with --verify-allow-private)")),
        }
    }

    fn send(&self, check: &Check, url: &str, secret: &str) -> Verification {
        let mut req = self.agent.request(&check.method, url);
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
                let msg = scrub(&t.to_string(), secret);
                return self.outcome(Status::Unknown, detail(&[("error", &msg)]));
            }
        };
        let status = resp.status();
        let headers: Vec<(String, String)> = check
            .detail_headers
            .iter()
            .filter_map(|h| {
                resp.header(h)
                    .map(|v| (h.to_ascii_lowercase(), scrub(v, secret)))
            })
            .collect();
        let location = resp.header("location").map(|l| scrub(l, secret));
        let body = resp.into_string().unwrap_or_default();
        let json: Option<Value> = serde_json::from_str(&body).ok();
        let mut d = Map::new();
        d.insert("http_status".into(), Value::from(status));
        for (k, v) in headers {
            d.insert(k, Value::String(v));
        }
        if let Some(j) = &json {
            for field in &check.detail {
                if let Some(v) = json_path(j, field) {
                    let v = match v {
                        Value::String(s) => Value::String(scrub(s, secret)),
                        other if other.to_string().contains(secret) => {
                            Value::String("[redacted]".into())
                        }
                        other => other.clone(),
                    };
                    d.insert(field.clone(), v);
                }
            }
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
                return self.outcome(Status::Live, d);
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

/// Removes the secret from provider text before it goes into a report.
fn scrub(s: &str, secret: &str) -> String {
    if secret.len() >= 4 && s.contains(secret) {
        s.replace(secret, "[redacted]")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "100.64.0.1",
        ] {
            assert!(is_private(a.parse().unwrap()), "{a}");
        }
        for a in ["140.82.112.6", "2606:4700::1111"] {
            assert!(!is_private(a.parse().unwrap()), "{a}");
        }
    }

    #[test]
    fn parses_urls() {
        assert_eq!(
            url_parts("https://api.github.com/user"),
            Some(("https", "api.github.com".into(), 443))
        );
        assert_eq!(
            url_parts("http://127.0.0.1:8080/x"),
            Some(("http", "127.0.0.1".into(), 8080))
        );
        assert_eq!(url_parts("https://u:p@evil/x"), None);
    }

    #[test]
    fn scrubs_secrets() {
        assert_eq!(
            scrub("token ghp_abc is bad", "ghp_abc"),
            "token [redacted] is bad"
        );
    }
}
