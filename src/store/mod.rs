//! The audit store: an embedded SQLite database recording every run of
//! `tokenhound audit`: runs, findings by fingerprint, every location each was
//! seen at, first- and last-seen runs, and verification history.
//!
//! A run is one transaction, so a killed run leaves the store as it was before
//! it; WAL mode lets reports read while an audit writes. Raw secrets are stored
//! only when asked (`--store-secrets`); fingerprints always are. The schema is
//! versioned (`PRAGMA user_version`) and upgraded by ordered migrations.

pub mod report;

use std::path::Path;

use anyhow::{bail, Context, Result};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::finding::Finding;
use crate::report::Stats;

/// Ordered migrations: entry `i` upgrades a store from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // v1: runs, findings, locations, which findings each run saw. Findings get an
    // integer id so the per-run rows stay small (100k findings x 50 runs).
    r#"
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        tool_version TEXT NOT NULL,
        inputs TEXT NOT NULL,            -- JSON list of what was scanned
        files_scanned INTEGER NOT NULL,
        bytes_scanned INTEGER NOT NULL,
        errors INTEGER NOT NULL,         -- inputs that could not be fully scanned
        findings INTEGER NOT NULL
    );
    CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        fingerprint TEXT NOT NULL UNIQUE,
        rule_id TEXT NOT NULL,
        name TEXT NOT NULL,
        provider TEXT NOT NULL,
        kind TEXT NOT NULL,
        lifetime TEXT NOT NULL,
        revoke TEXT NOT NULL,
        secret_redacted TEXT NOT NULL,
        secret TEXT,                     -- only with --store-secrets
        first_seen_run INTEGER NOT NULL REFERENCES runs(id),
        last_seen_run INTEGER NOT NULL REFERENCES runs(id)
    );
    CREATE TABLE locations (
        id INTEGER PRIMARY KEY,
        finding_id INTEGER NOT NULL REFERENCES findings(id),
        source TEXT NOT NULL,
        path TEXT NOT NULL,
        line INTEGER NOT NULL,
        col INTEGER NOT NULL,
        anchor TEXT NOT NULL,            -- JSON: git commit, Slack channel/ts, Jira issue, ...
        first_seen_run INTEGER NOT NULL,
        last_seen_run INTEGER NOT NULL,
        UNIQUE (finding_id, source, path, line, col, anchor)
    );
    CREATE TABLE run_findings (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        finding_id INTEGER NOT NULL,
        PRIMARY KEY (run_id, finding_id)
    ) WITHOUT ROWID;
    "#,
    // v2: verification history and whether a run was complete.
    r#"
    CREATE TABLE verifications (
        finding_id INTEGER NOT NULL REFERENCES findings(id),
        run_id INTEGER NOT NULL REFERENCES runs(id),
        status TEXT NOT NULL,
        checked_at TEXT NOT NULL,
        detail TEXT NOT NULL,
        PRIMARY KEY (finding_id, run_id)
    ) WITHOUT ROWID;
    ALTER TABLE runs ADD COLUMN complete INTEGER NOT NULL DEFAULT 1;
    "#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// An open store.
pub struct Store {
    conn: Connection,
}

/// The anchors of a finding's location beyond path/line/column, as JSON.
fn anchor(f: &Finding) -> String {
    let v = serde_json::to_value(f).unwrap_or_default();
    let mut m = serde_json::Map::new();
    for key in ["git", "location", "ci", "decoded"] {
        if let Some(x) = v.get(key) {
            m.insert(key.to_string(), x.clone());
        }
    }
    serde_json::Value::Object(m).to_string()
}

