//! How sure a finding is: `high`, `medium` or `low`, with the evidence that says so.
//!
//! A rule match only says that some bytes have a shape. Whether a reviewer would act
//! on it depends on evidence around it: a checksum or structure that passed, a
//! provider prefix, how random the value is, whether it is made of dictionary words
//! or is a well-known test value, what the assignment looks like (a type name, a
//! comparison in a test, a commented-out line, an i18n label), the kind of file
//! (translations, docs, fixtures, lock files, minified bundles) and how strongly
//! the key names a secret. [`assess`] turns that evidence into named features (the
//! finding's `confidence_reasons`) and scores them with a linear model whose weights
//! are data (`confidence_weights.toml`, trained by `bench/train_confidence.py` on
//! the dev split of creddata-dev, see docs/ACCURACY.md). A validator that checks a
//! checksum or a structure decides on its own: such a finding is `high`.
//!
//! Pure functions of the evidence, so the scanner's pipeline only has to call
//! [`assess`] once per finding and [`passes`] once per reported finding.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::enrich::jwt::JwtClaims;
use crate::rules::{Rule, Validator};

pub use crate::finding::Confidence;

/// The level reported by default: medium and high findings gate, low ones are
/// counted in the stats (`--min-confidence low` shows them).
pub const DEFAULT_MIN: Confidence = Confidence::Medium;

/// Whether a finding of level `level` is reported at threshold `min` (the gate).
pub fn passes(level: Confidence, min: Confidence) -> bool {
    level >= min
}

/// What is known about one match when its finding is made.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    pub rule: &'a Rule,
    /// The secret as matched (decoded when found in a decode layer).
    pub secret: &'a [u8],
    /// The whole line the secret starts on, in the original bytes.
    pub line: &'a [u8],
    /// Byte offset of the secret (or of its encoded span) in `line`.
    pub secret_in_line: usize,
    /// The line before `line` (empty for the first line), for keys written on
    /// their own line (YAML block values, a `Basic` header split over two lines).
    pub previous_line: &'a [u8],
    /// The path reports show.
    pub path: &'a str,
    /// Decoded JWT claims, for JWTs.
    pub jwt: Option<&'a JwtClaims>,
    /// True when the secret was found in a decode layer (base64, JSON escapes, …).
    pub decoded: bool,
}

/// The outcome of [`assess`]: the level, the model's score and the features that
/// fired (`confidence_reasons`, most telling first).
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub level: Confidence,
    pub score: f64,
    pub reasons: Vec<String>,
}

/// Scores one finding's evidence.
pub fn assess(e: &Evidence) -> Assessment {
    let mut reasons = Vec::with_capacity(12);
    if let Some(v) = e.rule.validator {
        if is_structural(v) && !weak_credential_inside(v, e.secret) {
            reasons.push(format!("validated:{}", v.name()));
            return Assessment {
                level: Confidence::High,
                score: f64::INFINITY,
                reasons,
            };
        }
    }
    features(e, &mut reasons);
    let model = model();
    let score = model.bias + reasons.iter().map(|r| model.weight(r)).sum::<f64>();
    let level = if score >= model.high {
        Confidence::High
    } else if score >= model.medium {
        Confidence::Medium
    } else {
        Confidence::Low
    };
    // Most telling first: the features that moved the score most.
    reasons.sort_by(|a, b| {
        let w = |r: &String| model.weight(r).abs();
        w(b).partial_cmp(&w(a))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.cmp(b))
    });
    Assessment {
        level,
        score,
        reasons,
    }
}

/// A Basic `user:password` whose password is a well-known weak or test value,
/// a keyboard run or plain words (`user:password`, `ruth:secret`, `Aladdin:open
/// sesame`): the structure holds, but what it holds is a stand-in, so the
/// finding is weighed like any other instead of being `high` on structure alone.
fn weak_credential_inside(v: Validator, secret: &[u8]) -> bool {
    if v != Validator::BasicAuth {
        return false;
    }
    use base64::Engine as _;
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(secret) else {
        return false;
    };
    let Some(c) = decoded.iter().position(|&b| b == b':') else {
        return false;
    };
    let pass = &decoded[c + 1..];
    let lower = String::from_utf8_lossy(pass).to_ascii_lowercase();
    let (covered, letters, words) = dictionary_cover(pass);
    is_weak(&lower)
        || is_sequence(&lower)
        || (words > 0 && letters > 0 && covered * 100 >= letters * 99)
}

/// Validators that check an issuer's checksum or structure: passing one is proof
/// enough. The generic validators only rule out obvious non-secrets.
fn is_structural(v: Validator) -> bool {
    !matches!(
        v,
        Validator::GenericSecret
            | Validator::GenericSecretUnquoted
            | Validator::GenericTokenValue
            | Validator::UrlUserinfo
    )
}

/// The linear model: `score = bias + Σ (weight + prior)(feature)`; `medium` and
/// `high` are the score thresholds of those levels. `weights` are learned;
/// `prior` holds the few set by hand for evidence the training data cannot show
/// (each documented in the weights file), and the trainer fits around them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Model {
    bias: f64,
    medium: f64,
    high: f64,
    weights: std::collections::HashMap<String, f64>,
    #[serde(default)]
    prior: std::collections::HashMap<String, f64>,
}

