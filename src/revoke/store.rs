//! The audit store as revocation's source and record (`revoke --store`):
//! findings are read from it (each with its latest verification, owner and
//! owner status), and every attempt is kept in its `revocations` table, with
//! its finding when the store knows the fingerprint, so the next report shows
//! what was done.
//!
//! The store holds raw secrets only when audits ran with `--store-secrets`;
//! without them a finding read from it cannot be revoked, and says so.

use std::collections::HashMap;

use anyhow::{Context, Result};
use serde_json::Value;

use super::input::ReportFinding;
use super::AttemptLog;
use crate::finding::{RevocationAttempt, RevocationStatus};
use crate::store::{Store, Val};

/// The findings of the store: those of its latest run when `latest_run_only`
/// (`--all`), else every finding it holds (ids may name older ones).
pub fn findings(store: &mut Store, latest_run_only: bool) -> Result<Vec<ReportFinding>> {
    let mut out = Vec::new();
    store
        .read(&mut |tx| {
            out.clear();
            let latest = tx
                .row("SELECT MAX(id) FROM runs", &[])?
                .filter(|r| !r[0].is_null())
                .map(|r| r[0].int());
            let mut keep: Option<std::collections::HashSet<i64>> = None;
            if latest_run_only {
                let mut ids = std::collections::HashSet::new();
                if let Some(run) = latest {
                    tx.each(
                        "SELECT finding_id FROM run_findings WHERE run_id = ?1",
                        &[run.into()],
                        &mut |r| {
                            ids.insert(r[0].int());
                            Ok(())
                        },
                    )?;
                }
                keep = Some(ids);
            }
            let wanted = |id: i64| keep.as_ref().is_none_or(|k| k.contains(&id));
            // The latest verification of each finding, with its owner.
            let mut verified: HashMap<i64, (String, Option<String>, Option<Value>)> =
                HashMap::new();
            tx.each(
                "SELECT finding_id, status, owner_status, owner FROM verifications ORDER BY run_id",
                &[],
                &mut |r| {
                    let id = r[0].int();
                    if wanted(id) {
                        let owner = (!r[3].is_null())
                            .then(|| serde_json::from_str::<Value>(&r[3].text()).ok())
                            .flatten();
                        verified.insert(id, (r[1].text(), (!r[2].is_null()).then(|| r[2].text()), owner));
                    }
                    Ok(())
                },
            )?;
            // Where each was seen last (path and line for the attempt's record).
            let mut seen_at: HashMap<i64, (i64, String, i64)> = HashMap::new();
            tx.each(
                "SELECT finding_id, path, line, last_seen_run FROM locations ORDER BY finding_id, source, path, line",
                &[],
                &mut |r| {
                    let id = r[0].int();
                    if wanted(id) {
                        let run = r[3].int();
                        let e = seen_at.entry(id).or_insert((run, r[1].text(), r[2].int()));
                        if run > e.0 {
                            *e = (run, r[1].text(), r[2].int());
                        }
                    }
                    Ok(())
                },
            )?;
            tx.each(
                "SELECT id, fingerprint, rule_id, provider, secret_redacted, secret FROM findings ORDER BY id",
                &[],
                &mut |r| {
                    let id = r[0].int();
                    if !wanted(id) {
                        return Ok(());
                    }
                    let raw = (!r[5].is_null()).then(|| r[5].text());
                    let (verification, owner_status, owner) = match verified.remove(&id) {
                        Some((v, s, o)) => (Some(v), s, o),
                        None => (None, None, None),
                    };
                    let (_, path, line) = seen_at.remove(&id).unwrap_or_default();
                    let secret = raw.unwrap_or_else(|| r[4].text());
                    out.push(ReportFinding {
                        fingerprint: r[1].text(),
                        rule_id: r[2].text(),
                        provider: r[3].text(),
                        secret_length: secret.len(),
                        secret,
                        path,
                        line: line.max(0) as usize,
                        verification,
                        owner_status,
                        owner,
                        from_store: true,
                    });
                    Ok(())
                },
            )?;
            Ok(())
        })
        .with_context(|| format!("reading findings from {}", store.location()))?;
    Ok(out)
}

/// Records each attempt in the store as it is made, in its own transaction:
/// a run stopped half-way keeps what was already sent. Dry runs are not
/// attempts and are not recorded (a dry run never writes the store).
pub struct StoreLog<'s> {
    pub store: &'s mut Store,
}

impl AttemptLog for StoreLog<'_> {
    fn record(&mut self, attempt: &RevocationAttempt) -> Result<()> {
        if attempt.status == RevocationStatus::DryRun {
            return Ok(());
        }
        let json = serde_json::to_string(attempt)?;
        let location = self.store.location().clone();
        self.store
            .write(&mut |tx| {
                tx.exec(
                    "INSERT INTO revocations (finding_id, fingerprint, rule_id, status, attempted_at, attempt)
                     VALUES ((SELECT id FROM findings WHERE fingerprint = ?1), ?1, ?2, ?3, ?4, ?5)",
                    &[
                        attempt.fingerprint.as_str().into(),
                        attempt.rule_id.as_str().into(),
                        attempt.status.as_str().into(),
                        attempt.attempted_at.as_str().into(),
                        Val::from(json.as_str()),
                    ],
                )?;
                Ok(())
            })
            .with_context(|| format!("recording the revocation attempt in {location}"))
    }
}
