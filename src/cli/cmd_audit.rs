//! `tokenhound audit`: scheduled audits recorded in a store (an SQLite file or a
//! PostgreSQL database).
//!
//! - `audit --store S INPUT...` scans the inputs like `scan` does (same flags,
//!   same report and exit code) and records the run in one transaction.
//! - `audit plan --store S --run-id ID INVENTORY` records a run split into units,
//!   one per inventory line; `audit work --store S --run-id ID` (any number of
//!   them, on any machines) takes units one at a time, scans each and records it.
//!   A worker builds its scan set-up once and reuses it for every unit.
//!   Reports across the whole run are the same as for a single-machine audit.
//! - `audit prune --store S --keep N` deletes the per-run rows of runs older
//!   than the N newest complete ones (`store::prune`).

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};

use super::cmd_scan::{
    execute_prepared, prepare, scan_root, tree_settings, CommonArgs, Prepared, RunOutcome,
};
use super::{Cli, EXIT_CLEAN};
use crate::sources::fs::{scan_paths, FsOptions};
use crate::sources::git::history::{scan_history, HistoryOptions, Selection};
use crate::store::queue::{parse_inventory, Claim, Shard, Unit};
use crate::store::{Location, Store};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub queue: Option<QueueCommand>,

    /// The audit store: an SQLite file (created if missing) or a
    /// postgres://user@host/db URL (default: $TOKENHOUND_STORE).
    #[arg(long, value_name = "PATH|URL")]
    pub store: Option<String>,

    /// Directories, files and exports to scan.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,

    #[command(flatten)]
    pub scan: AuditScanArgs,
}

/// How each input (or unit) is scanned and stored: shared by `audit` and `audit work`.
#[derive(Debug, Args)]
pub struct AuditScanArgs {
    /// Also store raw secret values (off by default: only fingerprints and
    /// redacted forms are stored).
    #[arg(long)]
    pub store_secrets: bool,

    /// Scan files ignored by .gitignore/.ignore too.
    #[arg(long)]
    pub no_ignore: bool,

    /// Do not scan the history of inputs that are git repositories (by default
    /// every blob reachable from their refs is scanned once, as `tokenhound git`).
    #[arg(long)]
    pub no_git_history: bool,

    #[command(flatten)]
    pub common: CommonArgs,
}

// Parsed once per process: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// Record a run split into units (one per inventory line) for `audit work`.
    Plan(PlanArgs),
    /// Take units of a planned run one at a time, scan and record each, until
    /// every unit is done.
    Work(WorkArgs),
    /// Delete the per-run rows of old runs: keep the N newest complete runs.
    Prune(PruneArgs),
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// The store (an SQLite file or a postgres:// URL; default: $TOKENHOUND_STORE).
    #[arg(long, value_name = "PATH|URL")]
    pub store: Option<String>,

    /// How many of the newest complete runs to keep reportable (every later
    /// run, and the run the oldest of them is compared with, are kept too).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub keep: u64,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The store (an SQLite file or a postgres:// URL; default: $TOKENHOUND_STORE).
    #[arg(long, value_name = "PATH|URL")]
    pub store: Option<String>,

    /// The run's name, shared by its planner(s), workers and report (e.g. the date).
    #[arg(long, value_name = "ID")]
    pub run_id: String,

    /// One source per line (a repository, an export archive, a directory),
    /// optionally followed by TAB-separated key=value labels; `-` reads stdin.
    pub inventory: PathBuf,
}

#[derive(Debug, Args)]
pub struct WorkArgs {
    /// The store (an SQLite file or a postgres:// URL; default: $TOKENHOUND_STORE).
    #[arg(long, value_name = "PATH|URL")]
    pub store: Option<String>,

    /// The planned run to work on.
    #[arg(long, value_name = "ID")]
    pub run_id: String,

    /// Seconds a taken unit stays this worker's; renewed every third of it while
    /// the unit is scanned, so only a dead worker's unit is taken again.
    #[arg(long, value_name = "SECS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub lease: u64,

    /// Take only units K, K+N, K+2N… of the inventory (a static split; K counts from 0).
    #[arg(long, value_name = "K/N", conflicts_with = "shards")]
    pub shard: Option<Shard>,

    /// A static split into N shards with K from $JOB_COMPLETION_INDEX (a
    /// Kubernetes Indexed Job).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub shards: Option<u64>,

    /// Stop when no unit is free instead of waiting for other workers' units
    /// (whose leases may run out if those workers died).
    #[arg(long)]
    pub no_wait: bool,

    #[command(flatten)]
    pub scan: AuditScanArgs,
}