impl Model {
    fn weight(&self, feature: &str) -> f64 {
        self.weights.get(feature).copied().unwrap_or(0.0)
            + self.prior.get(feature).copied().unwrap_or(0.0)
    }
}

/// The shipped weights (`confidence_weights.toml`), parsed on first use.
fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        toml::from_str(include_str!("confidence_weights.toml"))
            .expect("confidence_weights.toml is valid (checked by a unit test)")
    })
}

/// Every feature of the evidence, by name (see the module doc and
/// bench/train_confidence.py for what each means).
pub fn features(e: &Evidence, out: &mut Vec<String>) {
    let rule = e.rule;
    if rule.priority <= -2 {
        // The keyword rules (`password = …`, `token: …`): where the noise is, and
        // what the learned weights per rule are for.
        out.push(format!("rule:{}", rule.id));
    } else {
        // A rule that knows the token's format or its place (a URL's userinfo, an
        // Authorization header): its own filters already hold most of the noise,
        // so it starts from a fixed prior rather than from creddata-dev's labels.
        out.push("rule:specific".into());
    }
    if e.decoded {
        out.push("decoded".into());
    }
    if let Some(c) = e.jwt {
        out.push("jwt".into());
        if c.exp.is_some() {
            out.push("jwt:exp".into());
        }
    }
    let context = context_of(e.path);
    let value = credential_part(rule, e.secret);
    if rule.kind == crate::rules::Kind::PrivateKey && rule.validator.is_none() {
        // A key block (PuTTY, PEM-like): its text is armour and base64, so the
        // value checks below would only measure the armour.
        out.push("value:key-block".into());
    } else {
        value_features(&value, context, out);
    }
    let key = key_before(e.line, e.secret_in_line);
    let key = if key.is_empty() && line_is_blank_before(e.line, e.secret_in_line) {
        key_before(e.previous_line, e.previous_line.len())
    } else {
        key
    };
    // Only rules that match an assignment have a key; for a URL, a header value
    // or a provider's token format, a missing key says nothing.
    if !key.is_empty() || rule.priority <= -2 {
        key_features(&key, &value, out);
    }
    if rule.validator == Some(Validator::UrlUserinfo) && url_host_is_public(e.secret) {
        out.push("url:public-host".into());
    }
    line_features(e.line, e.secret_in_line, e.secret.len(), out);
    path_features(e.path, out);
}

/// The host after a URL's userinfo (`user:pass@db.example.net`) is a named
/// host on the internet: a dotted name whose last label is letters, not a
/// loopback, private or reserved name (`localhost`, `*.local`, `*.test`,
/// `example.*`, `test.host`) nor an address. Credentials sent to such a host
/// open something real, whatever the password looks like.
fn url_host_is_public(secret: &[u8]) -> bool {
    let Some(at) = secret.iter().rposition(|&b| b == b'@') else {
        return false;
    };
    let host = String::from_utf8_lossy(&secret[at + 1..]).to_ascii_lowercase();
    let host = host.trim_end_matches('.');
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
        return false;
    }
    let tld = labels[labels.len() - 1];
    if tld.len() < 2 || !tld.bytes().all(|b| b.is_ascii_alphabetic()) {
        return false;
    }
    const RESERVED_TLDS: &[&str] = &[
        "local",
        "localhost",
        "localdomain",
        "test",
        "example",
        "invalid",
        "internal",
        "lan",
        "home",
        "corp",
        "intranet",
    ];
    if RESERVED_TLDS.contains(&tld) || host == "test.host" {
        return false;
    }
    !labels[..labels.len() - 1]
        .iter()
        .any(|l| matches!(*l, "example" | "localhost" | "test" | "dummy" | "fake"))
}

/// The part of the secret a value check should look at: the password of
/// `user:password@host`, the password of a Basic `user:password`.
fn credential_part(rule: &Rule, secret: &[u8]) -> Vec<u8> {
    match rule.validator {
        Some(Validator::UrlUserinfo) => {
            let end = secret
                .iter()
                .rposition(|&b| b == b'@')
                .unwrap_or(secret.len());
            let userinfo = &secret[..end];
            match userinfo.iter().position(|&b| b == b':') {
                Some(c) => userinfo[c + 1..].to_vec(),
                None => userinfo.to_vec(),
            }
        }
        Some(Validator::BasicAuth) => {
            use base64::Engine as _;
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(secret)
                .unwrap_or_default();
            match decoded.iter().position(|&b| b == b':') {
                Some(c) => decoded[c + 1..].to_vec(),
                None => secret.to_vec(),
            }
        }
        _ => secret.to_vec(),
    }
}

/// Where a file sits, for features whose meaning depends on it: a weak password
/// in a test is a test value, the same in a deployment config is the password.
fn context_of(path: &str) -> &'static str {
    let mut kinds = Vec::new();
    path_features(path, &mut kinds);
    for k in ["file:locale", "file:test", "file:example", "file:doc"] {
        if kinds.iter().any(|f| f == k) {
            return &k[5..];
        }
    }
    if kinds.iter().any(|f| f == "file:credentials") {
        return "credentials";
    }
    "plain"
}

