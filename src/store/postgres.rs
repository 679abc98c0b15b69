//! The PostgreSQL store: the same schema and reports as SQLite, for audits run
//! by many workers on many machines (`audit plan` / `audit work`).
//!
//! Connections use the synchronous `postgres` client; TLS goes through rustls
//! (the webpki roots, plus the CA file named by `sslrootcert=` in the URL), and
//! `sslmode=disable|prefer|require` as in libpq (`require` also verifies the
//! certificate). Unix sockets: `postgres:///DB?host=/run/postgresql`.
//!
//! PostgreSQL has no `user_version`, so the store keeps `tokenhound_meta`
//! (application and schema version). Migrations run under a transaction-level
//! advisory lock, so workers starting together upgrade once. Every write runs
//! in one transaction, retried whole after a deadlock or serialisation failure.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use bytes::BytesMut;
use postgres::error::SqlState;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{FromSql, IsNull, ToSql, Type};
use postgres::{Client, Config, Statement};

use super::{check_not_newer, Backend, Dialect, Tx, Val, MIGRATIONS, SCHEMA_VERSION};

/// The advisory lock key migrations hold ("tokenhnd" as bytes).
const MIGRATION_LOCK: i64 = 0x746f_6b65_6e68_6e64;

/// How often a transaction that hit a deadlock or serialisation failure is retried.
const RETRIES: usize = 8;

/// An open PostgreSQL store.
pub struct PgBackend {
    client: Client,
    statements: HashMap<String, Statement>,
    read_only: bool,
}

/// `url` with any password replaced by `***`, for messages.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let auth = match auth.rsplit_once('@') {
        Some((cred, host)) => match cred.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => auth.to_string(),
        },
        None => auth.to_string(),
    };
    let tail: String = tail
        .split('&')
        .map(|kv| {
            let (k, _) = kv.split_once('=').unwrap_or((kv, ""));
            if k.trim_start_matches('?') == "password" {
                format!("{k}=***")
            } else {
                kv.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&");
    format!("{scheme}://{auth}{tail}")
}

/// Takes `sslrootcert=FILE` out of the URL (the client does not know it).
fn split_root_cert(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), None);
    };
    let mut cert = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|kv| match kv.strip_prefix("sslrootcert=") {
            Some(v) => {
                cert = Some(v.to_string());
                false
            }
            None => true,
        })
        .collect();
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (url, cert)
}

fn tls(root_cert: Option<&str>) -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(file) = root_cert {
        use rustls::pki_types::pem::PemObject;
        for cert in rustls::pki_types::CertificateDer::pem_file_iter(file)
            .with_context(|| format!("cannot read sslrootcert {file}"))?
        {
            roots
                .add(cert.with_context(|| format!("bad certificate in {file}"))?)
                .with_context(|| format!("bad certificate in {file}"))?;
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

fn connect(url: &str) -> Result<Client> {
    let (url, root_cert) = split_root_cert(url);
    let config: Config = url
        .parse()
        .with_context(|| format!("bad PostgreSQL URL {}", redact_url(&url)))?;
    config
        .connect(tls(root_cert.as_deref())?)
        .with_context(|| format!("cannot connect to store {}", redact_url(&url)))
}

/// The store's schema version, or None when it has no tokenhound tables; an
/// error when it has tables that are not a tokenhound store's.
fn read_version(client: &mut Client) -> Result<Option<i64>> {
    let row = client.query_one(
        "SELECT CAST(to_regclass('tokenhound_meta') AS TEXT), CAST(to_regclass('runs') AS TEXT)",
        &[],
    )?;
    let meta: Option<String> = row.get(0);
    let runs: Option<String> = row.get(1);
    if meta.is_none() {
        if runs.is_some() {
            bail!("the database has a `runs` table but is not a tokenhound audit store (no tokenhound_meta); nothing was written");
        }
        return Ok(None);
    }
    let rows = client.query(
        "SELECT key, value FROM tokenhound_meta WHERE key IN ('application', 'schema_version')",
        &[],
    )?;
    let get = |k: &str| {
        rows.iter()
            .find(|r| r.get::<_, String>(0) == k)
            .map(|r| r.get::<_, String>(1))
    };
    if get("application").as_deref() != Some("tokenhound") {
        bail!("the database's tokenhound_meta does not name tokenhound; nothing was written");
    }
    let version: i64 = get("schema_version")
        .and_then(|v| v.parse().ok())
        .context("tokenhound_meta has no schema_version")?;
    Ok(Some(version))
}

impl PgBackend {
    /// Connects, refuses a database that is not a tokenhound store or is newer,
    /// then migrates under the advisory lock.
    pub fn open(url: &str) -> Result<PgBackend> {
        let mut client = connect(url)?;
        let shown = redact_url(url);
        if let Some(v) = read_version(&mut client)? {
            check_not_newer(v, &shown)?;
        }
        // A session lock taken before the transaction starts: the transaction's
        // catalog lookups then see what the previous holder committed.
        client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
        let migrated = migrate(&mut client, &shown);
        let unlocked = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]);
        migrated?;
        unlocked?;
        Ok(PgBackend {
            client,
            statements: HashMap::new(),
            read_only: false,
        })
    }

    /// Connects for reading: the store must exist at this schema version.
    pub fn open_read_only(url: &str) -> Result<PgBackend> {
        let mut client = connect(url)?;
        let shown = redact_url(url);
        match read_version(&mut client)? {
            None => bail!("{shown} holds no audit store yet (run `tokenhound audit --store URL PATH...` or `tokenhound audit plan` first)"),
            Some(v) if v < SCHEMA_VERSION => bail!("{shown} is at schema version {v}; `tokenhound audit` (or `audit plan`) upgrades it to {SCHEMA_VERSION} before reports can read it"),
            Some(v) => check_not_newer(v, &shown)?,
        }
        Ok(PgBackend {
            client,
            statements: HashMap::new(),
            read_only: true,
        })
    }

    /// Sets a store's recorded schema version (tests: a store from the future).
    pub fn set_version_for_tests(url: &str, version: i64) -> Result<()> {
        let mut client = connect(url)?;
        client.execute(
            "UPDATE tokenhound_meta SET value = $1 WHERE key = 'schema_version'",
            &[&version.to_string()],
        )?;
        Ok(())
    }
}

