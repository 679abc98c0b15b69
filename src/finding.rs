//! The finding model shared by every report format, and the provenance of the bytes
//! it was found in. The JSON keys are a public contract: add keys, never rename or
//! drop them (see "JSON schema" in the README).
//!
//! This is the ground floor: plain typed data that every stage and format shares
//! (rule kinds and lifetimes, JWT claims, verification results, the events a scan
//! streams). It imports nothing of the crate, so no stage depends on another
//! through it.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
    /// `author` is who the next commit would name as its author (the configured
    /// git user), when known: the leaker of what it adds.
    GitChange {
        path: String,
        stage: &'static str,
        author: Option<Box<GitUser>>,
    },
}

/// A git identity (`user.name`, `user.email`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitUser {
    pub name: String,
    pub email: String,
}

/// Where a secret in git history comes from: the `git` object of a finding. The
/// commit is the first (parents before children) that put the secret at `path`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
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
    /// For a secret no longer in HEAD: the refs (full names, branches first,
    /// at most 20) whose history still holds it, which every clone of them
    /// carries.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refs: Vec<String>,
    /// How many refs hold it (`refs` lists the first 20).
    #[serde(skip_serializing_if = "is_zero")]
    pub refs_total: u64,
    /// The repository as it was named to the scan (the path given): with
    /// `commit` it says where the secret is when several repositories are
    /// audited together, and lets a report see that a file of a working tree
    /// and the same path in its history are one place.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub repository: String,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
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
    pub confidence: Confidence,
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
    /// Seconds of validity left at scan time (`expires_at` minus the scan
    /// time), when the token says when it expires and has not yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
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
    pub verification: Option<Verification>,
    /// Who put the secret where it was found, where the source says: a commit's
    /// author, a message's or comment's author, a page's editor (boxed, like
    /// `git`: most findings have none, and findings are kept by the thousand).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaked_by: Option<Box<LeakedBy>>,
    /// Whose token it is, as its issuer answered `--verify` (absent without a
    /// live answer that names someone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<Box<Owner>>,
    /// Whether the owner still works here, by the `--roster` (absent without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_status: Option<OwnerStatus>,
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
    pub related: Vec<Related>,
    /// Other places of the same secret in the same record (a HAR entry's
    /// `Cookie` header and its `cookies[]`, a run-log step and the job's whole
    /// log): one finding, so baselines and audits count one leak, with every
    /// place listed. The finding's own fields hold the first place.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_at: Vec<Place>,
    /// The raw secret, kept in memory for later stages (verification, redaction);
    /// never serialized.
    #[serde(skip)]
    pub raw_secret: String,
}

/// One more place of a finding's secret (an entry of `also_at`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub offset: usize,
    /// The export location of this place (field, entry, …), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Value>,
    /// The CI job/step of this place, for run-log archives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci: Option<CiLocation>,
}

impl Finding {
    /// This finding's own place, as an `also_at` entry of another finding.
    pub fn place(&self) -> Place {
        Place {
            path: self.path.clone(),
            line: self.line,
            column: self.column,
            end_line: self.end_line,
            end_column: self.end_column,
            offset: self.offset,
            location: self.location.clone(),
            ci: self.ci.clone(),
        }
    }
}

/// What kind of credential a rule finds. Kinds drive severity (SARIF), lifetime
/// defaults and, later, verification policy, so they are a closed set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    SessionCookie,
    AccessToken,
    RefreshToken,
    PersonalAccessToken,
    BotToken,
    Webhook,
    CloudSession,
    ApiKey,
    PrivateKey,
    Generic,
}

impl Kind {
    /// The kebab-case name used in rule files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::SessionCookie => "session-cookie",
            Kind::AccessToken => "access-token",
            Kind::RefreshToken => "refresh-token",
            Kind::PersonalAccessToken => "personal-access-token",
            Kind::BotToken => "bot-token",
            Kind::Webhook => "webhook",
            Kind::CloudSession => "cloud-session",
            Kind::ApiKey => "api-key",
            Kind::PrivateKey => "private-key",
            Kind::Generic => "generic",
        }
    }

    /// GitHub code scanning's `security-severity` (0–10): what an attacker gets with it.
    pub fn security_severity(self) -> f32 {
        match self {
            Kind::SessionCookie | Kind::CloudSession | Kind::PrivateKey => 9.5,
            Kind::AccessToken | Kind::RefreshToken | Kind::PersonalAccessToken => 9.0,
            Kind::BotToken | Kind::ApiKey => 8.5,
            Kind::Webhook => 7.0,
            Kind::Generic => 6.0,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How long a leaked token of this kind stays useful to an attacker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lifetime {
    /// Minutes to hours (STS session credentials, `ghs_`, OAuth access tokens).
    Short,
    /// Until someone revokes it (PATs, bot tokens, API keys).
    Long,
    Unknown,
}

impl Lifetime {
    pub fn as_str(self) -> &'static str {
        match self {
            Lifetime::Short => "short",
            Lifetime::Long => "long",
            Lifetime::Unknown => "unknown",
        }
    }
}

/// The claims of a decoded JWT that matter to a responder.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct JwtClaims {
    pub alg: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// `aud` as written: a string or a list of strings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aud: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
}