/// The store named by `--store`, else by `$TOKENHOUND_STORE`.
pub fn store_location(flag: Option<&str>) -> Result<Location> {
    let from_env = std::env::var("TOKENHOUND_STORE").ok();
    match flag.or(from_env.as_deref()).filter(|s| !s.is_empty()) {
        Some(s) => Ok(Location::parse(s)),
        None => bail!("no store: give --store PATH|URL or set TOKENHOUND_STORE"),
    }
}

pub fn run(cli: &Cli, args: &AuditArgs) -> Result<u8> {
    match &args.queue {
        Some(QueueCommand::Plan(p)) => plan(p),
        Some(QueueCommand::Work(w)) => work(cli, w),
        Some(QueueCommand::Prune(p)) => prune(p),
        None => audit(cli, args),
    }
}

fn warn_store_secrets(scan: &AuditScanArgs, location: &Location) {
    if scan.store_secrets {
        eprintln!(
            "tokenhound: WARNING: --store-secrets: raw secret values are being written to {location}; protect that store like the secrets themselves"
        );
    }
}

/// A single-machine audit: scan every input, record one run.
fn audit(cli: &Cli, args: &AuditArgs) -> Result<u8> {
    let location = store_location(args.store.as_deref())?;
    // Open (and upgrade) the store first: a bad store must not cost a scan.
    let mut store = Store::open(&location)?;
    warn_store_secrets(&args.scan, &location);
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let started = Instant::now();
    let common = &args.scan.common;
    let prepared = prepare(cli, common, Some(&scan_root(&args.inputs)))?;
    let outcome = scan_inputs(&prepared, &args.scan, common, &args.inputs, None, started)?;
    let shown: Vec<String> = args
        .inputs
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let run_id = store.record_run(
        &started_at,
        &shown,
        &outcome.findings,
        &outcome.stats,
        args.scan.store_secrets,
    )?;
    if !args.scan.common.quiet {
        eprintln!(
            "tokenhound: recorded run {run_id} in {location} ({} findings{})",
            outcome.findings.len(),
            if outcome.stats.errors.is_empty() {
                ""
            } else {
                "; incomplete: some inputs could not be read"
            }
        );
    }
    Ok(outcome.exit)
}

/// Scans the inputs of one audit — a whole single-machine run, or one unit of a
/// queued run — like `scan` does, plus the history of inputs that are git
/// repositories, through a prepared pipeline (built once per process: see
/// [`Prepared`]). Git histories are scanned on `pool` when given (a worker's,
/// kept across units), else on threads started for this scan. The one place
/// the audit calls into scanning.
fn scan_inputs(
    prepared: &Prepared,
    scan: &AuditScanArgs,
    common: &CommonArgs,
    inputs: &[PathBuf],
    pool: Option<Arc<rayon::ThreadPool>>,
    started: Instant,
) -> Result<RunOutcome> {
    let fs_opts = FsOptions {
        no_ignore: scan.no_ignore,
        scan_binary: common.scan_binary,
        max_file_size: common.max_file_size,
        threads: common.threads(),
    };
    let history = HistoryOptions {
        selection: Selection::default(),
        max_file_size: common.max_file_size,
        scan_binary: common.scan_binary,
        threads: common.threads(),
        pool,
    };
    let with_history = !scan.no_git_history;
    let inputs = inputs.to_vec();
    execute_prepared(prepared, common, started, move |scanner| {
        scan_paths(&inputs, scanner, &fs_opts);
        let mut repos = Vec::new();
        for input in inputs.iter().filter(|p| with_history && is_git_repo(p)) {
            match scan_history(input, scanner, &history) {
                Ok(stats) => repos.push(serde_json::to_value(stats)?),
                Err(e) => scanner.error(
                    input.display().to_string(),
                    format!("git history not scanned: {e:#}"),
                ),
            }
        }
        let mut m = serde_json::Map::new();
        if !repos.is_empty() {
            m.insert("git_repositories".into(), serde_json::Value::Array(repos));
        }
        Ok(m)
    })
}

/// A worker's scanning set-up, built once and used for every unit it takes:
/// the prepared pipeline (config, rules, engine, suppressions) and the thread
/// pool git histories are scanned on. Set-up costs ~30 ms, several times the
/// scan of a small repository, so building it per unit made the worker's
/// throughput mostly set-up. A unit whose root has settings files of its own
/// (`tokenhound.toml`, `.tokenhoundignore`) is scanned with a set-up built for
/// it alone, exactly as `tokenhound audit UNIT` would scan it.
struct UnitScanner<'a> {
    cli: &'a Cli,
    scan: &'a AuditScanArgs,
    common: CommonArgs,
    shared: Prepared,
    pool: Arc<rayon::ThreadPool>,
}

