//! Revocation: ends leaked tokens through their issuers' documented APIs
//! (`tokenhound revoke`). A dry run by default: each request is built and
//! shown (secret redacted) but nothing is sent, nothing is looked up, no
//! socket is made. With `--yes`, each distinct token is sent once, to the
//! revocation endpoint its rule declares (`[rule.revoke_api]`), under the
//! same rules as verification (docs/SECURITY.md): the issuer's built-in host
//! or one the user named, the same endpoint overrides, HTTPS (plain HTTP only
//! to loopback when private targets are allowed), checked and pinned
//! addresses, no redirects. Before anything is sent the report's token must
//! be the report's (its fingerprint matches) and its rule must report it on
//! its own, so an edited report cannot send one issuer's token to another.
//! Tokens whose issuer has no revocation API get the rule's manual guidance.
//!
//! Every attempt goes to an [`AttemptLog`]: the CLI's output, a JSON Lines
//! file (`--log`), and the audit store (`--store`, [`store::StoreLog`]).

pub mod input;
pub mod request;
pub mod store;
/// The `[rule.revoke_api]` data model lives with the rules it belongs to.
pub use crate::rules::revoke_spec as spec;

use std::io::Write;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::enrich::redact::redact;
use crate::finding::{Provenance, RevocationAttempt, RevocationStatus};
use crate::pipeline::{Blob, Pipeline};
use crate::rules::Rule;
use crate::verify::client::{json_path, precheck, Client, Flags};
use crate::verify::net::Resolve;
use crate::verify::scrub::{self, Scrubber};
use crate::verify::Targets;
use input::ReportFinding;
use spec::RevokeApi;

/// Where revocation attempts are recorded. The CLI keeps them for its output
/// and may append them to a JSON Lines file; the audit store implements it
/// to keep each attempt with its finding.
pub trait AttemptLog {
    fn record(&mut self, attempt: &RevocationAttempt) -> anyhow::Result<()>;
}

impl AttemptLog for Vec<RevocationAttempt> {
    fn record(&mut self, attempt: &RevocationAttempt) -> anyhow::Result<()> {
        self.push(attempt.clone());
        Ok(())
    }
}

/// Appends each attempt as one JSON line (`revoke --log FILE`).
pub struct JsonLines<W: Write>(pub W);

impl<W: Write> AttemptLog for JsonLines<W> {
    fn record(&mut self, attempt: &RevocationAttempt) -> anyhow::Result<()> {
        serde_json::to_writer(&mut self.0, attempt)?;
        self.0.write_all(b"\n")?;
        self.0.flush()?;
        Ok(())
    }
}

/// Settings of a revocation run.
#[derive(Debug, Clone)]
pub struct RevokeOptions {
    /// Where tokens may be sent: the verification policy's targets
    /// ([`Targets::for_run`] with `--revoke-host` / `--revoke-allow-private`).
    pub targets: Targets,
    pub resolver: Resolve,
    pub timeout: Duration,
    /// Send the requests (`--yes`); otherwise a dry run.
    pub act: bool,
}

/// Revokes findings of a report, one at a time.
pub struct Revoker<'p> {
    pipeline: &'p Pipeline,
    targets: Targets,
    /// Only for `--yes`: a dry run never builds a client.
    client: Option<Client>,
}

