//! Named offline validators: checksum and structure checks a rule can ask for by name.
//!
//! These are the only code a rule may need. Each takes the secret's bytes and says
//! whether it has the issuer's real structure, so decoys of the right shape
//! (a random `ghp_` string, a base64 blob that is not a JWT) are not reported.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// A validator named in a rule's `validator` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Validator {
    /// GitHub/npm: last 6 chars are base62(CRC32(the 30 chars before them)).
    GithubCrc32,
    /// JSON Web Token: header and payload decode to JSON objects; header has `alg`.
    Jwt,
    /// AWS STS session token: base64 with one of the known STS prefixes.
    AwsSessionToken,
    /// PEM private key: the armored body is base64 of at least 64 bytes.
    PemPrivateKey,
    /// Atlassian `ATATT`/`ATCTT` and Bitbucket `ATBB`: the last 8 chars are the
    /// uppercase-hex CRC32 of everything before them.
    AtlassianCrc32,
    /// Grafana `glsa_`: the 8 hex after the last `_` are the little-endian CRC32 of
    /// the first 37 chars.
    GrafanaCrc32,
    /// Discord bot token: the first dot-separated part is base64 of a decimal
    /// snowflake (the bot's user id).
    DiscordSnowflake,
    /// Slack `xoxe.xox?-1-…` / `xoxe-1-…`: the body is base64 of `2-…`/`3-1-…`
    /// digit groups ending in a hex digest.
    SlackXoxe,
    /// PyPI `pypi-…`: a base64url macaroon whose location is `pypi.org` (or
    /// `test.pypi.org`).
    PypiMacaroon,
    /// Bitbucket `BBDC-…` and Jira/Confluence Data Center PATs: 44 base64 chars
    /// decoding to `<numeric id>:<random bytes>`.
    AtlassianDcPat,
    /// JWT whose header says `alg: none` (unsigned) with an empty signature part.
    JwtAlgNone,
    /// Base64 of `user:password` with a printable user and a non-empty password
    /// (HTTP Basic auth, Docker `auths`, npm `_auth`).
    BasicAuth,
    /// Sentry `sntrys_`: the middle part is base64 JSON with `iat` and `url`.
    SentryOrgToken,
    /// Grafana Cloud `glc_`: base64 JSON with `o`, `n` and `k`.
    GrafanaCloudToken,
    /// Laravel session cookie: base64 JSON with `iv`, `value` and `mac`.
    LaravelSession,
    /// A quoted literal assigned to a secret-named key: not a variable reference,
    /// template, path, URL, UUID, placeholder word or masked value.
    GenericSecret,
    /// An unquoted value in a .env/ini/YAML line: as `generic-secret`, and also not
    /// an identifier, a function call or a number (it must mix letters with digits or
    /// symbols).
    GenericSecretUnquoted,
    /// A value assigned to a key/token-named variable: `generic-secret`, not an
    /// identifier, and mixing letters with digits like generated tokens do.
    GenericTokenValue,
    /// NATS NKEY seed: base32 of the seed prefix, 32 bytes and a little-endian
    /// CRC-16/XMODEM of what precedes it.
    NkeySeed,
    /// `user:password` from a URL: the password passes `generic-secret` and differs
    /// from the user name (`postgres:postgres@` is a local default, not a leak).
    UrlUserinfo,
}