fn value_features(v: &[u8], context: &str, out: &mut Vec<String>) {
    let n = v.len();
    out.push(
        match n {
            0..=5 => "len:<6",
            6..=7 => "len:6-7",
            8..=11 => "len:8-11",
            12..=19 => "len:12-19",
            20..=39 => "len:20-39",
            _ => "len:40+",
        }
        .into(),
    );
    let lower = v.iter().any(u8::is_ascii_lowercase);
    let upper = v.iter().any(u8::is_ascii_uppercase);
    let digit = v.iter().any(u8::is_ascii_digit);
    let symbol = v.iter().any(|b| b.is_ascii_punctuation());
    let classes = [lower, upper, digit, symbol].iter().filter(|&&c| c).count();
    out.push(format!("chars:{classes}"));
    if v.contains(&b' ') || v.contains(&b'\t') {
        // Prose (`Nova Lozinka`, `wrong password`) or a random value that happens
        // to hold a space (WordPress salts)?
        let letters = v
            .iter()
            .filter(|b| b.is_ascii_alphabetic() || **b >= 0x80)
            .count();
        let spaces = v.iter().filter(|&&b| b == b' ').count();
        if letters * 10 >= (n - spaces) * 7 {
            out.push("value:space-words".into());
        } else {
            out.push("value:space-random".into());
        }
    }
    if v.iter().any(|&b| b >= 0x80) {
        out.push("value:non-ascii".into());
    }
    let h = crate::engine::entropy::shannon(v);
    // Relative to the most a value of this length could have (log2 n): short
    // random values cannot reach 4 bits per byte.
    let max = (n.max(2) as f64).log2().min(6.0);
    let rel = h / max;
    out.push(
        if rel < 0.6 {
            "entropy:low"
        } else if rel < 0.8 {
            "entropy:mid"
        } else {
            "entropy:high"
        }
        .into(),
    );
    if h >= 4.5 {
        out.push("entropy:>=4.5".into());
    }
    if n >= 8 && v.iter().all(u8::is_ascii_hexdigit) {
        out.push("value:hex".into());
        if matches!(n, 32 | 40 | 56 | 64 | 96 | 128) && !v.iter().any(u8::is_ascii_uppercase) {
            out.push("value:digest-length".into());
        }
    }
    if v.iter().all(u8::is_ascii_digit) {
        out.push("value:digits".into());
    }
    if is_uuid(v) {
        out.push("value:uuid".into());
    }
    if is_hash_format(v) {
        out.push(format!("hash@{context}"));
    }
    let text = String::from_utf8_lossy(v).to_ascii_lowercase();
    if is_weak(&text) {
        out.push(format!("weak@{context}"));
    }
    if is_sequence(&text) {
        out.push("value:sequence".into());
    }
    if TEST_MARKERS.iter().any(|m| text.contains(m)) {
        out.push("value:test-marker".into());
    }
    let (covered, letters, words) = dictionary_cover(v);
    if words > 0 && letters > 0 {
        let share = covered as f64 / letters as f64;
        if share >= 0.99 {
            out.push(format!("words@{context}"));
        } else if share >= 0.6 {
            out.push("value:mostly-words".into());
        }
    }
    if is_identifier(v) {
        out.push("value:identifier".into());
    }
    if v.starts_with(b"$") || v.starts_with(b"%") || v.starts_with(b"@") || v.starts_with(b"{") {
        out.push("value:sigil".into());
    }
    if v.contains(&b'@') && v.contains(&b'.') {
        out.push("value:email-or-host".into());
    }
    if v.contains(&b'/') && !v.ends_with(b"=") && n < 40 {
        out.push("value:slash".into());
    }
}

/// Substrings of test and stand-in values.
const TEST_MARKERS: &[&str] = &[
    "test",
    "demo",
    "fake",
    "dummy",
    "mock",
    "sample",
    "example",
    "foobar",
    "xxx",
    "todo",
    "wrong",
    "invalid",
    "incorrect",
    "bogus",
    "stub",
];

/// Passwords that every breach list and tutorial starts with: a value that is one
/// of them (ignoring case and trailing digits or symbols) is a test value.
const WEAK: &[&str] = &[
    "password",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "pass",
    "passwd",
    "pwd",
    "secret",
    "admin",
    "administrator",
    "root",
    "toor",
    "guest",
    "user",
    "test",
    "tester",
    "testing",
    "demo",
    "qwerty",
    "qwertz",
    "azerty",
    "letmein",
    "welcome",
    "changeme",
    "changeit",
    "default",
    "master",
    "monkey",
    "dragon",
    "iloveyou",
    "trustno",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "superman",
    "batman",
    "shadow",
    "hunter",
    "abc",
    "abcd",
    "abcde",
    "abcdef",
    "abcdefg",
    "abcdefgh",
    "foobar",
    "foo",
    "bar",
    "hello",
    "world",
    "helloworld",
    "login",
    "mysql",
    "postgres",
    "oracle",
    "redis",
    "mongo",
    "sa",
    "dev",
    "prod",
    "local",
    "localhost",
    "example",
    "sample",
    "dummy",
    "fake",
    "mock",
    "temp",
    "tmp",
    "pa55word",
    "pa$$word",
    "s3cr3t",
    "secr3t",
    "supersecret",
    "topsecret",
    "mypass",
    "mypassword",
    "mysecret",
    "yourpassword",
    "newpassword",
    "oldpassword",
    "secretkey",
    "apikey",
    "token",
    "qazwsx",
    "zaq12wsx",
    "asdf",
    "asdfgh",
    "zxcvbn",
    "access",
    "public",
    "private",
    "none",
    "nopass",
    "nopassword",
    "empty",
    "blank",
    "bitnami",
    "vagrant",
    "docker",
    "ubuntu",
    "pi",
    "raspberry",
    "alpine",
    "admin123",
    "root123",
    "changeme123",
];