impl<'p> Revoker<'p> {
    /// `pipeline` holds the run's rules (built-in, `--rules`, the `--config`'s
    /// own): their revocation APIs, and the check that a token is its rule's.
    pub fn new(pipeline: &'p Pipeline, opts: RevokeOptions) -> Revoker<'p> {
        let client = opts.act.then(|| {
            Client::new(
                opts.targets.clone(),
                Flags::REVOKE,
                opts.resolver.clone(),
                opts.timeout,
                "revocation of a leaked token",
            )
        });
        Revoker {
            pipeline,
            targets: opts.targets,
            client,
        }
    }

    /// Attempts (or, in a dry run, plans) the revocation of one finding's
    /// token and records the attempt in `log`.
    pub fn revoke(
        &self,
        f: &ReportFinding,
        log: &mut dyn AttemptLog,
    ) -> anyhow::Result<RevocationAttempt> {
        let attempt = self.attempt(f);
        log.record(&attempt)?;
        Ok(attempt)
    }

    fn attempt(&self, f: &ReportFinding) -> RevocationAttempt {
        let mut a = RevocationAttempt {
            fingerprint: f.fingerprint.clone(),
            rule_id: f.rule_id.clone(),
            provider: f.provider.clone(),
            // Never the raw value: a report's token that fails its fingerprint
            // (an edited report) is redacted like any other.
            secret: if !f.has_raw_secret() && (f.from_store || f.looks_redacted()) {
                f.secret.clone()
            } else {
                redact(&f.secret)
            },
            path: f.path.clone(),
            line: f.line,
            status: RevocationStatus::Refused,
            attempted_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            request: None,
            answer: None,
            reason: None,
            manual: None,
            docs: None,
            owner: f.owner.clone(),
        };
        let Some(rule) = self
            .pipeline
            .engine()
            .rules()
            .iter()
            .map(|r| &r.rule)
            .find(|r| r.id == f.rule_id)
        else {
            a.reason = Some(format!(
                "rule `{}` is not among this run's rules (pass its rule file with --rules, or its config with --config)",
                f.rule_id
            ));
            return a;
        };
        a.manual = Some(rule.revoke.clone());
        let Some(api) = &rule.revoke_api else {
            a.status = RevocationStatus::Manual;
            a.reason =
                Some("the issuer documents no API to revoke this token: revoke it by hand".into());
            return a;
        };
        if let Err(why) = self.check_secret(rule, f) {
            a.reason = Some(why);
            return a;
        }
        a.docs = Some(api.docs.clone());
        let (base, trust) = self.targets.base_for(&rule.id, &api.endpoint, &api.base);
        a.request = Some(request::shown(api, base, &a.secret));
        let Some(client) = &self.client else {
            match precheck(&self.targets, Flags::REVOKE, base, trust) {
                Ok(_) => {
                    a.status = RevocationStatus::DryRun;
                    a.reason = Some("dry run: nothing sent (--yes sends it)".into());
                    a.manual = None;
                }
                Err(why) => a.reason = Some(format!("refused: {why}")),
            }
            return a;
        };
        match client.allowed(base, trust) {
            Ok(()) => {}
            Err(crate::verify::Denied::Refused(why)) => {
                a.reason = Some(format!("refused: {why}"));
                return a;
            }
            // No verdict: the issuer's name did not resolve; nothing was sent.
            Err(crate::verify::Denied::Lookup(why)) => {
                a.reason = Some(format!("not sent: {why}"));
                return a;
            }
        }
        let (status, answer, reason) = send(
            client,
            api,
            &request::build(api, base, &f.secret),
            &f.secret,
        );
        a.status = status;
        a.answer = Some(answer);
        a.reason = reason;
        if status.is_done() {
            a.manual = None;
        }
        a
    }

    /// The report's token is this finding's (its fingerprint matches), and
    /// its rule reports it on its own: an edited report cannot pass one
    /// issuer's token off as another's.
    fn check_secret(&self, rule: &Rule, f: &ReportFinding) -> Result<(), String> {
        if !f.has_raw_secret() {
            return Err(if f.from_store {
                "the audit store holds no raw value of this token (its audits ran without --store-secrets): nothing sent. Revoke it from a report written with `tokenhound scan --show-secrets --format json -o FILE` (`revoke --report FILE --store …` still records the attempt here), or by hand".into()
            } else if f.looks_redacted() {
                "the report shows this token redacted: write the report with --show-secrets to revoke it".into()
            } else {
                "the report's secret does not match the finding's fingerprint (was the report edited?): not sent anywhere".into()
            });
        }
        let bytes = format!("{}\n", f.secret);
        let prov = Provenance::Stdin {
            name: "(report)".into(),
        };
        let found = self.pipeline.findings(&Blob::new(bytes.as_bytes(), &prov));
        if found
            .findings
            .iter()
            .any(|g| g.rule_id == rule.id && g.fingerprint == f.fingerprint)
        {
            Ok(())
        } else {
            Err(format!(
                "rule `{}` does not report this value on its own, so it is not known to be its issuer's token: not sent anywhere",
                rule.id
            ))
        }
    }
}

/// Sends one revocation request and reads the answer: the status, the kept
/// answer (scrubbed of the secret) and why, in words.
fn send(
    client: &Client,
    api: &RevokeApi,
    req: &request::Request,
    secret: &str,
) -> (RevocationStatus, Map<String, Value>, Option<String>) {
    let scrub = Scrubber::new(secret);
    let mut r = client.request(&req.method, &req.url);
    for (k, v) in &req.headers {
        r = r.set(k, v);
    }
    let result = match &req.body {
        Some(b) => r.send_string(b),
        None => r.call(),
    };
    let mut d = Map::new();
    let resp = match result {
        Ok(resp) | Err(ureq::Error::Status(_, resp)) => resp,
        Err(ureq::Error::Transport(t)) => {
            // Fixed words only: the client's text quotes the URL.
            d.insert("error".into(), Value::String(scrub::transport_error(&t)));
            return (
                RevocationStatus::Unknown,
                d,
                Some("the request failed: not a verdict".into()),
            );
        }
    };
    let status = resp.status();
    let location = resp.header("location").map(|l| scrub.scrub(l));
    let body = resp.into_string().unwrap_or_default();
    let json: Option<Value> = serde_json::from_str(&body).ok();
    d.insert("http_status".into(), Value::from(status));
    let mut keep = api.detail.clone();
    keep.extend(api.error_field.clone());
    if let Some(j) = &json {
        scrub.keep_fields(j, &keep, &mut d);
    }
    let error = api
        .error_field
        .as_ref()
        .and_then(|f| json.as_ref().and_then(|j| json_path(j, f)))
        .and_then(Value::as_str)
        .map(str::to_string);
    if (300..400).contains(&status) {
        let to = location.unwrap_or_default();
        return (
            RevocationStatus::Unknown,
            d,
            Some(format!("redirect not followed ({to}): not a verdict")),
        );
    }
    if status == 429 || status >= 500 {
        return (
            RevocationStatus::Unknown,
            d,
            Some("rate-limited or server error: not a verdict; try again later".into()),
        );
    }
    let invalid_error = error
        .as_ref()
        .is_some_and(|e| api.invalid_errors.iter().any(|i| i == e));
    if api.invalid_status.contains(&status) || invalid_error {
        return (
            RevocationStatus::AlreadyInvalid,
            d,
            Some("the issuer says the token was already not valid".into()),
        );
    }
    if api.accepted_status.contains(&status) {
        return (
            RevocationStatus::Accepted,
            d,
            Some(
                "the issuer accepted the request and revokes the token (its owner is notified)"
                    .into(),
            ),
        );
    }
    if api.revoked_status.contains(&status) {
        let json_ok = api
            .revoked_json
            .iter()
            .all(|(k, want)| json.as_ref().and_then(|j| json_path(j, k)) == Some(want));
        if json_ok {
            return (RevocationStatus::Revoked, d, None);
        }
        let why = match error {
            Some(e) => format!("the issuer answered `{}`", scrub.scrub(&e)),
            None => "the answer did not say the token was revoked".into(),
        };
        return (RevocationStatus::Failed, d, Some(why));
    }
    (
        RevocationStatus::Failed,
        d,
        Some(format!("unexpected HTTP status {status}")),
    )
}