impl<'a> UnitScanner<'a> {
    fn new(cli: &'a Cli, scan: &'a AuditScanArgs, common: CommonArgs) -> Result<Self> {
        let shared = prepare(cli, &common, None)?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(common.threads())
            .build()
            .context("starting the blob scanning threads")?;
        Ok(UnitScanner {
            cli,
            scan,
            common,
            shared,
            pool: Arc::new(pool),
        })
    }

    /// Scans one unit's source; its findings, errors and counts are its own.
    fn scan(&self, source: &Path, log: &dyn Fn(&str)) -> Result<RunOutcome> {
        let started = Instant::now();
        let inputs = [source.to_path_buf()];
        let root = scan_root(&inputs);
        let own_settings = tree_settings(&self.common, &root);
        let own;
        let prepared = if own_settings.is_empty() {
            &self.shared
        } else {
            log(&format!(
                "has settings of its own ({}): set up for this unit alone",
                own_settings
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            own = prepare(self.cli, &self.common, Some(&root))?;
            &own
        };
        scan_inputs(
            prepared,
            self.scan,
            &self.common,
            &inputs,
            Some(self.pool.clone()),
            started,
        )
    }
}

/// A working tree with a `.git` directory or file, or a bare repository.
fn is_git_repo(p: &Path) -> bool {
    p.join(".git").exists()
        || (p.join("HEAD").is_file() && p.join("objects").is_dir() && p.join("refs").is_dir())
}

/// `audit plan`: records the run and its units.
fn plan(args: &PlanArgs) -> Result<u8> {
    let location = store_location(args.store.as_deref())?;
    let text = if args.inventory.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("reading the inventory from stdin")?
    } else {
        std::fs::read_to_string(&args.inventory)
            .with_context(|| format!("cannot read inventory {}", args.inventory.display()))?
    };
    let units = parse_inventory(&text)?;
    if units.is_empty() {
        bail!("inventory {} lists no sources", args.inventory.display());
    }
    let mut store = Store::open(&location)?;
    let planned = store.plan(&args.run_id, &units)?;
    eprintln!(
        "tokenhound: run {} (id {}) in {location}: {} units, {} added now",
        args.run_id, planned.run_id, planned.units, planned.added
    );
    Ok(EXIT_CLEAN)
}

/// `audit prune`: retention. Older runs keep their `runs` row (totals and
/// history) and the findings; their per-run rows go (see `store::prune`).
fn prune(args: &PruneArgs) -> Result<u8> {
    let location = store_location(args.store.as_deref())?;
    // Refuses a store of a newer schema (or not a store) before any write.
    let mut store = Store::open(&location)?;
    let keep = usize::try_from(args.keep).context("--keep is too large")?;
    let p = store.prune(keep)?;
    let ids = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    if p.kept.is_empty() {
        eprintln!(
            "tokenhound: {location} holds {} complete run{}, not more than --keep {keep}: nothing pruned",
            p.complete_runs,
            if p.complete_runs == 1 { "" } else { "s" }
        );
        return Ok(EXIT_CLEAN);
    }
    eprintln!(
        "tokenhound: kept the {keep} newest complete run{} ({}) and every later run{}",
        if keep == 1 { "" } else { "s" },
        ids(&p.kept),
        match p.baseline {
            Some(b) => format!(
                ", and run {b}, which run {} is compared with",
                p.kept.last().copied().unwrap_or_default()
            ),
            None => String::new(),
        }
    );
    if p.pruned.is_empty() {
        eprintln!("tokenhound: no older run had rows left to prune");
    } else {
        eprintln!("tokenhound: pruned runs {}", ids(&p.pruned));
    }
    eprintln!(
        "tokenhound: removed {} run_findings, {} units, {} verifications and {} locations rows from {location}",
        p.run_findings, p.units, p.verifications, p.locations
    );
    if !p.unfinished.is_empty() {
        eprintln!(
            "tokenhound: left alone (older but not finished: units not done): run{} {}",
            if p.unfinished.len() == 1 { "" } else { "s" },
            ids(&p.unfinished)
        );
    }
    Ok(EXIT_CLEAN)
}

/// This worker's name in leases: the host (a pod's name on Kubernetes) and pid.
fn worker_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
        })
        .unwrap_or_else(|| "worker".into());
    format!("{host}:{}", std::process::id())
}

