//! Retention (`tokenhound audit prune --keep N`): the per-run rows
//! (`run_findings`, `units`, `verifications`) grow with every run, so a year of
//! nightly runs of a large organisation is tens of GB. Pruning keeps the N
//! newest complete runs, every run after them, and the run the oldest of them
//! is compared with (so every kept run's report stays exactly what it was), and
//! deletes the per-run rows of the older, finished runs.
//!
//! What stays, and why:
//! - every `runs` row: a report's history lists every run, and findings point
//!   at the run that first saw them. A pruned queued run's totals (which were
//!   its units' sums) are written into its `runs` row before its units go.
//! - every `findings` row: the history counts new findings per run.
//! - the locations of every finding a remaining run saw; locations of findings
//!   no remaining run saw are deleted (a report only shows the findings of the
//!   run and of the run it is compared with).
//! - per finding a remaining run saw, its latest verification (a report shows
//!   the latest, whichever run checked it), and every verification that found
//!   a token live (the history counts live tokens per run).
//!
//! Runs older than the kept ones that are not finished (units not done: an
//! abandoned queued run) are left alone and named: deleting their units would
//! make them look finished and change which run later reports compare with.

use anyhow::{Context, Result};

use super::queue::{totals_by_run, unit_sources};
use super::{Dialect, Store, Tx};

/// What [`Store::prune`] kept and removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pruned {
    /// The N newest complete runs, newest first (every later run is kept too).
    pub kept: Vec<i64>,
    /// The run the oldest kept run's report compares with, kept whole.
    pub baseline: Option<i64>,
    /// Runs whose per-run rows were deleted now.
    pub pruned: Vec<i64>,
    /// Older runs left alone because they are not finished.
    pub unfinished: Vec<i64>,
    /// Complete runs in the store (fewer than N: nothing is pruned).
    pub complete_runs: usize,
    /// Rows deleted from each table.
    pub run_findings: u64,
    pub units: u64,
    pub verifications: u64,
    pub locations: u64,
}

/// One run as retention sees it.
struct RunState {
    id: i64,
    queued: bool,
    /// Every unit done (a single-machine run, or a pruned one, always is).
    finished: bool,
    /// Finished, and every input read.
    complete: bool,
}

/// Integers as an SQL list (`1, 2, 3`): ids read from the store, never text.
fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// "No remaining run saw this row's finding", in the form each database runs
/// in one pass over a large store: PostgreSQL plans `NOT EXISTS` as a hash anti
/// join (which spills to disk), SQLite runs `NOT IN` with a temporary index;
/// `run_findings` has no index on `finding_id` alone.
fn unseen(d: Dialect, table: &str) -> String {
    match d {
        Dialect::Postgres => format!(
            "NOT EXISTS (SELECT 1 FROM run_findings rf WHERE rf.finding_id = {table}.finding_id)"
        ),
        Dialect::Sqlite => "finding_id NOT IN (SELECT finding_id FROM run_findings)".into(),
    }
}

impl Store {
    /// Keeps the `keep` newest complete runs (and every later run, and the
    /// run the oldest of them is compared with) and deletes the per-run rows
    /// of older finished runs, in one transaction. Reports on the kept runs
    /// are unchanged. `keep` must be at least 1.
    pub fn prune(&mut self, keep: usize) -> Result<Pruned> {
        anyhow::ensure!(keep >= 1, "--keep must be at least 1");
        let mut result = None;
        self.write(&mut |tx| {
            result = Some(prune_in(tx, keep)?);
            Ok(())
        })
        .with_context(|| format!("pruning {}", self.location()))?;
        result.context("pruning returned nothing")
    }
}