fn is_weak(lower: &str) -> bool {
    let core = lower.trim_end_matches(|c: char| c.is_ascii_digit() || "!@#$%^&*?._-".contains(c));
    let core = core.trim_start_matches(|c: char| c.is_ascii_digit());
    (!core.is_empty() && WEAK.contains(&core)) || WEAK.contains(&lower)
}

/// Keyboard rows and counting runs: `123456`, `abcdef`, `qwerty`, `aaaaaa`.
fn is_sequence(lower: &str) -> bool {
    let b = lower.as_bytes();
    if b.len() < 4 {
        return false;
    }
    let steps = b
        .windows(2)
        .filter(|w| w[1] == w[0].wrapping_add(1))
        .count();
    let same = b.windows(2).filter(|w| w[1] == w[0]).count();
    if steps + 1 >= b.len() * 3 / 4 || same + 1 >= b.len() * 3 / 4 {
        return true;
    }
    // A short unit typed over and over (`asdfasdfasdf`, `abcabcabc`): what a
    // hand fills a field with, never what a generator produces.
    if b.len() >= 8 && (2..=4).any(|p| b.len() >= 3 * p && (p..b.len()).all(|i| b[i] == b[i - p])) {
        return true;
    }
    [
        "qwertyuiop",
        "asdfghjkl",
        "zxcvbnm",
        "1qaz2wsx",
        "0123456789",
    ]
    .iter()
    .any(|row| b.len() >= 5 && row.contains(lower))
}