/// A pointer from one finding to another part of the same credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    pub rule_id: String,
    pub fingerprint: String,
    pub line: usize,
    pub column: usize,
    /// What the other part is to this credential (`secret-access-key`,
    /// `session-token`, `session-cookie`, `account-email`, …).
    pub role: String,
}

/// Outcome of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Live,
    Dead,
    Unknown,
    Expired,
    Skipped,
}

/// The `verification` object of a finding.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Verification {
    pub status: Status,
    /// When the check ran (ISO 8601).
    pub checked_at: String,
    /// What the provider said about the identity (login, team, scopes, expiry), or
    /// why the token was not checked; never the secret.
    pub detail: Map<String, Value>,
    /// The owner read from a live answer by the rule's `owner` map: carried to
    /// the finding's `owner` key, not serialized here.
    #[serde(skip)]
    pub owner: Option<Box<Owner>>,
}

/// Who leaked a secret: the `leaked_by` object. Every field is what the source
/// recorded, never a guess; `person` is the roster entry it matched.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LeakedBy {
    /// The system whose identities these are (`git`, `slack`, `teams`, `jira`,
    /// `confluence`): it says what kind of id `user_id` is.
    pub source: String,
    /// How this person put it there (`commit author`, `message author`,
    /// `comment author`, `issue reporter`, `page editor`, …).
    pub role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The source's own id of the person (Slack `U…`, Teams/Entra object id,
    /// Atlassian account id or user key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The source's user name (Slack `name`, Jira/Confluence user name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<PersonRef>,
}

/// Whose token it is: the `owner` object, the identity its issuer reported when
/// the token was verified live. Fields are the issuer's words (scrubbed of the
/// secret); `person` is the roster entry it matched.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Owner {
    /// The issuer (the rule's provider: `github`, `slack`, `gitlab`, …).
    pub provider: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    /// The issuer's id of the owner (GitHub user id, Slack `U…`, GitLab user id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Team, workspace or organisation the token belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    /// The bot the token acts as (Slack bot tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bot_id: Option<String>,
    /// The name its owner gave the token (GitLab, Hugging Face).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_name: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// When the token expires, as the issuer said it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<PersonRef>,
}

/// A person of the `--roster` that an owner or leaker matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonRef {
    /// The roster's id of the person (SCIM `id`, else the email or login).
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub status: EmploymentStatus,
    /// When the person left, as the roster says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_at: Option<String>,
    /// Employee, contractor, … (SCIM `userType`, a CSV `type` column).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Which identity matched (`email`, `login`, `github`, `slack`, …).
    pub matched_by: String,
}

/// Whether a person of the roster still works here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EmploymentStatus {
    Active,
    Former,
}

/// The `owner_status` of a finding: the owner's employment status, or
/// `unknown` when the issuer named no owner or the roster does not know them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OwnerStatus {
    Former,
    Active,
    Unknown,
}

impl Finding {
    /// Verified live and owned by someone the roster lists as former staff:
    /// what `--fail-on former-live` gates on and reports list first.
    pub fn former_owner_live(&self) -> bool {
        self.owner_status == Some(OwnerStatus::Former)
            && self
                .verification
                .as_ref()
                .is_some_and(|v| v.status == Status::Live)
    }
}