fn prune_in(tx: &mut dyn Tx, keep: usize) -> Result<Pruned> {
    if tx.dialect() == Dialect::Postgres {
        // Waits for units being recorded to commit and holds new ones off
        // until the prune commits: a location or verification whose finding
        // a unit is recording right now is never judged unreferenced. Reports
        // (reads) go on.
        tx.exec(
            "LOCK TABLE run_findings, locations, verifications IN SHARE ROW EXCLUSIVE MODE",
            &[],
        )?;
    }
    let totals = totals_by_run(tx)?;
    let mut runs = Vec::new();
    for r in tx.rows("SELECT id, complete, run_key FROM runs ORDER BY id", &[])? {
        let id = r[0].int();
        let queued = !r[2].is_null();
        let (finished, complete) = match totals.get(&id) {
            Some(t) if queued => {
                let finished = t.done == t.total;
                (finished, finished && t.errors == 0)
            }
            _ => (true, r[1].int() != 0),
        };
        runs.push(RunState {
            id,
            queued,
            finished,
            complete,
        });
    }
    let mut out = Pruned::default();
    let complete: Vec<i64> = runs
        .iter()
        .rev()
        .filter(|r| r.complete)
        .map(|r| r.id)
        .collect();
    out.complete_runs = complete.len();
    if complete.len() < keep {
        return Ok(out);
    }
    out.kept = complete[..keep].to_vec();
    let oldest = *out.kept.last().context("no kept run")?;
    // As the report picks it: the latest earlier run that is finished.
    out.baseline = runs
        .iter()
        .rev()
        .find(|r| r.id < oldest && r.finished)
        .map(|r| r.id);
    let older = runs
        .iter()
        .filter(|r| r.id < oldest && Some(r.id) != out.baseline);
    let (finished, unfinished): (Vec<&RunState>, Vec<&RunState>) = older.partition(|r| r.finished);
    out.unfinished = unfinished.iter().map(|r| r.id).collect();

    let mut touched = Vec::new();
    for run in &finished {
        let id = run.id;
        if run.queued && totals.contains_key(&id) {
            // The run's totals were its units' sums: they move into its row.
            let t = &totals[&id];
            let inputs = serde_json::to_string(&unit_sources(tx, id)?)?;
            tx.exec(
                "UPDATE runs SET finished_at = ?1, inputs = ?2, files_scanned = ?3, bytes_scanned = ?4,
                   errors = ?5, findings = ?6, complete = ?7 WHERE id = ?8",
                &[
                    t.last_finished.as_str().into(),
                    inputs.into(),
                    t.files_scanned.into(),
                    t.bytes_scanned.into(),
                    t.errors.into(),
                    t.findings.into(),
                    ((t.errors == 0) as i64).into(),
                    id.into(),
                ],
            )?;
            out.units += tx.exec("DELETE FROM units WHERE run_id = ?1", &[id.into()])?;
            touched.push(id);
        }
        let n = tx.exec("DELETE FROM run_findings WHERE run_id = ?1", &[id.into()])?;
        out.run_findings += n;
        if n > 0 && touched.last() != Some(&id) {
            touched.push(id);
        }
    }
    let ids: Vec<i64> = finished.iter().map(|r| r.id).collect();
    for chunk in ids.chunks(500) {
        // A pruned run's verification stays when it is the latest of a
        // finding a remaining run saw (the one reports show), or when it found
        // the token live (the history counts live tokens per run; few rows).
        let n = tx.exec(
            &format!(
                "DELETE FROM verifications WHERE run_id IN ({})
                   AND status <> 'live'
                   AND ({unseen}
                        OR EXISTS (SELECT 1 FROM verifications v2
                                   WHERE v2.finding_id = verifications.finding_id
                                     AND v2.run_id > verifications.run_id))",
                id_list(chunk),
                unseen = unseen(tx.dialect(), "verifications"),
            ),
            &[],
        )?;
        out.verifications += n;
    }
    let sql = format!(
        "DELETE FROM locations WHERE {}",
        unseen(tx.dialect(), "locations")
    );
    out.locations = tx.exec(&sql, &[])?;
    touched.sort_unstable();
    touched.dedup();
    out.pruned = touched;
    Ok(out)
}