impl Validator {
    /// The name used in rule files.
    pub fn name(self) -> &'static str {
        match self {
            Validator::GithubCrc32 => "github-crc32",
            Validator::Jwt => "jwt",
            Validator::AwsSessionToken => "aws-session-token",
            Validator::PemPrivateKey => "pem-private-key",
            Validator::AtlassianCrc32 => "atlassian-crc32",
            Validator::GrafanaCrc32 => "grafana-crc32",
            Validator::DiscordSnowflake => "discord-snowflake",
            Validator::SlackXoxe => "slack-xoxe",
            Validator::PypiMacaroon => "pypi-macaroon",
            Validator::AtlassianDcPat => "atlassian-dc-pat",
            Validator::JwtAlgNone => "jwt-alg-none",
            Validator::BasicAuth => "basic-auth",
            Validator::SentryOrgToken => "sentry-org-token",
            Validator::GrafanaCloudToken => "grafana-cloud-token",
            Validator::LaravelSession => "laravel-session",
            Validator::GenericSecret => "generic-secret",
            Validator::GenericSecretUnquoted => "generic-secret-unquoted",
            Validator::UrlUserinfo => "url-userinfo",
            Validator::GenericTokenValue => "generic-token-value",
            Validator::NkeySeed => "nkey-seed",
        }
    }

    /// A checksum over the token's own characters (a CRC): a value that
    /// passes it was generated, not typed, so the placeholder shapes do not
    /// apply to it. Random tokens hold them by chance: `yOUr` or `XxxX`
    /// somewhere in about 1 GitHub token of 10,000, which would otherwise be
    /// dropped.
    pub fn is_checksum(self) -> bool {
        matches!(
            self,
            Validator::GithubCrc32
                | Validator::AtlassianCrc32
                | Validator::GrafanaCrc32
                | Validator::NkeySeed
        )
    }

    /// True when `secret` passes the check.
    pub fn check(self, secret: &[u8]) -> bool {
        match self {
            Validator::GithubCrc32 => github_crc32_ok(secret),
            Validator::Jwt => super::jwt::decode(secret).is_some_and(|c| !is_alg_none(&c, secret)),
            Validator::AwsSessionToken => aws_session_token_ok(secret),
            Validator::PemPrivateKey => pem_ok(secret),
            Validator::AtlassianCrc32 => atlassian_crc32_ok(secret),
            Validator::GrafanaCrc32 => grafana_crc32_ok(secret),
            Validator::DiscordSnowflake => discord_snowflake_ok(secret),
            Validator::SlackXoxe => slack_xoxe_ok(secret),
            Validator::PypiMacaroon => pypi_macaroon_ok(secret),
            Validator::AtlassianDcPat => atlassian_dc_pat_ok(secret),
            Validator::JwtAlgNone => {
                super::jwt::decode(secret).is_some_and(|c| is_alg_none(&c, secret))
            }
            Validator::BasicAuth => basic_auth_ok(secret),
            Validator::SentryOrgToken => sentry_org_token_ok(secret),
            Validator::GrafanaCloudToken => grafana_cloud_token_ok(secret),
            Validator::LaravelSession => laravel_session_ok(secret),
            Validator::GenericSecret => generic_secret_ok(secret),
            Validator::GenericSecretUnquoted => {
                generic_secret_ok(secret) && unquoted_value_ok(secret)
            }
            Validator::UrlUserinfo => url_userinfo_ok(secret),
            Validator::NkeySeed => nkey_seed_ok(secret),
            Validator::GenericTokenValue => {
                generic_secret_ok(secret)
                    && unquoted_value_ok(secret)
                    && secret.iter().any(u8::is_ascii_digit)
                    && secret.iter().any(u8::is_ascii_alphabetic)
            }
        }
    }
}