/// One revocation attempt of `tokenhound revoke`: what was (or, in a dry run,
/// would be) sent where, and what the issuer answered. Never the secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevocationAttempt {
    pub fingerprint: String,
    pub rule_id: String,
    pub provider: String,
    /// The redacted secret (`ghp_***`).
    pub secret: String,
    /// Where the finding was (path and line of the report's finding).
    pub path: String,
    pub line: usize,
    pub status: RevocationStatus,
    /// When the attempt was made (or planned), ISO 8601.
    pub attempted_at: String,
    /// The request, with the secret redacted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<RevocationRequest>,
    /// What the issuer answered: `http_status` and the fields the rule keeps,
    /// scrubbed of the secret; or `error` for a request that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<Map<String, Value>>,
    /// Why the status is what it is, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What to do by hand (the rule's `revoke` guidance) when no API did it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manual: Option<String>,
    /// The issuer's documentation of the revocation endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docs: Option<String>,
    /// The owner the report named, if any (so a log of attempts says whose
    /// tokens were revoked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<Value>,
}

/// A revocation request as shown and recorded: the secret replaced by its
/// redacted form wherever it goes (URL, headers, body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevocationRequest {
    pub method: String,
    pub url: String,
    pub headers: std::collections::BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// Outcome of one revocation attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RevocationStatus {
    /// Not sent: a dry run (no `--yes`).
    DryRun,
    /// The issuer confirmed the token is revoked.
    Revoked,
    /// The issuer accepted the request and revokes asynchronously (GitHub's
    /// credential revocation answers 202 and notifies the owner).
    Accepted,
    /// The issuer says the token was not valid any more: nothing left to do.
    AlreadyInvalid,
    /// The issuer refused or the answer says it did not work.
    Failed,
    /// No verdict: rate-limited, a server error, a timeout, a network failure.
    Unknown,
    /// Not sent: the host or address policy refused the target, or the
    /// report's secret failed a check.
    Refused,
    /// The issuer documents no revocation API: the `manual` text says how.
    Manual,
}

impl RevocationStatus {
    /// The token no longer needs anyone: revoked, accepted, or already invalid.
    pub fn is_done(self) -> bool {
        matches!(
            self,
            RevocationStatus::Revoked
                | RevocationStatus::Accepted
                | RevocationStatus::AlreadyInvalid
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RevocationStatus::DryRun => "dry-run",
            RevocationStatus::Revoked => "revoked",
            RevocationStatus::Accepted => "accepted",
            RevocationStatus::AlreadyInvalid => "already-invalid",
            RevocationStatus::Failed => "failed",
            RevocationStatus::Unknown => "unknown",
            RevocationStatus::Refused => "refused",
            RevocationStatus::Manual => "manual",
        }
    }
}

/// An input that could not be fully scanned.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScanError {
    pub path: String,
    pub message: String,
    /// The exact bytes of `path` when it is not UTF-8 (`path` then shows them escaped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_bytes: Option<Vec<u8>>,
}

/// An input left out on purpose (binary, over `--max-file-size`): not an error,
/// but reported so a reader knows what was not looked at.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
    /// The exact bytes of `path` when it is not UTF-8 (`path` then shows them escaped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_bytes: Option<Vec<u8>>,
}

/// What sources report while they run.
#[derive(Debug)]
pub enum Event {
    /// A finding to report.
    Finding(Box<Finding>),
    /// A finding a baseline, ignore file, inline marker or allowlist covers: not
    /// reported, but counted (and kept for `--baseline-out` when a baseline
    /// suppressed it).
    Suppressed(Box<Finding>, Reason),
    Error(ScanError),
    Skipped(Skipped),
    /// Something the person running the scan should know that is neither an
    /// error nor a skipped input (a shallow clone, a reader fallback); printed
    /// on stderr unless `-q`.
    Note(String),
}

/// Why a finding was suppressed (counted in `stats.suppressed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Baseline,
    IgnoreFile,
    Inline,
    PathAllowlist,
    ValueAllowlist,
    /// One of the config's own custom-rule examples, in the config file itself.
    OwnExample,
    /// Its confidence is under `--min-confidence` (counted apart, in
    /// `stats.below_min_confidence`).
    BelowConfidence,
    /// The config's `[allowlist] commits`: introduced by an allowed commit.
    CommitAllowlist,
}

/// A finding's confidence level (the JSON `confidence` key), ordered low < high.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    Default,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    #[default]
    Medium,
    High,
}

impl Confidence {
    /// The lowercase name used in reports, flags and config.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    /// Parses `low`, `medium` or `high` (any case).
    pub fn parse(s: &str) -> Option<Confidence> {
        match s.to_ascii_lowercase().as_str() {
            "low" => Some(Confidence::Low),
            "medium" => Some(Confidence::Medium),
            "high" => Some(Confidence::High),
            _ => None,
        }
    }
}

impl std::fmt::Display for Confidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
