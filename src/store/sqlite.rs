//! The embedded SQLite store: one file, WAL mode so reports read while an
//! audit writes, write transactions `BEGIN IMMEDIATE` so two writers queue on
//! the busy timeout instead of failing on a lock upgrade.
//!
//! A tokenhound store is marked with an `application_id`; its version is
//! `user_version`. Before anything is written (even the switch to WAL, which
//! rewrites the header) the file is checked: an empty file is a new store, a
//! file with the mark (or a pre-mark tokenhound store: version 1–2 with its
//! tables) is opened, anything else — another program's database, a store from
//! a newer tokenhound — is refused. The file is created 0600: it holds
//! fingerprints and locations of secrets, and with `--store-secrets` the secrets.

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::{check_not_newer, Backend, Dialect, Tx, Val, MIGRATIONS, SCHEMA_VERSION};

/// `PRAGMA application_id` of a tokenhound store: "THnd".
pub const APPLICATION_ID: i64 = 0x5448_6e64;

/// An open SQLite store.
pub struct SqliteBackend {
    conn: Connection,
}

/// What a file holds, read without writing to it.
#[derive(Debug, PartialEq, Eq)]
enum Identity {
    /// No tables, no mark: a new (or empty) file.
    Empty,
    /// A tokenhound store at this schema version.
    Store(i64),
}

fn identity(conn: &Connection, path: &Path) -> Result<Identity> {
    let shown = path.display();
    let app: i64 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .with_context(|| format!("{shown} is not an SQLite database"))?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let tables: Vec<String> = {
        let mut stmt = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    if app == APPLICATION_ID {
        check_not_newer(version, &shown.to_string())?;
        return Ok(Identity::Store(version));
    }
    if app != 0 {
        bail!("{shown} is not a tokenhound audit store (SQLite application_id {app:#x}); nothing was written");
    }
    if tables.is_empty() && version == 0 {
        return Ok(Identity::Empty);
    }
    // Stores written before the mark existed: versions 1 and 2, with their tables.
    let ours = ["runs", "findings", "locations", "run_findings"]
        .iter()
        .all(|t| tables.iter().any(|n| n == t));
    if ours && (1..=2).contains(&version) {
        return Ok(Identity::Store(version));
    }
    if version > SCHEMA_VERSION && ours {
        check_not_newer(version, &shown.to_string())?;
    }
    bail!(
        "{shown} is not a tokenhound audit store (an SQLite database with other tables: {}); nothing was written",
        tables.join(", ")
    )
}

/// [`identity`] read in one read transaction: its three reads must see one
/// state, not a first audit's schema committed between them.
fn identity_snapshot(conn: &Connection, path: &Path) -> Result<Identity> {
    let tx = conn.unchecked_transaction()?;
    let id = identity(&tx, path)?;
    tx.commit()?;
    Ok(id)
}

/// Creates `path` 0600 if it does not exist (SQLite gives its -wal and -shm
/// files the same mode).
fn create_private(path: &Path) -> Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    match o.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot create store {}", path.display())),
    }
}