/// RFC 4648 base32 without padding (what NATS nkeys use).
fn base32_decode(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in text {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        } as u32;
        acc = (acc << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// CRC-16/XMODEM (polynomial 0x1021, initial 0).
fn crc16_xmodem(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in data {
        crc ^= (b as u16) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

fn nkey_seed_ok(secret: &[u8]) -> bool {
    let Some(raw) = base32_decode(secret) else {
        return false;
    };
    // 2 prefix bytes + 32 seed bytes + 2 CRC bytes; the first 5 bits say "seed".
    if raw.len() != 36 || raw[0] >> 3 != 18 {
        return false;
    }
    let (body, sum) = raw.split_at(34);
    crc16_xmodem(body).to_le_bytes() == sum
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Base62 (alphabet `0-9A-Za-z`) of `n`, left-padded with `0` to `width`.
pub fn base62(mut n: u64, width: usize) -> String {
    let mut out = Vec::with_capacity(width);
    while n > 0 {
        out.push(BASE62[(n % 62) as usize]);
        n /= 62;
    }
    while out.len() < width {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).expect("ascii")
}

fn github_crc32_ok(secret: &[u8]) -> bool {
    // prefix_ + body + 6-char checksum; the prefix ends at the first '_'.
    let Some(us) = secret.iter().position(|&b| b == b'_') else {
        return false;
    };
    let rest = &secret[us + 1..];
    if rest.len() < 7 || !rest.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let (body, sum) = rest.split_at(rest.len() - 6);
    base62(crc32fast::hash(body) as u64, 6).as_bytes() == sum
}

/// Builds a GitHub/npm-style token with a valid checksum (for tests and examples).
pub fn github_style_token(prefix: &str, body: &str) -> String {
    format!(
        "{prefix}{body}{}",
        base62(crc32fast::hash(body.as_bytes()) as u64, 6)
    )
}

fn aws_session_token_ok(secret: &[u8]) -> bool {
    const PREFIXES: [&[u8]; 4] = [
        b"IQoJb3JpZ2luX2",
        b"FwoGZXIvYXdz",
        b"FQoGZXIvYXdz",
        b"AQoDYXdz",
    ];
    PREFIXES.iter().any(|p| secret.starts_with(p))
        && secret.len() >= 100
        && secret
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

fn pem_ok(secret: &[u8]) -> bool {
    // PEM inside JSON or YAML strings has escaped newlines ("...\\n...").
    let text = String::from_utf8_lossy(secret)
        .replace("\\r\\n", "\n")
        .replace("\\n", "\n");
    let mut body = String::new();
    for line in text.lines() {
        let line = line
            .trim()
            .trim_matches(|c| c == '"' || c == '\\' || c == ',');
        // Skip armor and RFC 1421 headers ("Proc-Type: ...", "DEK-Info: ...").
        if line.starts_with("-----") || line.contains(':') || line.is_empty() {
            continue;
        }
        body.extend(line.chars().filter(|c| !c.is_whitespace()));
    }
    // Hand-edited or re-wrapped keys often lose padding or a character; what matters
    // is a long run of base64, so decode leniently.
    let mut body: Vec<u8> = body
        .into_bytes()
        .into_iter()
        .filter(|&b| b != b'=')
        .collect();
    if body.len() % 4 == 1 {
        body.pop();
    }
    let lenient = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    match lenient.decode(&body) {
        Ok(bytes) => bytes.len() >= 64,
        Err(_) => false,
    }
}

/// True for an unsecured JWT: header `alg` is `none` (any case) and the signature
/// part is empty.
fn is_alg_none(c: &super::jwt::JwtClaims, secret: &[u8]) -> bool {
    c.alg.eq_ignore_ascii_case("none") && secret.ends_with(b".")
}

/// Decodes standard or URL-safe base64, with or without padding.
fn b64_any(data: &[u8]) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    STANDARD
        .decode(data)
        .or_else(|_| STANDARD_NO_PAD.decode(data))
        .or_else(|_| URL_SAFE.decode(data))
        .or_else(|_| URL_SAFE_NO_PAD.decode(data))
        .ok()
}

fn json_object_with(data: &[u8], keys: &[&str]) -> bool {
    let Some(bytes) = b64_any(data) else {
        return false;
    };
    match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Object(m)) => keys.iter().all(|k| m.contains_key(*k)),
        _ => false,
    }
}

fn atlassian_crc32_ok(secret: &[u8]) -> bool {
    if secret.len() < 16 {
        return false;
    }
    let (head, sum) = secret.split_at(secret.len() - 8);
    let want = format!("{:08X}", crc32fast::hash(head));
    want.as_bytes() == sum
}

/// Builds an Atlassian/Bitbucket token with a valid CRC32 tail (tests, examples).
pub fn atlassian_style_token(head: &str) -> String {
    format!("{head}{:08X}", crc32fast::hash(head.as_bytes()))
}

fn grafana_crc32_ok(secret: &[u8]) -> bool {
    // glsa_ + 32 b62 + _ + 8 hex = 46
    if secret.len() != 46 || secret[37] != b'_' {
        return false;
    }
    let want: String = crc32fast::hash(&secret[..37])
        .to_le_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    want.as_bytes() == &secret[38..]
}

fn discord_snowflake_ok(secret: &[u8]) -> bool {
    let Some(first) = secret.split(|&b| b == b'.').next() else {
        return false;
    };
    match b64_any(first) {
        Some(id) => {
            (17..=20).contains(&id.len()) && id.iter().all(u8::is_ascii_digit) && id[0] != b'0'
        }
        None => false,
    }
}

fn slack_xoxe_ok(secret: &[u8]) -> bool {
    // The body is everything after the last "-1-".
    let Some(pos) = secret.windows(3).rposition(|w| w == b"-1-") else {
        return false;
    };
    let body = &secret[pos + 3..];
    // Decode a whole number of 4-char groups: the tail may be cut mid-group.
    let n = body.len() / 4 * 4;
    let Some(text) = b64_any(&body[..n]) else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(&text) else {
        return false;
    };
    let parts: Vec<&str> = text.split('-').collect();
    (parts.first() == Some(&"2") || parts.first() == Some(&"3"))
        && parts.len() >= 4
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[parts.len() - 1]
            .bytes()
            .all(|b| b.is_ascii_hexdigit())
}

fn pypi_macaroon_ok(secret: &[u8]) -> bool {
    let Some(body) = secret.strip_prefix(b"pypi-") else {
        return false;
    };
    let n = body.len().min(64) / 4 * 4;
    let Some(bytes) = b64_any(&body[..n]) else {
        return false;
    };
    // Macaroon v2: version 2, field type 1 (location), length, location bytes.
    if bytes.len() < 3 || bytes[0] != 2 || bytes[1] != 1 {
        return false;
    }
    let len = bytes[2] as usize;
    bytes.len() >= 3 + len && bytes[3..3 + len].ends_with(b"pypi.org")
}

fn atlassian_dc_pat_ok(secret: &[u8]) -> bool {
    let body = secret.strip_prefix(b"BBDC-").unwrap_or(secret);
    if body.len() != 44 {
        return false;
    }
    let Some(bytes) = b64_any(body) else {
        return false;
    };
    let Some(colon) = bytes.iter().position(|&b| b == b':') else {
        return false;
    };
    (1..=20).contains(&colon)
        && bytes[..colon].iter().all(u8::is_ascii_digit)
        && bytes.len() - colon > 8
}

fn basic_auth_ok(secret: &[u8]) -> bool {
    let Some(bytes) = b64_any(secret) else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return false;
    };
    let Some((user, pass)) = text.split_once(':') else {
        return false;
    };
    let printable = |s: &str| s.chars().all(|c| !c.is_control());
    !pass.trim().is_empty()
        && printable(user)
        && printable(pass)
        && !super::placeholder::is_placeholder(pass.as_bytes())
}

fn sentry_org_token_ok(secret: &[u8]) -> bool {
    let Some(rest) = secret.strip_prefix(b"sntrys_") else {
        return false;
    };
    let Some(us) = rest.iter().rposition(|&b| b == b'_') else {
        return false;
    };
    json_object_with(&rest[..us], &["iat", "url"])
}

fn grafana_cloud_token_ok(secret: &[u8]) -> bool {
    let body = secret.strip_prefix(b"glc_").unwrap_or(secret);
    json_object_with(body, &["o", "n", "k"])
}

fn laravel_session_ok(secret: &[u8]) -> bool {
    // Cookie values are often URL-encoded (`%3D` for `=`).
    let text = String::from_utf8_lossy(secret)
        .replace("%3D", "=")
        .replace("%2F", "/")
        .replace("%2B", "+");
    json_object_with(text.as_bytes(), &["iv", "value", "mac"])
}

/// Values that name a secret instead of being one (compared whole, case-insensitively).
const PLACEHOLDER_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "api_key",
    "changeit",
    "changeme",
    "null",
    "none",
    "nil",
    "true",
    "false",
    "undefined",
    "empty",
    "string",
    "required",
    "optional",
    "default",
    "test",
    "testing",
    "foobar",
    "username",
    "mypassword",
    "yourpassword",
    "secretkey",
    "secret_key",
    "access_token",
    "your_token",
    "mysecret",
    "notasecret",
    "not-a-secret",
    "hidden",
    "pass",
    "pwd",
    "user",
];

fn generic_secret_ok(secret: &[u8]) -> bool {
    let Ok(v) = std::str::from_utf8(secret) else {
        return false;
    };
    let v = v.trim();
    let lower = v.to_ascii_lowercase();
    if PLACEHOLDER_WORDS.contains(&lower.as_str()) {
        return false;
    }
    // Template and variable references: ${X}, {{ x }}, $(cmd), %(x)s, #{x}, $X, %X%, <x>, [x].
    let first = v.as_bytes()[0];
    if matches!(first, b'$' | b'%' | b'{' | b'(' | b'[' | b'!' | b'&' | b'*')
        || (first == b'<' && v.ends_with('>'))
        || has_template_reference(v)
    {
        return false;
    }
    // Paths and URLs are where a secret lives, not the secret.
    if v.starts_with('/')
        || v.starts_with("./")
        || v.starts_with("~/")
        || v.starts_with("../")
        || v.contains("://")
    {
        return false;
    }
    if is_uuid(v) {
        return false;
    }
    // Placeholders, masks and doc examples, except that '<' '>' may occur inside a
    // random value (WordPress salts): only the marker words count here.
    let words: &[&str] = &[
        "example",
        "your",
        "placeholder",
        "changeme",
        "change_me",
        "redacted",
        "dummy",
        "sample",
        "xxxx",
        "****",
        "_here",
        "-here",
        "replace",
        "insert",
        "secret_value",
        "password_here",
        "todo",
        "fixme",
    ];
    if words.iter().any(|w| lower.contains(w)) || base64_of_placeholder_text(v, words) {
        return false;
    }
    if looks_like_identifier_path(v) {
        return false;
    }
    // One repeated symbol or a trivial run (aaaaaa, 123456).
    let mut seen = [false; 256];
    let distinct = v
        .bytes()
        .filter(|&b| !std::mem::replace(&mut seen[b as usize], true))
        .count();
    distinct >= 4 && !is_short_unit_repeated(v.as_bytes())
}

/// `asdfasdfasdfasdf`, `abcdabcdabcd`: a unit of at most four bytes typed over
/// and over (three times or more). A generator never produces one.
fn is_short_unit_repeated(v: &[u8]) -> bool {
    (1..=4).any(|p| v.len() >= 3 * p && (p..v.len()).all(|i| v[i] == v[i - p]))
}

/// A template or interpolation inside a value: `${X}`, `{{ x }}`, `$(cmd)`,
/// `#{x}`, `%(x)s`, each closed and holding a name or an expression made of
/// name characters. A random value may hold `#{` or `${` as two of its bytes
/// (WordPress salts do): that alone is not a reference.
fn has_template_reference(v: &str) -> bool {
    let name_char = |c: u8| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'_' | b'.'
                    | b'-'
                    | b' '
                    | b':'
                    | b'|'
                    | b'\''
                    | b'"'
                    | b'['
                    | b']'
                    | b'@'
                    | b'/'
                    | b'='
            )
    };
    let b = v.as_bytes();
    for (open, close) in [
        (&b"${"[..], &b"}"[..]),
        (b"{{", b"}}"),
        (b"$(", b")"),
        (b"#{", b"}"),
        (b"%(", b")"),
    ] {
        let mut from = 0;
        while let Some(p) = b[from..].windows(open.len()).position(|w| w == open) {
            let body = from + p + open.len();
            if let Some(q) = b[body..]
                .windows(close.len())
                .position(|w| w == close)
                .filter(|&q| q <= 80)
            {
                let inner = &b[body..body + q];
                if inner.iter().all(|&c| name_char(c)) {
                    return true;
                }
            } else if b[body..].iter().all(|&c| name_char(c)) {
                // Cut by the value's closing quote: `'#{config['` of
                // `'#{config['password']}'`.
                return true;
            }
            from = body;
        }
    }
    false
}

