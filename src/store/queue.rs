//! The work queue of a run split into units (`audit plan` / `audit work`).
//!
//! `plan` records a run under a name and one unit per inventory line; planning
//! the same name again adds only units it does not have, so two planners never
//! duplicate a unit. A worker `claim`s the next pending unit whose lease is free
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL: workers never wait on each other),
//! renews the lease while it scans, and `finish`es the unit in one transaction
//! that writes its findings and marks it done — or writes nothing when another
//! worker already recorded it after this one's lease ran out (`finish_and_claim`
//! also takes the worker's next unit in that transaction). A worker killed
//! mid-unit writes nothing; its unit is claimed again once the lease expires.
//! A run is complete when every unit is done.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};

use super::{now_rfc3339, record_findings, Store, Tx, Val};
use crate::finding::Finding;
use crate::report::Stats;

/// One line of an inventory: a path to scan and its labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitSpec {
    pub source: String,
    pub labels: BTreeMap<String, String>,
}

/// Parses an inventory: one source per line (a repository, an export archive, a
/// directory), optionally followed by TAB-separated `key=value` labels. Blank
/// lines and lines starting with `#` are skipped; a source listed twice is kept once.
pub fn parse_inventory(text: &str) -> Result<Vec<UnitSpec>> {
    let mut out: Vec<UnitSpec> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let mut parts = line.split('\t');
        let source = parts.next().unwrap_or("").trim().to_string();
        if source.is_empty() {
            bail!("inventory line {}: no source before the labels", n + 1);
        }
        let mut labels = BTreeMap::new();
        for l in parts.filter(|p| !p.trim().is_empty()) {
            let (k, v) = l.trim().split_once('=').with_context(|| {
                format!("inventory line {}: label `{l}` is not key=value", n + 1)
            })?;
            labels.insert(k.to_string(), v.to_string());
        }
        if seen.insert(source.clone()) {
            out.push(UnitSpec { source, labels });
        }
    }
    Ok(out)
}

/// What `plan` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub run_id: i64,
    /// Units of the run now.
    pub units: i64,
    /// Units this call added (0 when the run was planned already).
    pub added: u64,
}

/// A unit taken by a worker.
#[derive(Debug, Clone)]
pub struct Unit {
    pub id: i64,
    pub run_id: i64,
    pub seq: i64,
    pub source: String,
    pub labels: String,
    pub attempts: i64,
}

/// The answer to a claim.
#[derive(Debug)]
pub enum Claim {
    Unit(Unit),
    /// Units are left but leased by other workers; their earliest lease ends
    /// in this many seconds.
    Wait(i64),
    /// Every unit (of this shard) is done.
    Done,
}