impl Store {
    /// Opens (creating if needed) the store at `path` and upgrades its schema.
    pub fn open(path: &Path) -> Result<Store> {
        let conn = Connection::open(path)
            .with_context(|| format!("cannot open store {}", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = Store { conn };
        store
            .migrate(SCHEMA_VERSION)
            .with_context(|| format!("upgrading store {}", path.display()))?;
        Ok(store)
    }

    /// Applies migrations up to `target` (tests use a lower target to write an
    /// old-version store).
    pub fn migrate(&mut self, target: i64) -> Result<()> {
        let current: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        if current > SCHEMA_VERSION {
            bail!("store schema version {current} is newer than this tokenhound ({SCHEMA_VERSION}); upgrade tokenhound");
        }
        for v in current..target {
            let tx = self.conn.transaction()?;
            tx.execute_batch(MIGRATIONS[v as usize])?;
            tx.pragma_update(None, "user_version", v + 1)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// Opens a store at a given schema version without upgrading (for tests of migrations).
    pub fn open_at_version(path: &Path, version: i64) -> Result<Store> {
        let conn = Connection::open(path)?;
        let mut store = Store { conn };
        store.migrate(version)?;
        Ok(store)
    }

    /// The schema version of the open store.
    pub fn version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// The raw connection, for reports.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Records one run atomically; returns its id.
    pub fn record_run(
        &mut self,
        started_at: &str,
        inputs: &[String],
        findings: &[Finding],
        stats: &Stats,
        store_secrets: bool,
    ) -> Result<i64> {
        let tx = self.conn.transaction()?;
        let run_id = insert_run(&tx, started_at, inputs, findings.len(), stats)?;
        {
            let mut upsert_finding = tx.prepare_cached(
                "INSERT INTO findings (fingerprint, rule_id, name, provider, kind, lifetime, revoke, secret_redacted, secret, first_seen_run, last_seen_run)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)
                 ON CONFLICT(fingerprint) DO UPDATE SET last_seen_run = excluded.last_seen_run,
                   secret = COALESCE(excluded.secret, findings.secret)
                 RETURNING id",
            )?;
            let mut upsert_location = tx.prepare_cached(
                "INSERT INTO locations (finding_id, source, path, line, col, anchor, first_seen_run, last_seen_run)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
                 ON CONFLICT(finding_id, source, path, line, col, anchor) DO UPDATE SET last_seen_run = excluded.last_seen_run",
            )?;
            let mut seen = tx.prepare_cached(
                "INSERT OR IGNORE INTO run_findings (run_id, finding_id) VALUES (?1, ?2)",
            )?;
            let mut verified = tx.prepare_cached(
                "INSERT OR REPLACE INTO verifications (finding_id, run_id, status, checked_at, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for f in findings {
                let redacted = crate::enrich::redact::redact(&f.raw_secret);
                let id: i64 = upsert_finding.query_row(
                    params![
                        f.fingerprint,
                        f.rule_id,
                        f.name,
                        f.provider,
                        f.kind.as_str(),
                        f.lifetime.as_str(),
                        f.revoke,
                        redacted,
                        store_secrets.then_some(f.raw_secret.as_str()),
                        run_id
                    ],
                    |r| r.get(0),
                )?;
                upsert_location.execute(params![
                    id,
                    f.source,
                    f.path,
                    f.line as i64,
                    f.column as i64,
                    anchor(f),
                    run_id
                ])?;
                seen.execute(params![run_id, id])?;
                if let Some(v) = &f.verification {
                    let status = serde_json::to_value(v.status)?
                        .as_str()
                        .unwrap_or("unknown")
                        .to_string();
                    verified.execute(params![
                        id,
                        run_id,
                        status,
                        v.checked_at,
                        serde_json::Value::Object(v.detail.clone()).to_string()
                    ])?;
                }
            }
        }
        tx.commit().context("committing the run")?;
        Ok(run_id)
    }
}

fn insert_run(
    tx: &Transaction,
    started_at: &str,
    inputs: &[String],
    findings: usize,
    stats: &Stats,
) -> Result<i64> {
    tx.execute(
        "INSERT INTO runs (started_at, finished_at, tool_version, inputs, files_scanned, bytes_scanned, errors, findings, complete)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            started_at,
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            env!("CARGO_PKG_VERSION"),
            serde_json::to_string(inputs)?,
            stats.files_scanned as i64,
            stats.bytes_scanned as i64,
            stats.errors.len() as i64,
            findings as i64,
            stats.errors.is_empty() as i64,
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// The id of the latest run, and of the one before it.
pub fn last_two_runs(conn: &Connection) -> Result<(Option<i64>, Option<i64>)> {
    let mut stmt = conn.prepare("SELECT id FROM runs ORDER BY id DESC LIMIT 2")?;
    let ids: Vec<i64> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok((ids.first().copied(), ids.get(1).copied()))
}

/// A run's row as JSON.
pub fn run_json(conn: &Connection, id: i64) -> Result<Option<serde_json::Value>> {
    conn.query_row(
        "SELECT id, started_at, finished_at, tool_version, inputs, files_scanned, bytes_scanned, errors, findings, complete FROM runs WHERE id = ?1",
        [id],
        |r| {
            Ok(serde_json::json!({
                "id": r.get::<_, i64>(0)?,
                "started_at": r.get::<_, String>(1)?,
                "finished_at": r.get::<_, String>(2)?,
                "tool_version": r.get::<_, String>(3)?,
                "inputs": serde_json::from_str::<serde_json::Value>(&r.get::<_, String>(4)?).unwrap_or_default(),
                "files_scanned": r.get::<_, i64>(5)?,
                "bytes_scanned": r.get::<_, i64>(6)?,
                "errors": r.get::<_, i64>(7)?,
                "findings": r.get::<_, i64>(8)?,
                "complete": r.get::<_, i64>(9)? != 0,
            }))
        },
    )
    .optional()
    .map_err(Into::into)
}