/// `user_profile_settings_v2`, `created_at.desc`: lowercase words joined by
/// separators are names, not random secrets.
fn looks_like_identifier_path(v: &str) -> bool {
    let parts: Vec<&str> = v.split(['_', '.', '-', '/', ':']).collect();
    // gitoxide.http.proxyAuthMethod, is_authenticated, CLIENT_TRAFFIC_SECRET
    let alphabetic = |p: &str| !p.is_empty() && p.bytes().all(|c| c.is_ascii_alphabetic());
    let numeric = |p: &str| !p.is_empty() && p.len() <= 3 && p.bytes().all(|c| c.is_ascii_digit());
    if parts.len() >= 2
        && parts.iter().filter(|p| alphabetic(p)).count() >= 2
        && parts.iter().all(|p| alphabetic(p) || numeric(p))
    {
        return true;
    }
    if v.bytes().any(|c| c.is_ascii_uppercase()) {
        return false;
    }
    let words = parts
        .iter()
        .filter(|p| p.len() >= 3 && p.bytes().all(|c| c.is_ascii_lowercase()))
        .count();
    parts.len() >= 2 && words >= 2 && words * 2 >= parts.len()
}

/// Hosts of documentation and local examples: credentials pointing there are
/// illustrations, not leaks.
const EXAMPLE_HOSTS: &[&str] = &[
    "example.com",
    "example.org",
    "example.net",
    "localhost",
    "127.0.0.1",
    "0.0.0.0",
    "example",
];