/// A static split of a run's units: this worker takes units with `seq % n == k`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub k: u64,
    pub n: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;
    /// `K/N` with 0 ≤ K < N.
    fn from_str(s: &str) -> Result<Shard, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}`: a shard is K/N, e.g. 0/4"))?;
        let k: u64 = k.trim().parse().map_err(|_| format!("`{s}`: bad K"))?;
        let n: u64 = n.trim().parse().map_err(|_| format!("`{s}`: bad N"))?;
        if n == 0 || k >= n {
            return Err(format!("`{s}`: need 0 <= K < N"));
        }
        Ok(Shard { k, n })
    }
}

fn run_id_of(tx: &mut dyn Tx, run_key: &str) -> Result<Option<i64>> {
    Ok(tx
        .row("SELECT id FROM runs WHERE run_key = ?1", &[run_key.into()])?
        .map(|r| r[0].int()))
}

impl Store {
    /// Records the run `run_key` (if new) and its units; idempotent.
    pub fn plan(&mut self, run_key: &str, units: &[UnitSpec]) -> Result<Planned> {
        let mut planned = None;
        self.write(&mut |tx| {
            tx.exec(
                "INSERT INTO runs (started_at, finished_at, tool_version, inputs, files_scanned, bytes_scanned, errors, findings, complete, run_key)
                 VALUES (?1, '', ?2, '[]', 0, 0, 0, 0, 0, ?3) ON CONFLICT DO NOTHING",
                &[now_rfc3339().into(), env!("CARGO_PKG_VERSION").into(), run_key.into()],
            )?;
            let run_id = run_id_of(tx, run_key)?.context("the planned run has no id")?;
            let mut added = 0;
            for (seq, u) in units.iter().enumerate() {
                added += tx.exec(
                    "INSERT INTO units (run_id, seq, source, labels) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                    &[
                        run_id.into(),
                        (seq as i64).into(),
                        u.source.as_str().into(),
                        serde_json::to_string(&u.labels)?.into(),
                    ],
                )?;
            }
            let total = tx
                .row("SELECT COUNT(*) FROM units WHERE run_id = ?1", &[run_id.into()])?
                .map_or(0, |r| r[0].int());
            planned = Some(Planned { run_id, units: total, added });
            Ok(())
        })
        .with_context(|| format!("planning run {run_key} in {}", self.location()))?;
        planned.context("planning recorded nothing")
    }

    /// Takes the next unit of `run_key` for `worker`, leased for `lease_secs`.
    pub fn claim(
        &mut self,
        run_key: &str,
        worker: &str,
        lease_secs: i64,
        shard: Option<Shard>,
    ) -> Result<Claim> {
        let mut claim = None;
        self.write(&mut |tx| {
            claim = Some(claim_in(tx, run_key, worker, lease_secs, shard)?);
            Ok(())
        })
        .with_context(|| format!("taking a unit of run {run_key} from {}", self.location()))?;
        claim.context("claim returned nothing")
    }

    /// Extends `worker`'s lease on a unit it is scanning; false when the lease
    /// was lost (taken by another worker, or the unit done).
    pub fn renew(&mut self, unit: &Unit, worker: &str, lease_secs: i64) -> Result<bool> {
        let mut kept = false;
        self.write(&mut |tx| {
            let sql = format!(
                "UPDATE units SET lease_until = {} + ?1 WHERE id = ?2 AND lease_owner = ?3 AND state = 'pending'",
                tx.dialect().now_epoch()
            );
            kept = tx.exec(&sql, &[lease_secs.into(), unit.id.into(), worker.into()])? == 1;
            Ok(())
        })?;
        Ok(kept)
    }

    /// Records a scanned unit's findings and marks it done, in one transaction.
    /// Returns false (and writes nothing) when the unit was already recorded.
    pub fn finish(
        &mut self,
        unit: &Unit,
        worker: &str,
        findings: &[Finding],
        stats: &Stats,
        store_secrets: bool,
    ) -> Result<bool> {
        let mut recorded = false;
        self.write(&mut |tx| {
            recorded = finish_in(tx, unit, worker, findings, stats, store_secrets)?;
            Ok(())
        })
        .with_context(|| format!("recording unit {} ({})", unit.seq, unit.source))?;
        Ok(recorded)
    }

    /// [`Store::finish`] and then [`Store::claim`] of the next unit, in one
    /// transaction: one commit (one flush of the store's log) per unit instead
    /// of two, which is most of a small unit's recording time. Either both
    /// happen or neither: a failure leaves the unit leased to this worker, to
    /// be taken again when its lease runs out.
    #[allow(clippy::too_many_arguments)]
    pub fn finish_and_claim(
        &mut self,
        unit: &Unit,
        worker: &str,
        findings: &[Finding],
        stats: &Stats,
        store_secrets: bool,
        run_key: &str,
        lease_secs: i64,
        shard: Option<Shard>,
    ) -> Result<(bool, Claim)> {
        let mut out = None;
        self.write(&mut |tx| {
            let recorded = finish_in(tx, unit, worker, findings, stats, store_secrets)?;
            out = Some((recorded, claim_in(tx, run_key, worker, lease_secs, shard)?));
            Ok(())
        })
        .with_context(|| {
            format!(
                "recording unit {} ({}) and taking the next one",
                unit.seq, unit.source
            )
        })?;
        out.context("recording the unit returned nothing")
    }
}

/// The next pending unit of `run_key` whose lease is free, leased to
/// `worker` (or why there is none), within the caller's transaction.
fn claim_in(
    tx: &mut dyn Tx,
    run_key: &str,
    worker: &str,
    lease_secs: i64,
    shard: Option<Shard>,
) -> Result<Claim> {
    let d = tx.dialect();
    let run_id = run_id_of(tx, run_key)?.with_context(|| {
        format!("no run named {run_key} in the store (plan it first: tokenhound audit plan)")
    })?;
    let (k, n) = shard.map_or((0, 1), |s| (s.k as i64, s.n as i64));
    let sql = format!(
        "UPDATE units SET lease_owner = ?1, lease_until = {now} + ?2, attempts = attempts + 1
         WHERE id = (SELECT id FROM units
                     WHERE run_id = ?3 AND state = 'pending' AND (lease_until IS NULL OR lease_until <= {now})
                       AND seq % ?4 = ?5
                     ORDER BY seq, id LIMIT 1{skip})
         RETURNING id, seq, source, labels, attempts",
        now = d.now_epoch(),
        skip = d.skip_locked()
    );
    let row = tx.row(
        &sql,
        &[
            worker.into(),
            lease_secs.into(),
            run_id.into(),
            n.into(),
            k.into(),
        ],
    )?;
    Ok(match row {
        Some(r) => Claim::Unit(Unit {
            id: r[0].int(),
            run_id,
            seq: r[1].int(),
            source: r[2].text(),
            labels: r[3].text(),
            attempts: r[4].int(),
        }),
        None => {
            let sql = format!(
                "SELECT COUNT(*), MIN(lease_until) - {now} FROM units
                 WHERE run_id = ?1 AND state = 'pending' AND seq % ?2 = ?3",
                now = d.now_epoch()
            );
            let r = tx
                .row(&sql, &[run_id.into(), n.into(), k.into()])?
                .context("counting pending units")?;
            if r[0].int() == 0 {
                Claim::Done
            } else {
                Claim::Wait(r[1].int().max(0))
            }
        }
    })
}

/// Records a scanned unit's findings and marks it done within the caller's
/// transaction; false (nothing written) when it was already recorded.
fn finish_in(
    tx: &mut dyn Tx,
    unit: &Unit,
    worker: &str,
    findings: &[Finding],
    stats: &Stats,
    store_secrets: bool,
) -> Result<bool> {
    let sql = format!(
        "SELECT state FROM units WHERE id = ?1{}",
        tx.dialect().for_update()
    );
    let state = tx
        .row(&sql, &[unit.id.into()])?
        .context("the unit is gone from the store")?[0]
        .text();
    if state == "done" {
        return Ok(false);
    }
    record_findings(tx, unit.run_id, findings, store_secrets)?;
    tx.exec(
        "UPDATE units SET state = 'done', lease_owner = NULL, lease_until = NULL, worker = ?1, finished_at = ?2,
           files_scanned = ?3, bytes_scanned = ?4, errors = ?5, findings = ?6
         WHERE id = ?7",
        &[
            worker.into(),
            now_rfc3339().into(),
            (stats.files_scanned as i64).into(),
            (stats.bytes_scanned as i64).into(),
            (stats.errors.len() as i64).into(),
            (findings.len() as i64).into(),
            unit.id.into(),
        ],
    )?;
    Ok(true)
}

/// A queued run's units summed up, for reports.
#[derive(Debug, Default, Clone)]
pub struct UnitTotals {
    pub total: i64,
    pub done: i64,
    pub files_scanned: i64,
    pub bytes_scanned: i64,
    pub errors: i64,
    pub findings: i64,
    pub last_finished: String,
}

/// Totals of every queued run in one pass (run id → totals).
pub(crate) fn totals_by_run(tx: &mut dyn Tx) -> Result<std::collections::HashMap<i64, UnitTotals>> {
    let mut out = std::collections::HashMap::new();
    tx.each(
        "SELECT run_id, COUNT(*),
                CAST(SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(COALESCE(files_scanned, 0)) AS BIGINT),
                CAST(SUM(COALESCE(bytes_scanned, 0)) AS BIGINT),
                CAST(SUM(COALESCE(errors, 0)) AS BIGINT),
                CAST(SUM(COALESCE(findings, 0)) AS BIGINT),
                MAX(finished_at)
         FROM units GROUP BY run_id",
        &[],
        &mut |r| {
            out.insert(
                r[0].int(),
                UnitTotals {
                    total: r[1].int(),
                    done: r[2].int(),
                    files_scanned: r[3].int(),
                    bytes_scanned: r[4].int(),
                    errors: r[5].int(),
                    findings: r[6].int(),
                    last_finished: r[7].text(),
                },
            );
            Ok(())
        },
    )?;
    Ok(out)
}

/// The units of a run that are not done: `{seq, source, labels, attempts,
/// leased_by}` — what a report on an incomplete run lists.
pub(crate) fn missing_units(tx: &mut dyn Tx, run_id: i64) -> Result<Vec<serde_json::Value>> {
    let sql = format!(
        "SELECT seq, source, labels, attempts, lease_owner, lease_until - {} FROM units
         WHERE run_id = ?1 AND state <> 'done' ORDER BY seq, id",
        tx.dialect().now_epoch()
    );
    let mut out = Vec::new();
    tx.each(&sql, &[run_id.into()], &mut |r| {
        let leased = !r[4].is_null() && r[5].int() > 0;
        out.push(serde_json::json!({
            "seq": r[0].int(),
            "source": r[1].text(),
            "labels": serde_json::from_str::<serde_json::Value>(&r[2].text()).unwrap_or_default(),
            "attempts": r[3].int(),
            "state": if leased { "taken" } else { "pending" },
            "leased_by": if leased { Val::Text(r[4].text()).text() } else { String::new() },
        }));
        Ok(())
    })?;
    Ok(out)
}

/// The sources of a run's units in inventory order (its `inputs`).
pub(crate) fn unit_sources(tx: &mut dyn Tx, run_id: i64) -> Result<Vec<String>> {
    let mut out = Vec::new();
    tx.each(
        "SELECT source FROM units WHERE run_id = ?1 ORDER BY seq, id",
        &[run_id.into()],
        &mut |r| {
            out.push(r[0].text());
            Ok(())
        },
    )?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inventory_lines_labels_comments_and_duplicates() {
        let units = parse_inventory(
            "# org inventory\n\n/m/api.git\tteam=pay\tkind=repo\n/m/with space.zip\n/m/api.git\n",
        )
        .unwrap();
        assert_eq!(units.len(), 2);
        assert_eq!(units[0].source, "/m/api.git");
        assert_eq!(units[0].labels["team"], "pay");
        assert_eq!(units[1].source, "/m/with space.zip");
        assert!(units[1].labels.is_empty());
        assert!(parse_inventory("/m/a.git\tnolabel\n").is_err());
    }

    #[test]
    fn shards() {
        assert_eq!("2/8".parse::<Shard>(), Ok(Shard { k: 2, n: 8 }));
        assert!("8/8".parse::<Shard>().is_err());
        assert!("1/0".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
    }

    #[test]
    fn store_locations() {
        use crate::store::Location;
        assert!(matches!(
            Location::parse("postgres://h/db"),
            Location::Postgres(_)
        ));
        assert!(matches!(
            Location::parse("postgresql:///db?host=/tmp"),
            Location::Postgres(_)
        ));
        assert_eq!(
            Location::parse("sqlite:a.db"),
            Location::Sqlite("a.db".into())
        );
        assert_eq!(
            Location::parse("audit.db"),
            Location::Sqlite("audit.db".into())
        );
    }
}