impl SqliteBackend {
    /// Opens (creating 0600 if needed) and upgrades the store at `path`.
    pub fn open(path: &Path) -> Result<SqliteBackend> {
        create_private(path)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("cannot open store {}", path.display()))?;
        conn.busy_timeout(Duration::from_secs(30))?;
        identity_snapshot(&conn, path)?;
        let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            conn.pragma_update(None, "journal_mode", "WAL")?;
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut backend = SqliteBackend { conn };
        backend
            .migrate(path, SCHEMA_VERSION, true)
            .with_context(|| format!("upgrading store {}", path.display()))?;
        Ok(backend)
    }

    /// Opens an existing store without writing to it. A store at an older
    /// version is copied into memory and the copy upgraded, so reports read one
    /// schema.
    pub fn open_read_only(path: &Path) -> Result<SqliteBackend> {
        if !path.is_file() {
            bail!(
                "no audit store at {} (run `tokenhound audit --store {} PATH...` first)",
                path.display(),
                path.display()
            );
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("cannot open store {}", path.display()))?;
        conn.busy_timeout(Duration::from_secs(30))?;
        match identity_snapshot(&conn, path)? {
            Identity::Empty => bail!(
                "{} is empty: not an audit store yet (run `tokenhound audit --store {} PATH...` first)",
                path.display(),
                path.display()
            ),
            Identity::Store(v) if v == SCHEMA_VERSION => Ok(SqliteBackend { conn }),
            Identity::Store(_) => {
                let mut mem = Connection::open_in_memory()?;
                rusqlite::backup::Backup::new(&conn, &mut mem)?
                    .run_to_completion(256, Duration::ZERO, None)
                    .with_context(|| format!("reading store {}", path.display()))?;
                let mut backend = SqliteBackend { conn: mem };
                backend.migrate(path, SCHEMA_VERSION, true)?;
                Ok(backend)
            }
        }
    }

    /// Writes a store at an old schema version as that version of tokenhound
    /// did (versions 1 and 2 without the application id, later ones with it),
    /// for tests of upgrades.
    pub fn create_at_version(path: &Path, version: i64) -> Result<Connection> {
        create_private(path)?;
        let mut backend = SqliteBackend {
            conn: Connection::open(path)?,
        };
        backend.migrate(path, version, version >= 3)?;
        Ok(backend.conn)
    }

    /// Applies migrations up to `target` in one `BEGIN IMMEDIATE` transaction
    /// that re-reads the version under the write lock, so two first audits at
    /// once both succeed (the second finds the schema made).
    fn migrate(&mut self, path: &Path, target: i64, mark: bool) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = match identity(&tx, path)? {
            Identity::Empty => 0,
            Identity::Store(v) => v,
        };
        for v in current..target {
            tx.execute_batch(MIGRATIONS[v as usize].sqlite)
                .with_context(|| format!("migration to schema version {}", v + 1))?;
        }
        if current < target {
            tx.pragma_update(None, "user_version", target)?;
        }
        if mark {
            let app: i64 = tx.pragma_query_value(None, "application_id", |r| r.get(0))?;
            if app != APPLICATION_ID {
                tx.pragma_update(None, "application_id", APPLICATION_ID)?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

/// A transaction (or the connection itself, for reads) as a [`Tx`].
struct SqliteTx<'c>(&'c Connection);

fn to_sql(v: &Val) -> rusqlite::types::Value {
    match v {
        Val::Int(i) => rusqlite::types::Value::Integer(*i),
        Val::Text(t) => rusqlite::types::Value::Text(t.clone()),
        Val::Null => rusqlite::types::Value::Null,
    }
}

fn from_sql(v: ValueRef<'_>) -> Val {
    match v {
        ValueRef::Null => Val::Null,
        ValueRef::Integer(i) => Val::Int(i),
        ValueRef::Real(f) => Val::Int(f as i64),
        ValueRef::Text(t) | ValueRef::Blob(t) => Val::Text(String::from_utf8_lossy(t).into_owned()),
    }
}

impl Tx for SqliteTx<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64> {
        let mut stmt = self.0.prepare_cached(sql)?;
        let n = stmt.execute(rusqlite::params_from_iter(params.iter().map(to_sql)))?;
        Ok(n as u64)
    }

    fn each(
        &mut self,
        sql: &str,
        params: &[Val],
        row: &mut dyn FnMut(&[Val]) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.0.prepare_cached(sql)?;
        let n = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter().map(to_sql)))?;
        let mut cells = Vec::with_capacity(n);
        while let Some(r) = rows.next()? {
            cells.clear();
            for i in 0..n {
                cells.push(from_sql(r.get_ref(i)?));
            }
            row(&cells)?;
        }
        Ok(())
    }
}

impl Backend for SqliteBackend {
    fn write(&mut self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        work(&mut SqliteTx(&tx))?;
        tx.commit()?;
        Ok(())
    }

    fn read(&mut self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)?;
        work(&mut SqliteTx(&tx))?;
        tx.commit()?;
        Ok(())
    }

    fn version(&mut self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }
}
