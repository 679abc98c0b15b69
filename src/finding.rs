//! The finding model shared by every report format, and the provenance of the bytes
//! it was found in. The JSON keys are a public contract: add keys, never rename or
//! drop them (see "JSON schema" in the README).

use serde::Serialize;

use crate::enrich::jwt::JwtClaims;
use crate::rules::{Kind, Lifetime};

/// Where a blob of bytes came from. Sources set it; matching never looks at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    /// A file on disk (working tree, explicit path).
    File { path: String },
    /// Standard input; `name` is what reports show as the path (`-`).
    Stdin { name: String },
    /// A member of an archive, read in memory (`logs.zip!app/.env`; nested
    /// archives chain the `!`).
    ArchiveMember { path: String },
    /// A file of an exported workspace (Slack, Teams, Jira, Confluence, HAR,
    /// cookie jar, agent transcript); `format` is the finding's `source`, and the
    /// export reader sets each finding's `location` (channel and ts, issue and
    /// field, …).
    Export { path: String, format: &'static str },
    /// One log of a CI log archive (a GitHub Actions run-log zip): `path` is
    /// `archive.zip!job/1_step.txt`; `step` is `None` for a whole-job log.
    CiLog {
        path: String,
        job: String,
        step: Option<String>,
        step_number: Option<u32>,
    },
    /// A blob of a git repository's history, with the commit that first brought
    /// it in (boxed: it is large and most provenances are files).
    Git(Box<GitOrigin>),
    /// A file's new or changed lines in the index (`staged`) or the working tree
    /// (`working-tree`), from `tokenhound git --staged` / `--working-tree`.
    GitChange { path: String, stage: &'static str },
}

/// Where a secret in git history comes from: the `git` object of a finding. The
/// commit is the first (parents before children) that put the secret at `path`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GitOrigin {
    /// Full commit id.
    pub commit: String,
    pub author_name: String,
    pub author_email: String,
    /// Author date, RFC 3339 with the author's offset.
    pub date: String,
    /// First line of the commit message.
    pub summary: String,
    pub path: String,
    pub blob_id: String,
    /// Commits of the scanned history whose tree holds the secret at this path:
    /// summed over `blobs` (a blob at two paths of one commit counts twice).
    pub commits: u64,
    /// Distinct blobs (versions of the file) carrying this secret at this path;
    /// reported once, from the earliest of them.
    pub blobs: u64,
    /// Distinct paths the blob was seen at.
    pub paths: u64,
    /// Whether HEAD's tree still holds this blob; `false` means leaked in history only.
    pub in_head: bool,
}

impl Provenance {
    /// The `path` reports show.
    pub fn path(&self) -> &str {
        match self {
            Provenance::File { path } => path,
            Provenance::Stdin { name } => name,
            Provenance::ArchiveMember { path } | Provenance::Export { path, .. } => path,
            Provenance::CiLog { path, .. } => path,
            Provenance::Git(g) => &g.path,
            Provenance::GitChange { path, .. } => path,
        }
    }

    /// The `source` key of a finding: what kind of input it was found in.
    pub fn source_kind(&self) -> &'static str {
        match self {
            Provenance::File { .. } => "file",
            Provenance::Stdin { .. } => "stdin",
            Provenance::ArchiveMember { .. } => "archive",
            Provenance::Export { format, .. } => format,
            Provenance::CiLog { .. } => "ci-log",
            Provenance::Git(_) => "git",
            Provenance::GitChange { stage, .. } => stage,
        }
    }

    /// Adds what this provenance knows beyond `path` and `source` (a git commit,
    /// an export's message anchors, …) to a finding made from its bytes.
    pub fn annotate(&self, finding: &mut Finding) {
        match self {
            Provenance::CiLog {
                job,
                step,
                step_number,
                ..
            } => {
                finding.ci = Some(CiLocation {
                    job: job.clone(),
                    step: step.clone(),
                    step_number: *step_number,
                    line: finding.line,
                });
            }
            Provenance::File { .. }
            | Provenance::Stdin { .. }
            | Provenance::GitChange { .. }
            | Provenance::ArchiveMember { .. }
            | Provenance::Export { .. } => {}
            Provenance::Git(g) => finding.git = Some(g.clone()),
        }
    }
}