fn url_userinfo_ok(secret: &[u8]) -> bool {
    // user:password@host; the user may itself contain '@' (an e-mail address).
    let (userinfo, host) = match secret.iter().rposition(|&b| b == b'@') {
        Some(at) => (&secret[..at], &secret[at + 1..]),
        None => (secret, &b""[..]),
    };
    let host = String::from_utf8_lossy(host).to_ascii_lowercase();
    if EXAMPLE_HOSTS
        .iter()
        .any(|h| host == *h || host.ends_with(&format!(".{h}")))
    {
        return false;
    }
    let Some(colon) = userinfo.iter().position(|&b| b == b':') else {
        return false;
    };
    let (user, pass) = (&userinfo[..colon], &userinfo[colon + 1..]);
    !pass.eq_ignore_ascii_case(user) && generic_secret_ok(pass)
}

/// True when `v` is base64 of readable text that says it is a stand-in
/// (`ZHVtbXkgdGV4dA==` is "dummy text").
fn base64_of_placeholder_text(v: &str, words: &[&str]) -> bool {
    if v.len() < 12
        || !v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
    {
        return false;
    }
    let Some(bytes) = b64_any(v.as_bytes()) else {
        return false;
    };
    match std::str::from_utf8(&bytes) {
        Ok(text) if text.chars().all(|c| !c.is_control() || c == '\n') => {
            let lower = text.to_ascii_lowercase();
            words
                .iter()
                .chain(["dummy", "text", "fake", "test"].iter())
                .any(|w| lower.contains(w))
        }
        _ => false,
    }
}