fn is_uuid(v: &[u8]) -> bool {
    v.len() == 36
        && v.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Password-hash and key-derivation formats: `$2y$…`, `pbkdf2_sha256$…`, `{SSHA}…`.
fn is_hash_format(v: &[u8]) -> bool {
    let t = String::from_utf8_lossy(v).to_ascii_lowercase();
    (t.starts_with('$') && t[1..].contains('$'))
        || t.starts_with("pbkdf2")
        || t.starts_with("sha1$")
        || t.starts_with("sha256$")
        || t.starts_with("md5$")
        || t.starts_with("bcrypt$")
        || t.starts_with("argon2")
        || t.starts_with("scrypt:")
        || (t.starts_with('{') && (t.contains("sha}") || t.contains("crypt}")))
}

/// `camelCase`, `snake_case` or `kebab-case` names without digits: what code
/// refers to, not what a generator produces.
fn is_identifier(v: &[u8]) -> bool {
    if v.len() < 3 || !v[0].is_ascii_alphabetic() {
        return false;
    }
    if !v
        .iter()
        .all(|&b| b.is_ascii_alphabetic() || b == b'_' || b == b'.' || b == b'-')
    {
        return false;
    }
    let humps = v
        .windows(2)
        .filter(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
        .count();
    let seps = v
        .iter()
        .filter(|&&b| matches!(b, b'_' | b'.' | b'-'))
        .count();
    humps >= 1 || seps >= 1 || v.iter().all(u8::is_ascii_uppercase)
}

/// The embedded English word list (lowercase, 4–12 letters, sorted), from SCOWL
/// via Debian's `wamerican-small` (see confidence_words.LICENSE).
const WORDS: &str = include_str!("confidence_words.txt");

/// True when `w` (lowercase ASCII) is in the word list: a binary search over the
/// sorted lines of the embedded text, so nothing is built at start-up.
fn is_word(w: &[u8]) -> bool {
    let text = WORDS.as_bytes();
    let (mut lo, mut hi) = (0usize, text.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        // The line containing `mid`.
        let start = text[..mid]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let end = text[mid..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(text.len(), |p| mid + p);
        match text[start..end].cmp(w) {
            std::cmp::Ordering::Equal => return true,
            std::cmp::Ordering::Less => lo = end + 1,
            std::cmp::Ordering::Greater => hi = start,
        }
    }
    false
}

/// (letters covered by dictionary words of 4+ letters, letters, words found):
/// each run of letters is split at case changes and covered greedily by the
/// longest words, so `wrongPassword`, `correct-horse` and `Trenutno` are told
/// apart from `kfpxcmpq`.
fn dictionary_cover(v: &[u8]) -> (usize, usize, usize) {
    let mut covered = 0;
    let mut letters = 0;
    let mut words = 0;
    let mut runs: Vec<Vec<u8>> = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    for (i, &b) in v.iter().enumerate() {
        let camel_break =
            i > 0 && b.is_ascii_uppercase() && v[i - 1].is_ascii_lowercase() && !cur.is_empty();
        if (!b.is_ascii_alphabetic() || camel_break) && !cur.is_empty() {
            runs.push(std::mem::take(&mut cur));
        }
        if b.is_ascii_alphabetic() {
            cur.push(b.to_ascii_lowercase());
        }
    }
    if !cur.is_empty() {
        runs.push(cur);
    }
    for run in runs {
        letters += run.len();
        if run.len() > 40 {
            continue;
        }
        let mut i = 0;
        while i < run.len() {
            let mut best = 0;
            let max = (run.len() - i).min(12);
            for len in (4..=max).rev() {
                if is_word(&run[i..i + len]) {
                    best = len;
                    break;
                }
            }
            if best > 0 {
                covered += best;
                words += 1;
                i += best;
            } else {
                i += 1;
            }
        }
    }
    (covered, letters, words)
}

fn line_is_blank_before(line: &[u8], at: usize) -> bool {
    line[..at.min(line.len())]
        .iter()
        .all(|b| b.is_ascii_whitespace() || matches!(b, b'-' | b'"' | b'\''))
}

/// The key a value is assigned to: the name just before the assignment operator
/// that precedes the secret (`DB_PASSWORD` in `DB_PASSWORD = "…"`, `Change
/// password` in `'Change password' => '…'`), lower case; empty when none.
fn key_before(line: &[u8], at: usize) -> String {
    let mut i = at.min(line.len());
    // Step back over the opening quote, spaces and the operator (`=`, `:`, `=>`,
    // `,` between call arguments, `(`).
    let mut steps = 0;
    while i > 0 && steps < 16 {
        let b = line[i - 1];
        if matches!(
            b,
            b' ' | b'\t' | b'"' | b'\'' | b'`' | b'=' | b':' | b'>' | b'@' | b'(' | b','
        ) {
            i -= 1;
            steps += 1;
        } else {
            break;
        }
    }
    let end = i;
    // A quoted key may hold spaces (`'Change password'`): read back to its quote.
    let quoted = end < line.len() && end > 0 && matches!(line[end], b'"' | b'\'');
    while i > 0 {
        let b = line[i - 1];
        let ok = b.is_ascii_alphanumeric()
            || matches!(b, b'_' | b'-' | b'.' | b'[' | b']')
            || b >= 0x80
            || (quoted && b == b' ');
        if !ok || end - i >= 64 {
            break;
        }
        i -= 1;
    }
    String::from_utf8_lossy(&line[i..end]).to_ascii_lowercase()
}

fn key_features(key: &str, value: &[u8], out: &mut Vec<String>) {
    if key.is_empty() {
        out.push("key:none".into());
        return;
    }
    let has = |ws: &[&str]| ws.iter().any(|w| key.contains(w));
    let class = if has(&["password", "passwd", "passphrase"]) {
        "key:password"
    } else if has(&["pass", "pwd"]) {
        "key:pass"
    } else if has(&["private"]) {
        "key:private"
    } else if has(&["secret"]) {
        "key:secret"
    } else if has(&["token"]) {
        "key:token"
    } else if has(&["apikey", "api_key", "api-key", "api.key"]) {
        "key:api-key"
    } else if has(&["auth", "cred"]) && !has(&["author"]) {
        "key:auth"
    } else if has(&["key"]) {
        "key:key"
    } else {
        "key:other"
    };
    out.push(class.into());
    if key.contains(' ') {
        out.push("key:has-space".into());
    }
    if key.bytes().any(|b| b >= 0x80) {
        out.push("key:non-ascii".into());
    }
    if has(&[
        "label",
        "hint",
        "placeholder",
        "message",
        "msg",
        "text",
        "title",
        "prompt",
        "error",
        "desc",
        "help",
        "caption",
        "tooltip",
        "field",
        "button",
        "lbl",
        "_name",
        "name_",
    ]) {
        out.push("key:ui-text".into());
    }
    if has(&[
        "hash",
        "digest",
        "md5",
        "sha",
        "crypt",
        "encoded",
        "encrypted",
        "salt",
    ]) {
        out.push("key:hash".into());
    }
    // Short qualifiers are read as words of the key (`old_password`, `newPass`),
    // not as substrings: `adminpassword` holds "min", `renewal_token` "new" and
    // `prototype_key` "type". Long ones cannot be mistaken and count anywhere.
    let segments = key_segments(key);
    let has_word = |ws: &[&str]| ws.iter().any(|w| segments.iter().any(|s| s == w));
    if has_word(&[
        "old", "new", "bad", "test", "min", "max", "reset", "field", "param", "type",
    ]) || has(&[
        "confirm",
        "wrong",
        "invalid",
        "incorrect",
        "fake",
        "dummy",
        "mock",
        "example",
        "sample",
        "default",
        "expected",
        "length",
        "policy",
        "forgot",
        "change",
        "regex",
        "pattern",
        "format",
    ]) {
        out.push("key:qualified".into());
    }
    if has(&["id", "name", "user", "url", "uri", "path", "file", "host"]) && class == "key:other" {
        out.push("key:not-secret-name".into());
    }
    let keyword = key
        .rsplit(['_', '-', '.', ' ', '['])
        .next()
        .unwrap_or(key)
        .trim_end_matches(']');
    let v = String::from_utf8_lossy(value).to_ascii_lowercase();
    if !keyword.is_empty() && (v.contains(keyword) || keyword.contains(v.as_str())) {
        out.push("value:echoes-key".into());
    }
}

/// The words of a key: split at separators and at camelCase humps, lower case
/// (`adminPassword` -> admin, password; `OLD_PASS` -> old, pass).
fn key_segments(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    // Keys arrive in lower case (`adminpassword`, `oldpass`): peel the credential
    // word off the end so the qualifier before it is a word of its own.
    let mut words = Vec::with_capacity(out.len() + 1);
    for seg in out {
        let tail = [
            "password", "passwd", "pass", "pwd", "secret", "token", "key",
        ]
        .iter()
        .find(|t| seg.len() > t.len() && seg.ends_with(*t));
        match tail {
            Some(t) => {
                words.push(seg[..seg.len() - t.len()].to_string());
                words.push(t.to_string());
            }
            None => words.push(seg),
        }
    }
    words
}

fn line_features(line: &[u8], at: usize, len: usize, out: &mut Vec<String>) {
    let trimmed: &[u8] = {
        let s = line
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(line.len());
        &line[s..]
    };
    let comment = [
        &b"#"[..],
        b"//",
        b"/*",
        b"*",
        b"--",
        b"<!--",
        b";",
        b"rem ",
        b"REM ",
    ]
    .iter()
    .any(|p| trimmed.starts_with(p));
    if comment {
        out.push("line:comment".into());
    }
    if line.len() > 500 {
        out.push("line:long".into());
    }
    let lower = String::from_utf8_lossy(line).to_ascii_lowercase();
    if [
        "==", "!=", "assert", "expect(", "should", "equal(", "to eq", "equals(",
    ]
    .iter()
    .any(|m| lower.contains(m))
    {
        out.push("line:comparison".into());
    }
    let after = &line[(at + len).min(line.len())..];
    let next = after
        .iter()
        .copied()
        .find(|b| !matches!(b, b'"' | b'\'' | b'`' | b' '));
    if next == Some(b'(') {
        out.push("line:call-follows".into());
    }
    if next == Some(b'+') || next == Some(b'.') {
        out.push("line:concatenation".into());
    }
    let before = &line[..at.min(line.len())];
    if before.windows(2).any(|w| w == b"=>")
        && before.iter().filter(|&&b| b == b'\'' || b == b'"').count() >= 2
        && key_has_space_quoted(before)
    {
        out.push("line:i18n-pair".into());
    }
    if lower.contains("http://") || lower.contains("https://") {
        out.push("line:url".into());
    }
    if lower.contains("curl ") || lower.contains(" -e ") || lower.contains("docker ") {
        out.push("line:command".into());
    }
}

/// `'Change password' => '…'`: a quoted key with a space, as translation tables have.
fn key_has_space_quoted(before: &[u8]) -> bool {
    let s = String::from_utf8_lossy(before);
    let Some(arrow) = s.rfind("=>") else {
        return false;
    };
    let key = s[..arrow].trim_end().trim_end_matches(['\'', '"']);
    let start = key.rfind(['\'', '"']).map_or(0, |p| p + 1);
    key[start..].contains(' ')
}

/// Files whose purpose is to hold credentials (shells' and tools' well-known
/// credential stores and deployment configs): whatever password they hold, weak or
/// not, is the one in use. CredData hides file names, so the model cannot learn
/// this; its weight is a documented prior (`[prior]` in confidence_weights.toml).
const CREDENTIAL_FILES: &[&str] = &[
    ".env",
    ".netrc",
    "_netrc",
    ".git-credentials",
    ".pgpass",
    "pgpass.conf",
    ".my.cnf",
    ".htpasswd",
    "shadow",
    "gshadow",
    "credentials",
    "credentials.json",
    "credentials.xml",
    ".npmrc",
    ".pypirc",
    ".dockercfg",
    ".s3cfg",
    ".boto",
    ".fetchmailrc",
    ".muttrc",
    ".msmtprc",
    "msmtprc",
    ".esmtprc",
    ".ftpconfig",
    "sftp-config.json",
    "sftp.json",
    "deployment-config.json",
    ".remote-sync.json",
    "wp-config.php",
    "secrets.yml",
    "secrets.yaml",
    "secrets.json",
    "filezilla.xml",
    "sitemanager.xml",
    "recentservers.xml",
    ".dbeaver-data-sources.xml",
    "dbeaver-data-sources.xml",
    "master.key",
    "logins.json",
    ".bash_profile",
    ".bashrc",
    ".zshrc",
    ".profile",
];

/// Which kind of file a path names, by its directories, name and extension.
fn path_features(path: &str, out: &mut Vec<String>) {
    if path == "-" || path.is_empty() {
        return; // standard input: nothing known about the file
    }
    let lower = path.to_ascii_lowercase().replace('\\', "/");
    let parts: Vec<&str> = lower.split(['/', '!']).collect();
    let name = parts.last().copied().unwrap_or("");
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let dirs = &parts[..parts.len().saturating_sub(1)];
    let dir_is = |ws: &[&str]| dirs.iter().any(|d| ws.contains(d));
    if dir_is(&[
        "lang",
        "langs",
        "language",
        "languages",
        "locale",
        "locales",
        "i18n",
        "l10n",
        "translations",
        "translation",
        "messages",
    ]) || matches!(
        ext,
        "po" | "pot" | "xlf" | "xliff" | "resx" | "strings" | "arb"
    ) {
        out.push("file:locale".into());
    }
    if dir_is(&[
        "test",
        "tests",
        "spec",
        "specs",
        "__tests__",
        "testdata",
        "test-data",
        "fixture",
        "fixtures",
        "mock",
        "mocks",
        "e2e",
        "testing",
        "cassettes",
        "vcr",
    ]) || name.contains("_test.")
        || name.contains(".test.")
        || name.contains(".spec.")
        || name.contains("_spec.")
        || name.starts_with("test_")
    {
        out.push("file:test".into());
    }
    if dir_is(&["doc", "docs", "documentation", "man", "wiki"])
        || matches!(
            ext,
            "md" | "rst" | "adoc" | "txt" | "html" | "htm" | "ipynb" | "tex"
        )
    {
        out.push("file:doc".into());
    }
    if dir_is(&[
        "example",
        "examples",
        "sample",
        "samples",
        "demo",
        "demos",
        "template",
        "templates",
    ]) || matches!(
        ext,
        "example" | "sample" | "template" | "dist" | "tmpl" | "tpl" | "tt"
    ) || [".example.", ".sample.", ".template.", ".dist."]
        .iter()
        .any(|m| name.contains(m))
    {
        out.push("file:example".into());
    }
    if CREDENTIAL_FILES.contains(&name)
        || matches!(ext, "pgpass" | "htpasswd" | "kdbx" | "ovpn" | "rdp")
        || name.ends_with(".env")
        || name.starts_with(".env.")
    {
        out.push("file:credentials".into());
    }
    if ext == "lock"
        || matches!(
            name,
            "package-lock.json" | "yarn.lock" | "go.sum" | "pnpm-lock.yaml" | "composer.lock"
        )
    {
        out.push("file:lock".into());
    }
    if name.contains(".min.")
        || name.ends_with(".map")
        || dir_is(&["dist", "vendor", "node_modules"])
    {
        out.push("file:bundle".into());
    }
    let config = matches!(
        ext,
        "env"
            | "ini"
            | "conf"
            | "cfg"
            | "properties"
            | "yml"
            | "yaml"
            | "toml"
            | "xml"
            | "config"
            | "json"
            | "tf"
            | "tfvars"
            | "plist"
            | "cnf"
    ) || (name.starts_with('.') && !name[1..].contains('.'))
        || ext.is_empty();
    let code = matches!(
        ext,
        "py" | "js"
            | "jsx"
            | "ts"
            | "tsx"
            | "mjs"
            | "cjs"
            | "java"
            | "kt"
            | "scala"
            | "go"
            | "rb"
            | "php"
            | "cs"
            | "c"
            | "h"
            | "cc"
            | "cpp"
            | "hpp"
            | "rs"
            | "swift"
            | "m"
            | "dart"
            | "lua"
            | "pl"
            | "r"
            | "ex"
            | "exs"
            | "groovy"
            | "vue"
            | "erl"
    );
    let shell =
        matches!(ext, "sh" | "bash" | "zsh" | "ps1" | "bat" | "cmd") || name == "dockerfile";
    if config {
        out.push("file:config".into());
    } else if code {
        out.push("file:code".into());
    } else if shell {
        out.push("file:shell".into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    fn rule(id: &str) -> Rule {
        RuleSet::builtin()
            .unwrap()
            .rules
            .into_iter()
            .find(|r| r.id == id)
            .unwrap()
    }

    fn assess_line(rule_id: &str, line: &str, secret: &str, path: &str) -> Assessment {
        let r = rule(rule_id);
        let at = line.find(secret).expect("secret in line");
        assess(&Evidence {
            rule: &r,
            secret: secret.as_bytes(),
            line: line.as_bytes(),
            secret_in_line: at,
            previous_line: b"",
            path,
            jwt: None,
            decoded: false,
        })
    }

    #[test]
    fn weights_parse_and_thresholds_are_ordered() {
        let m = model();
        assert!(m.medium <= m.high);
        assert!(!m.weights.is_empty());
    }

    #[test]
    fn words_are_found_by_binary_search() {
        assert!(is_word(b"password"));
        assert!(is_word(b"horse"));
        assert!(!is_word(b"kfpxcmpq"));
        assert!(!is_word(b"zzzzzzzz"));
        assert!(!is_word(b""));
    }

    #[test]
    fn dictionary_cover_splits_camel_case_and_separators() {
        let (c, l, w) = dictionary_cover(b"wrongPassword");
        assert_eq!((c, l), (13, 13));
        assert_eq!(w, 2);
        let (c, l, _) = dictionary_cover(b"kfpxcmpq");
        assert_eq!(l, 8);
        assert!(c < 5, "{c}");
    }

    #[test]
    fn key_is_read_back_from_the_operator() {
        let line = b"    DB_PASSWORD = \"Zq8kW3mR7tY2\"";
        assert_eq!(key_before(line, 19), "db_password");
        let line = b"  'Change password' => 'Promjena Lozinke',";
        let at = 24;
        assert_eq!(&line[at..at + 8], b"Promjena");
        assert_eq!(key_before(line, at), "change password");
        assert_eq!(key_before(b"password: ", 10), "password");
    }

    #[test]
    fn checksummed_tokens_are_high_whatever_the_context() {
        let t =
            crate::rules::validators::github_style_token("ghp_", "tokenhoundFAKEtokenForTests000");
        let line = format!("# example: token = \"{t}\"");
        let a = assess_line("github-pat-classic", &line, &t, "docs/README.md");
        assert_eq!(a.level, Confidence::High);
        assert_eq!(a.reasons, vec!["validated:github-crc32".to_string()]);
    }

    #[test]
    fn translation_labels_and_test_values_are_low() {
        let a = assess_line(
            "generic-password",
            "  'Change password' => 'Promjena Lozinke',",
            "Promjena Lozinke",
            "lang/hr/app.php",
        );
        assert!(a.reasons.iter().any(|r| r == "value:space-words"), "{a:?}");
        assert!(a.reasons.iter().any(|r| r == "file:locale"), "{a:?}");
        assert_eq!(a.level, Confidence::Low, "{a:?}");
        let a = assess_line(
            "generic-password",
            "        password: 'password1',",
            "password1",
            "spec/login_spec.rb",
        );
        assert!(a.reasons.iter().any(|r| r == "weak@test"), "{a:?}");
        assert_eq!(a.level, Confidence::Low, "{a:?}");
    }

    #[test]
    fn random_passwords_in_config_are_reported() {
        let a = assess_line(
            "generic-password",
            "DB_PASSWORD = \"Zq8kW3mR7tY2\"",
            "Zq8kW3mR7tY2",
            "config/settings.py",
        );
        assert!(a.level >= Confidence::Medium, "{a:?}");
        assert!(a.reasons.iter().any(|r| r == "key:password"), "{a:?}");
    }

    #[test]
    fn gate_keeps_levels_at_or_above_the_threshold() {
        assert!(passes(Confidence::High, Confidence::Medium));
        assert!(passes(Confidence::Medium, Confidence::Medium));
        assert!(!passes(Confidence::Low, Confidence::Medium));
        assert!(passes(Confidence::Low, Confidence::Low));
        assert_eq!(Confidence::parse("MEDIUM"), Some(Confidence::Medium));
        assert_eq!(Confidence::parse("sure"), None);
    }

    #[test]
    fn key_qualifiers_are_words_of_the_key() {
        assert_eq!(key_segments("adminpassword"), vec!["admin", "password"]);
        assert_eq!(key_segments("old_pass"), vec!["old", "pass"]);
        let has_qualified = |key: &str| {
            let mut out = Vec::new();
            key_features(key, b"Zq8kW3mR7tY2", &mut out);
            out.iter().any(|f| f == "key:qualified")
        };
        assert!(!has_qualified("adminpassword"));
        assert!(!has_qualified("renewal_token"));
        assert!(has_qualified("oldpassword"));
        assert!(has_qualified("new_password"));
        assert!(has_qualified("password_min_length"));
        assert!(has_qualified("passwordconfirmation"));
    }

    #[test]
    fn example_copies_of_configs_are_examples() {
        for path in [
            "test/config.example.yml",
            "config/database.yml.sample",
            "templates/db.yml.tt",
            "app/.env.dist",
        ] {
            let mut out = Vec::new();
            path_features(path, &mut out);
            assert!(out.iter().any(|f| f == "file:example"), "{path}: {out:?}");
        }
        let mut out = Vec::new();
        path_features("config/database.yml", &mut out);
        assert!(!out.iter().any(|f| f == "file:example"), "{out:?}");
    }

    #[test]
    fn url_hosts_on_the_internet() {
        assert!(url_host_is_public(b"app:pw@db.mongolab.com"));
        assert!(url_host_is_public(b"u:p@cluster0.abcd.mongodb.net"));
        assert!(!url_host_is_public(b"u:p@localhost"));
        assert!(!url_host_is_public(b"u:p@db"));
        assert!(!url_host_is_public(b"u:p@test.host"));
        assert!(!url_host_is_public(b"u:p@git.example.com"));
        assert!(!url_host_is_public(b"u:p@api.svc.local"));
        assert!(!url_host_is_public(b"u:p@10.0.0.1"));
    }

    #[test]
    fn basic_auth_holding_a_test_password_is_weighed() {
        use base64::Engine as _;
        let e = base64::engine::general_purpose::STANDARD;
        let weak = e.encode("username:password");
        let line = format!("headers = {{ 'Authorization' => 'Basic {weak}' }}");
        let a = assess_line("http-basic-value", &line, &weak, "test/integration_test.rb");
        assert!(
            !a.reasons.iter().any(|r| r.starts_with("validated:")),
            "{a:?}"
        );
        assert_eq!(a.level, Confidence::Low, "{a:?}");
        let strong = e.encode("deploy:Zq8kW3mR7tY2vN9p");
        let line = format!("Authorization: Basic {strong}");
        let a = assess_line(
            "http-basic-value",
            &line,
            &strong,
            "test/integration_test.rb",
        );
        assert_eq!(a.level, Confidence::High);
    }

    #[test]
    fn weak_and_sequence_values() {
        assert!(is_weak("password1"));
        assert!(is_weak("admin123"));
        assert!(is_weak("root"));
        assert!(!is_weak("kfpxcmpq"));
        assert!(is_sequence("123456"));
        assert!(is_sequence("abcdefgh"));
        assert!(is_sequence("qwerty"));
        assert!(!is_sequence("zq8kw3mr"));
        assert!(is_sequence("asdfasdfasdfasdf"));
        assert!(is_sequence("abcabcabc"));
        assert!(!is_sequence("asdfasdf9z"));
    }
}