/// Where in a CI run a finding is (the `ci` key): which job and step log, and the
/// line in that log, so a reader can open the step in the runner's UI.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CiLocation {
    pub job: String,
    /// The step name; `null` for a whole-job log.
    pub step: Option<String>,
    /// The step's number in the job (the `<n>_` of `<n>_<step>.txt`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_number: Option<u32>,
    /// 1-based line in the step (or job) log.
    pub line: usize,
}

/// One leaked credential at one place.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule_id: String,
    pub name: String,
    pub provider: String,
    pub kind: Kind,
    /// The raw value with `--show-secrets`, otherwise a redacted form (`ghp_***`).
    pub secret: String,
    /// Number of bytes in the raw secret.
    pub secret_length: usize,
    /// `sha256(rule_id + "\0" + secret)` in hex: stable when lines move, files are
    /// renamed or history is rewritten; what baselines and ignore files key on.
    pub fingerprint: String,
    pub path: String,
    /// The exact bytes of the file name when it is not UTF-8 (`path` then shows
    /// invalid bytes as `\\xNN`): lossless, for tools that must open the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_bytes: Option<Vec<u8>>,
    /// 1-based line and column (column counts characters) of the secret's start.
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// Byte offset of the secret in the scanned blob.
    pub offset: usize,
    /// `file`, `stdin`, `git` (history), `staged` / `working-tree` (uncommitted
    /// changes), later `slack`, ….
    pub source: String,
    /// The line around the secret, with every secret on it redacted.
    pub line_text: String,
    /// Shannon entropy of the secret, bits per byte.
    pub entropy: f64,
    pub lifetime: Lifetime,
    pub revoke: String,
    /// The offline check the secret passed (`github-crc32`, `jwt`, …), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validator: Option<String>,
    /// Decoded JWT claims, for JWTs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt: Option<JwtClaims>,
    /// How sure tokenhound is that this is a live credential a reviewer would act
    /// on (`high`, `medium`, `low`); `--min-confidence` gates on it.
    pub confidence: crate::enrich::confidence::Confidence,
    /// The evidence behind `confidence`, most telling first (`validated:jwt`,
    /// `value:weak-password`, `file:locale`, …).
    pub confidence_reasons: Vec<String>,
    /// Git provenance, for findings in git history (`source: "git"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git: Option<Box<GitOrigin>>,
    /// ISO 8601 expiry when the token says it (JWT `exp`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// Whether `expires_at` is before the scan time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expired: Option<bool>,
    /// Decode layers peeled to find the secret (`["json", "base64"]`); the
    /// location points at the encoded span in the original.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decoded: Vec<String>,
    /// Where in an export the secret is, in the export's own terms (Slack
    /// `{channel, ts, thread_ts, user}`, Jira `{issue, field, comment_id, …}`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<serde_json::Value>,
    /// Result of `--verify` (absent without it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<crate::verify::Verification>,
    /// The secret's line carries an inline ignore marker for this rule
    /// (`tokenhound:ignore`, `gitleaks:allow`, `pragma: allowlist secret`).
    #[serde(skip)]
    pub inline_ignored: bool,
    /// CI job/step location, for findings in CI log archives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci: Option<CiLocation>,
    /// Other findings that are parts of the same credential (AWS key id + secret +
    /// session token, Slack xoxc + d cookie, Atlassian token + account e-mail).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<crate::enrich::pairing::Related>,
    /// The raw secret, kept in memory for later stages (verification, redaction);
    /// never serialized.
    #[serde(skip)]
    pub raw_secret: String,
}