/// True for the canonical 8-4-4-4-12 hex UUID form.
fn is_uuid(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn unquoted_value_ok(secret: &[u8]) -> bool {
    let v = String::from_utf8_lossy(secret);
    // An elided value (`ghp_1234...`, `sk-…`): a log or a doc shortening a
    // token, never the token itself (no credential holds a run of dots).
    if v.contains("...") || v.contains('…') {
        return false;
    }
    // Function calls, dotted identifiers (settings.X, os.environ), ALL_CAPS names.
    if v.contains(['(', ')', '[', ']', '{', '}']) || v.ends_with(':') {
        return false;
    }
    let ident = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
            && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
    };
    if v.contains('.') && v.split('.').all(ident) {
        return false;
    }
    // A name with separators or humps (`user_password`, `dbPassword`,
    // `PROJECT_NAME`) is a reference; a plain word (`hunter`, `Zabbix`) may be the
    // value of a YAML or .env key, which the confidence model weighs.
    let humps = v
        .as_bytes()
        .windows(2)
        .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase());
    if ident(&v) && !v.bytes().any(|c| c.is_ascii_digit()) && (v.contains('_') || humps) {
        return false;
    }
    if v.bytes().all(|c| c.is_ascii_digit()) {
        return false;
    }
    // A YAML tag or a boolean-ish word list is not a secret.
    !v.starts_with('!')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_checksum_roundtrip() {
        let t = github_style_token("ghp_", "tokenhoundFAKEtokenForTests000");
        assert_eq!(t.len(), 40);
        assert!(Validator::GithubCrc32.check(t.as_bytes()));
        let mut bad = t.into_bytes();
        bad[10] = if bad[10] == b'a' { b'b' } else { b'a' };
        assert!(!Validator::GithubCrc32.check(&bad));
    }

    #[test]
    fn base62_pads() {
        assert_eq!(base62(0, 6), "000000");
        assert_eq!(base62(61, 2), "0z");
    }
}

#[cfg(test)]
mod format_tests {
    //! Each validator accepts a fake token built the issuer's way (see
    //! `bench/fake_tokens.py`) and rejects the same token with one byte changed.
    use super::*;

    fn flip(t: &str, at: usize) -> Vec<u8> {
        let mut b = t.as_bytes().to_vec();
        b[at] = if b[at] == b'Q' { b'R' } else { b'Q' };
        b
    }

    #[test]
    fn atlassian_and_bitbucket_crc32() {
        let atatt = "ATATT3xFfGF0C8qsIopIDqnvALk620ekwI_j42rhjcLN-H1BBYv79YDmekWMYJEYe4JjTp1VlL321gsGDOv_aqcImsIUPLJMNEjNLE0eCNr0BvDrYF0VWGYcLK1lQERXreQeQ9l2k5izdMQZpMY_B-qyyvcx0JVyrQkK_l_CLu2OkoJU2X5cQ_Q=AF35556A";
        assert!(Validator::AtlassianCrc32.check(atatt.as_bytes()));
        assert!(!Validator::AtlassianCrc32.check(&flip(atatt, 20)));
        let atbb = "ATBBCgjb9UMeJmp76OtsiUpWBlb0388DE98C";
        assert_eq!(atbb.len(), 36);
        assert!(Validator::AtlassianCrc32.check(atbb.as_bytes()));
        assert!(!Validator::AtlassianCrc32.check(&flip(atbb, 6)));
        let built = atlassian_style_token("ATCTT3xFfGN0tokenhoundFAKE=");
        assert!(Validator::AtlassianCrc32.check(built.as_bytes()));
        // Lowercase hex is not what Atlassian writes.
        assert!(!Validator::AtlassianCrc32.check(built.to_ascii_lowercase().as_bytes()));
    }

    #[test]
    fn grafana_little_endian_crc32() {
        let t = "glsa_KN4k4q3T1soWVJkRSoxpmr3brzjdH68a_52472ddf";
        assert!(Validator::GrafanaCrc32.check(t.as_bytes()));
        assert!(!Validator::GrafanaCrc32.check(&flip(t, 10)));
        // The big-endian rendering of the same CRC is rejected.
        let crc = crc32fast::hash(&t.as_bytes()[..37]);
        let be = format!("{}{:08x}", &t[..38], crc);
        assert!(!Validator::GrafanaCrc32.check(be.as_bytes()));
    }

    #[test]
    fn discord_snowflake() {
        let t = "MTc0MjA1NDY3MDU3MDU4MTExMQ.YFrOCc.iSKRksr5YrCB2NosFG9iXjDxG4u6xq9hoRchF5";
        assert!(Validator::DiscordSnowflake.check(t.as_bytes()));
        // "aGVsbG8gd29ybGQgaGVsbG8" is base64 of text, not of a numeric id.
        assert!(!Validator::DiscordSnowflake
            .check(b"aGVsbG8gd29ybGQgaGVsbG8.YFrOCc.iSKRksr5YrCB2NosFG9iXjDxG4u6xq9hoRc"));
    }