/// Applies the migrations this store lacks, in one transaction.
fn migrate(client: &mut Client, shown: &str) -> Result<()> {
    let mut tx = client.transaction()?;
    let current = match read_version_tx(&mut tx)? {
        Some(v) => {
            check_not_newer(v, shown)?;
            v
        }
        None => {
            tx.batch_execute(
                    "CREATE TABLE tokenhound_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                     INSERT INTO tokenhound_meta VALUES ('application', 'tokenhound'), ('schema_version', '0');",
                )?;
            0
        }
    };
    for v in current..SCHEMA_VERSION {
        tx.batch_execute(MIGRATIONS[v as usize].postgres)
            .with_context(|| format!("{shown}: migration to schema version {}", v + 1))?;
    }
    if current < SCHEMA_VERSION {
        tx.execute(
            "UPDATE tokenhound_meta SET value = $1 WHERE key = 'schema_version'",
            &[&SCHEMA_VERSION.to_string()],
        )?;
    }
    tx.commit()
        .with_context(|| format!("{shown}: upgrading the schema"))?;
    Ok(())
}

fn read_version_tx(tx: &mut postgres::Transaction<'_>) -> Result<Option<i64>> {
    let row = tx.query_one("SELECT CAST(to_regclass('tokenhound_meta') AS TEXT)", &[])?;
    if row.get::<_, Option<String>>(0).is_none() {
        return Ok(None);
    }
    let row = tx.query_one(
        "SELECT value FROM tokenhound_meta WHERE key = 'schema_version'",
        &[],
    )?;
    Ok(Some(row.get::<_, String>(0).parse()?))
}

/// `?N` placeholders as PostgreSQL's `$N` (the store's SQL has no `?` in strings).
fn dollar_params(sql: &str) -> String {
    sql.replace('?', "$")
}

impl ToSql for Val {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match self {
            Val::Null => Ok(IsNull::Yes),
            Val::Int(i) => match *ty {
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT8 => i.to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().as_str().to_sql(ty, out),
                _ => Err(format!("cannot bind an integer to a {ty} parameter").into()),
            },
            Val::Text(s) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    s.as_str().to_sql(ty, out)
                }
                _ => Err(format!("cannot bind text to a {ty} parameter").into()),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

impl<'a> FromSql<'a> for Val {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Val, Box<dyn StdError + Sync + Send>> {
        Ok(match *ty {
            Type::INT2 => Val::Int(i16::from_sql(ty, raw)? as i64),
            Type::INT4 => Val::Int(i32::from_sql(ty, raw)? as i64),
            Type::INT8 => Val::Int(i64::from_sql(ty, raw)?),
            Type::BOOL => Val::Int(bool::from_sql(ty, raw)? as i64),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
                Val::Text(String::from_sql(ty, raw)?)
            }
            _ => return Err(format!("unexpected column type {ty}").into()),
        })
    }