/// `audit work`: take, scan and record units until the run (or shard) is done.
fn work(cli: &Cli, args: &WorkArgs) -> Result<u8> {
    let location = store_location(args.store.as_deref())?;
    let shard = match (args.shard, args.shards) {
        (Some(s), _) => Some(s),
        (None, Some(n)) => {
            let k: u64 = std::env::var("JOB_COMPLETION_INDEX")
                .context("--shards needs $JOB_COMPLETION_INDEX (set by a Kubernetes Indexed Job)")?
                .trim()
                .parse()
                .context("$JOB_COMPLETION_INDEX is not a number")?;
            if k >= n {
                bail!("$JOB_COMPLETION_INDEX {k} is not below --shards {n}");
            }
            Some(Shard { k, n })
        }
        (None, None) => None,
    };
    let mut store = Store::open(&location)?;
    warn_store_secrets(&args.scan, &location);
    let worker = worker_name();
    let lease = args.lease as i64;
    // Each unit's report goes to the store, not to stdout; errors still go to stderr.
    let mut common = args.scan.common.clone();
    common.output = Some(PathBuf::from(if cfg!(windows) {
        "NUL"
    } else {
        "/dev/null"
    }));
    common.quiet = true;
    // Built before the first unit is taken: a bad config or roster must not
    // cost a lease.
    let setup_started = Instant::now();
    let scanner = UnitScanner::new(cli, &args.scan, common)?;
    eprintln!(
        "tokenhound: {worker}: scan set-up ready in {} ms (kept for every unit)",
        setup_started.elapsed().as_millis()
    );
    let (mut done, mut findings) = (0u64, 0usize);
    let started = Instant::now();
    let mut next = store.claim(&args.run_id, &worker, lease, shard)?;
    loop {
        match next {
            Claim::Unit(unit) => {
                eprintln!(
                    "tokenhound: {worker}: unit {} taken (attempt {}): {}",
                    unit.seq, unit.attempts, unit.source
                );
                let scan_started = Instant::now();
                let heartbeat = Heartbeat::start(&location, &unit, &worker, lease);
                let log = |m: &str| eprintln!("tokenhound: {worker}: unit {} {m}", unit.seq);
                let outcome = scanner.scan(Path::new(&unit.source), &log);
                heartbeat.stop();
                let outcome = outcome
                    .with_context(|| format!("scanning unit {} ({})", unit.seq, unit.source))?;
                let scan_ms = scan_started.elapsed().as_millis();
                let record_started = Instant::now();
                // Recording this unit and taking the next is one transaction.
                let (recorded, claim) = store.finish_and_claim(
                    &unit,
                    &worker,
                    &outcome.findings,
                    &outcome.stats,
                    args.scan.store_secrets,
                    &args.run_id,
                    lease,
                    shard,
                )?;
                next = claim;
                if recorded {
                    done += 1;
                    findings += outcome.findings.len();
                    eprintln!(
                        "tokenhound: {worker}: unit {} done: {} findings (scan {scan_ms} ms, record {} ms){}",
                        unit.seq,
                        outcome.findings.len(),
                        record_started.elapsed().as_millis(),
                        if outcome.stats.errors.is_empty() {
                            ""
                        } else {
                            "; incomplete: some inputs could not be read"
                        }
                    );
                } else {
                    eprintln!(
                        "tokenhound: {worker}: unit {} was recorded by another worker meanwhile; this scan is dropped",
                        unit.seq
                    );
                }
            }
            Claim::Wait(_) if !args.no_wait => {
                // Poll once a second: a unit whose worker died is free when its
                // lease runs out; one whose worker finishes ends the wait.
                std::thread::sleep(Duration::from_secs(1));
                next = store.claim(&args.run_id, &worker, lease, shard)?;
            }
            Claim::Wait(_) | Claim::Done => break,
        }
    }
    eprintln!(
        "tokenhound: {worker}: recorded {done} units ({findings} findings) of run {} in {:.1} s",
        args.run_id,
        started.elapsed().as_secs_f64()
    );
    Ok(EXIT_CLEAN)
}

/// Renews a unit's lease from its own thread and connection while the unit is
/// scanned, so a long unit is not taken by another worker.
struct Heartbeat {
    stop: mpsc::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Heartbeat {
    fn start(location: &Location, unit: &Unit, worker: &str, lease: i64) -> Heartbeat {
        let (stop, stopped) = mpsc::channel::<()>();
        let (location, unit, worker) = (location.clone(), unit.clone(), worker.to_string());
        let every = Duration::from_secs_f64((lease as f64 / 3.0).max(0.5));
        let thread = std::thread::spawn(move || {
            let mut store = None;
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                if store.is_none() {
                    store = Store::open(&location).ok();
                }
                let Some(s) = store.as_mut() else { continue };
                match s.renew(&unit, &worker, lease) {
                    Ok(true) => {}
                    Ok(false) => {
                        eprintln!("tokenhound: {worker}: lease on unit {} lost (another worker may take it)", unit.seq);
                        return;
                    }
                    Err(e) => {
                        eprintln!(
                            "tokenhound: {worker}: cannot renew the lease on unit {}: {e:#}",
                            unit.seq
                        );
                        store = None;
                    }
                }
            }
        });
        Heartbeat { stop, thread }
    }

    fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.thread.join();
    }
}