    #[test]
    fn slack_xoxe_structure() {
        let access = "xoxe.xoxp-1-Mi02NTE5NTkxNzAwLTg5ODE3MDE2NzI4MTQtMzM2MDM3OTU3NzMwOS0xMTU4ODM0NjQzOTE5LWM5NzljZTZmOGNjMWY4M2ZlNjkyMzI3ZmIwMzY3YmFjMWVhNzYyODE4YmFmMzY3ZGI2ZDQ5YTk5NzI1ZjIyOWI";
        let refresh = "xoxe-1-My0xLTY5NjI5NDg2OTQtNjQwMDM5Mzc2OTIxMy05NzIzODQxMzI0NDY1LTZiZWM5NmQ3YjU1YTBjMjI2YjlkYTMwMWI2YTFhNjExZDI0NmFhZGJiMjU1NjFjZWNhYzJmYWQ3NDIxYmJhMzQ";
        assert!(Validator::SlackXoxe.check(access.as_bytes()));
        assert!(Validator::SlackXoxe.check(refresh.as_bytes()));
        assert!(
            !Validator::SlackXoxe.check(b"xoxe-1-bm90IGEgc2xhY2sgdG9rZW4gYXQgYWxsLCBqdXN0IHRleHQ")
        );
    }

    #[test]
    fn pypi_macaroon() {
        let t = "pypi-AgEIcHlwaS5vcmcCJblzXeJYL2YrpmCYM_kQNUd4UymCQjTGfYkNZ3NH8TiktLCkZ5XgSPAsh6E0EJGznEkxViIWJ6lfQGXJiZkIho8hCc7IySBAvB-z7CWIYcmNTjVGhaei0-qcN6_4y2nT_7Fwur9jfAWUubLokd08dVcJ323gxQ5sxg";
        assert!(Validator::PypiMacaroon.check(t.as_bytes()));
        // test.pypi.org location
        assert!(Validator::PypiMacaroon.check(b"pypi-AgENdGVzdC5weXBpLm9yZwIlAAAA"));
        // right prefix, wrong location ("pypi.com")
        assert!(!Validator::PypiMacaroon.check(b"pypi-AgEIcHlwaS5jb20CJblzXeJYL2Yr"));
    }

    #[test]
    fn atlassian_dc_pat() {
        assert!(
            Validator::AtlassianDcPat.check(b"BBDC-NTM0MjE3OTMwNjU0Oms/6o2MWIBjx4ubrcd+Z0oRzI2C")
        );
        assert!(Validator::AtlassianDcPat.check(b"OTM3MzIxMTI1NDE0OnRY9vAPIJ/Y4PTC4HtbdC4bNgev"));
        // 44 chars of base64 that is not `<id>:<bytes>`
        assert!(!Validator::AtlassianDcPat.check(b"BBDC-dGhpcyBpcyBub3QgYSB0b2tlbiBhdCBhbGwgb2sh"));
    }