    fn from_sql_null(_: &Type) -> Result<Val, Box<dyn StdError + Sync + Send>> {
        Ok(Val::Null)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

struct PgTx<'a, 'c> {
    tx: &'a mut postgres::Transaction<'c>,
    statements: &'a mut HashMap<String, Statement>,
}

impl PgTx<'_, '_> {
    fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(&dollar_params(sql))?;
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

impl Tx for PgTx<'_, '_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64> {
        let stmt = self.statement(sql)?;
        let p: Vec<&(dyn ToSql + Sync)> = params.iter().map(|v| v as _).collect();
        Ok(self.tx.execute(&stmt, &p)?)
    }

    fn each(
        &mut self,
        sql: &str,
        params: &[Val],
        row: &mut dyn FnMut(&[Val]) -> Result<()>,
    ) -> Result<()> {
        let stmt = self.statement(sql)?;
        let mut it = self.tx.query_raw(&stmt, params.iter())?;
        let mut cells = Vec::new();
        while let Some(r) = it.next()? {
            cells.clear();
            for i in 0..r.len() {
                cells.push(r.try_get::<_, Val>(i)?);
            }
            row(&cells)?;
        }
        Ok(())
    }
}

/// True for errors after which the whole transaction may simply be run again.
fn retryable(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<postgres::Error>()
            .and_then(postgres::Error::code)
            .is_some_and(|code| {
                *code == SqlState::T_R_DEADLOCK_DETECTED
                    || *code == SqlState::T_R_SERIALIZATION_FAILURE
            })
    })
}

impl PgBackend {
    fn run(
        &mut self,
        read_only: bool,
        work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>,
    ) -> Result<()> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = (|| -> Result<()> {
                let mut builder = self.client.build_transaction();
                if read_only {
                    builder = builder
                        .read_only(true)
                        .isolation_level(postgres::IsolationLevel::RepeatableRead);
                }
                let mut tx = builder.start()?;
                work(&mut PgTx {
                    tx: &mut tx,
                    statements: &mut self.statements,
                })?;
                tx.commit()?;
                Ok(())
            })();
            match result {
                Err(e) if attempt < RETRIES && retryable(&e) => {
                    std::thread::sleep(std::time::Duration::from_millis(20 * attempt as u64));
                }
                other => return other,
            }
        }
    }
}

impl Backend for PgBackend {
    fn write(&mut self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        if self.read_only {
            return Err(anyhow!("internal error: write on a store opened read-only"));
        }
        self.run(false, work)
    }

    fn read(&mut self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        self.run(true, work)
    }

    fn version(&mut self) -> Result<i64> {
        read_version(&mut self.client)?.context("not a tokenhound store")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_url("postgres://th:s3cret@db.internal:5432/audit?sslmode=require"),
            "postgres://th:***@db.internal:5432/audit?sslmode=require"
        );
        assert_eq!(
            redact_url("postgresql:///audit?host=/run/postgresql&user=th&password=s3cret"),
            "postgresql:///audit?host=/run/postgresql&user=th&password=***"
        );
        assert_eq!(
            redact_url("postgres://th@db/audit"),
            "postgres://th@db/audit"
        );
    }

    #[test]
    fn sslrootcert_is_taken_out_of_the_url() {
        assert_eq!(
            split_root_cert("postgres://th@db/a?sslmode=require&sslrootcert=/etc/ca.pem"),
            (
                "postgres://th@db/a?sslmode=require".to_string(),
                Some("/etc/ca.pem".to_string())
            )
        );
        assert_eq!(
            split_root_cert("postgres://th@db/a?sslrootcert=ca.pem"),
            ("postgres://th@db/a".to_string(), Some("ca.pem".to_string()))
        );
        assert_eq!(split_root_cert("postgres://th@db/a").1, None);
    }

    #[test]
    fn placeholders_become_dollars() {
        assert_eq!(
            dollar_params("SELECT ?1, ?10 WHERE x = ?2"),
            "SELECT $1, $10 WHERE x = $2"
        );
    }
}