    #[test]
    fn jwt_alg_none_is_its_own_check() {
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let none = format!(
            "{}.{}.",
            e.encode(r#"{"alg":"none"}"#),
            e.encode(r#"{"sub":"x"}"#)
        );
        let signed = format!(
            "{}.{}.c2ln",
            e.encode(r#"{"alg":"HS256"}"#),
            e.encode(r#"{"sub":"x"}"#)
        );
        assert!(Validator::JwtAlgNone.check(none.as_bytes()));
        assert!(!Validator::Jwt.check(none.as_bytes()));
        assert!(Validator::Jwt.check(signed.as_bytes()));
        assert!(!Validator::JwtAlgNone.check(signed.as_bytes()));
    }

    #[test]
    fn nkey_seed_checksum() {
        let seed = b"SUAHI33LMVXGQ33VNZSC2ZTBNNSS23TLMV4S243FMVSC2MBQGAYDAMBTBU";
        assert!(Validator::NkeySeed.check(seed));
        assert!(!Validator::NkeySeed.check(&flip(std::str::from_utf8(seed).unwrap(), 20)));
        // CRC-16/XMODEM check value.
        assert_eq!(crc16_xmodem(b"123456789"), 0x31C3);
        assert!(!Validator::NkeySeed.check(b"SUA"));
    }

    #[test]
    fn template_references_are_closed_names() {
        assert!(has_template_reference("${DB_PASSWORD}"));
        assert!(has_template_reference("pre-{{ vault.token }}"));
        assert!(has_template_reference("#{ENV['SECRET']}"));
        assert!(has_template_reference("%(password)s"));
        assert!(has_template_reference("$(cat /run/secret)"));
        // Two bytes of a random salt, not a reference.
        assert!(!has_template_reference(
            "Ed&1cr+{3T$a+{[8LP~i5-[|Z`x-V>;Di_C/E~Un#{D[-t>yIUZ8YqSu3t"
        ));
        assert!(!has_template_reference("x${not closed!"));
        assert!(has_template_reference("#{config['"));
        assert!(Validator::GenericSecret
            .check(b"Ed&1cr+{3T$a+{[8LP~i5-[|Z`x-V>;Di_C/E~Un#{D[-t>yIUZ8Y"));
        assert!(!Validator::GenericSecret.check(b"#{ENV['SECRET']}x"));
        assert!(!Validator::GenericSecret.check(b"asdfasdfasdfasdfasdfasdf"));
        assert!(Validator::GenericSecret.check(b"asdfqwerzxcvasdf"));
    }

    #[test]
    fn basic_auth() {
        let e = base64::engine::general_purpose::STANDARD;
        assert!(Validator::BasicAuth.check(e.encode("deploy:Zq8kW3mR7tY2vN9p").as_bytes()));
        assert!(!Validator::BasicAuth.check(e.encode("no-colon-here").as_bytes()));
        assert!(!Validator::BasicAuth.check(e.encode("user:").as_bytes()));
        assert!(!Validator::BasicAuth.check(e.encode("user:<password>").as_bytes()));
        assert!(!Validator::BasicAuth.check(b"not base64 at all!"));
    }

    #[test]
    fn generic_secret_filters() {
        for ok in [
            "hunter22x",
            "Zq8kW3mR7tY2",
            "MW1pxMctoyA(>M%0Vl 2(#o0|2$cB+K",
            "admin123",
        ] {
            assert!(Validator::GenericSecret.check(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "${DB_PASSWORD}",
            "{{ .Values.password }}",
            "<password>",
            "password",
            "/run/secrets/db",
            "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
            "YOUR_API_KEY_HERE",
            "********",
            "aaaaaaa",
            "https://example.test/x",
        ] {
            assert!(!Validator::GenericSecret.check(bad.as_bytes()), "{bad}");
        }
        assert!(Validator::GenericSecretUnquoted.check(b"RedisPass1!"));
        assert!(!Validator::GenericSecretUnquoted.check(b"None):"));
        assert!(!Validator::GenericSecretUnquoted.check(b"secret)]/db"));
        // base64 of "dummy text data data data"
        assert!(!Validator::GenericSecret.check(b"ZHVtbXkgdGV4dCBkYXRhIGRhdGEgZGF0YQ=="));
        assert!(Validator::UrlUserinfo.check(b"deploy:Zq8kW3mR7tY2@git.fake-corp.test"));
        assert!(
            Validator::UrlUserinfo.check(b"fake.user@example.test:S3cr3t-Fake!9@git.example.test")
        );
        for bad in [
            "postgres:postgres",
            "user:pass",
            "USERNAME:PASSWORD",
            "app:${DB_PASSWORD}",
            "nopassword",
        ] {
            assert!(!Validator::UrlUserinfo.check(bad.as_bytes()), "{bad}");
        }
        for bad in [
            "settings.GITHUB_API_SECRET",
            "get_password()",
            "PROJECT_NAME_ALIAS",
            "12345678",
            "some_var",
        ] {
            assert!(
                !Validator::GenericSecretUnquoted.check(bad.as_bytes()),
                "{bad}"
            );
        }
    }

    #[test]
    fn json_structured_tokens() {
        let sentry = "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";
        assert!(Validator::SentryOrgToken.check(sentry.as_bytes()));
        assert!(!Validator::SentryOrgToken.check(b"sntrys_eyJub3QiOiJzZW50cnkifQ_abc"));
        let glc = "glc_eyJvIjoiMTIzNDU2NyIsIm4iOiJmYWtlLXBvbGljeSIsImsiOiJSVDFoQkxwaENZQ0t4N2ZIRUdvVjNGVnIiLCJtIjp7InIiOiJwcm9kLXVzLWVhc3QtMCJ9fQ==";
        assert!(Validator::GrafanaCloudToken.check(glc.as_bytes()));
        assert!(!Validator::GrafanaCloudToken.check(b"glc_eyJvIjoiMSJ9"));
        let laravel = "eyJpdiI6ICJhWFptWVd0bCIsICJ2YWx1ZSI6ICJkbUZzZFdWbVlXdGwiLCAibWFjIjogIjBmMGYwZjBmMGYwZjBmMGYwZjBmMGYwZjBmMGYwZjBmMGYwZjBmMGYwZjBmMGYwZjBmMGYwZjBmMGYwZjBmMGYiLCAidGFnIjogIiJ9";
        assert!(Validator::LaravelSession.check(laravel.as_bytes()));
        assert!(!Validator::LaravelSession.check(b"eyJpdiI6ICJhIn0="));
    }
}
