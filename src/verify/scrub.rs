//! Keeps a secret out of every text verification prints or stores: an issuer's
//! answer, a header it sent back, a redirect's `Location`. The secret can come
//! back in any encoding the request used, so each is removed: raw,
//! percent-encoded (any mix of escaped and plain bytes, either hex case, as a
//! Telegram bot token's `:` is `%3A` in the URL path), and base64 (standard and
//! URL-safe, at each of the three alignments, as inside `Basic base64(user:secret)`).
//! Network errors are never copied at all (see `transport_error`).

use base64::Engine as _;
use regex::Regex;

/// What stands in for a removed secret.
pub const REDACTED: &str = "[redacted]";

/// The forms of one secret to remove from text.
pub struct Scrubber {
    forms: Option<Regex>,
}

/// Shortest base64 run taken as the secret's (shorter ones occur by chance).
const MIN_BASE64_CORE: usize = 8;

impl Scrubber {
    /// A scrubber for `secret` (secrets under 4 bytes are left alone: such a
    /// short run occurs by chance in any text).
    pub fn new(secret: &str) -> Scrubber {
        if secret.len() < 4 {
            return Scrubber { forms: None };
        }
        let mut alts: Vec<String> = Vec::new();
        // Raw or percent-encoded, byte by byte.
        let mut pct = String::new();
        for b in secret.bytes() {
            let lit = regex::escape(&(b as char).to_string());
            if b.is_ascii() {
                pct.push_str(&format!("(?:{lit}|%(?i:{b:02x}))"));
            } else {
                pct.push_str(&format!("(?:%(?i:{b:02x}))"));
            }
        }
        if secret.is_ascii() {
            alts.push(pct);
        } else {
            alts.push(regex::escape(secret));
            alts.push(pct);
        }
        // Base64 of the secret after 0, 1 or 2 other bytes: the characters
        // that depend on the secret's bytes alone.
        let bytes = secret.as_bytes();
        for align in 0..3usize {
            let mut buf = vec![0u8; align];
            buf.extend_from_slice(bytes);
            let enc = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&buf);
            let start = (8 * align).div_ceil(6);
            let end = (8 * (align + bytes.len())) / 6;
            if end >= start + MIN_BASE64_CORE {
                let core = &enc[start..end];
                alts.push(regex::escape(core));
                let url_safe = core.replace('+', "-").replace('/', "_");
                if url_safe != core {
                    alts.push(regex::escape(&url_safe));
                }
            }
        }
        Scrubber {
            forms: Regex::new(&alts.join("|")).ok(),
        }
    }

    /// `text` with every form of the secret replaced by `[redacted]`.
    pub fn scrub(&self, text: &str) -> String {
        match &self.forms {
            Some(re) => re.replace_all(text, REDACTED).into_owned(),
            None => text.to_string(),
        }
    }

    /// True when `text` holds a form of the secret.
    pub fn found_in(&self, text: &str) -> bool {
        self.forms.as_ref().is_some_and(|re| re.is_match(text))
    }

    /// Copies `fields` (dotted paths) of an issuer's JSON answer into `out`,
    /// strings scrubbed and any other value holding the secret replaced: what
    /// a check's `detail` and a revocation's `answer` keep.
    pub fn keep_fields(
        &self,
        json: &serde_json::Value,
        fields: &[String],
        out: &mut serde_json::Map<String, serde_json::Value>,
    ) {
        use serde_json::Value;
        for field in fields {
            if let Some(v) = super::client::json_path(json, field) {
                let v = match v {
                    Value::String(s) => Value::String(self.scrub(s)),
                    other if self.found_in(&other.to_string()) => Value::String(REDACTED.into()),
                    other => other.clone(),
                };
                out.insert(field.clone(), v);
            }
        }
    }
}

/// What a failed request is recorded as: the kind of failure in fixed words,
/// never the client's error text (which quotes the request URL, and so a token
/// sent in the URL path).
pub fn transport_error(t: &ureq::Transport) -> String {
    use ureq::ErrorKind as K;
    let what = match t.kind() {
        K::Dns => "DNS lookup failed",
        K::ConnectionFailed => "connection failed",
        K::Io => "network error",
        K::BadStatus => "the answer was not HTTP",
        K::BadHeader => "the answer had a malformed header",
        K::TooManyRedirects => "too many redirects",
        K::InvalidUrl | K::UnknownScheme => "the request URL was not valid",
        K::InsecureRequestHttpsOnly => "plain HTTP refused",
        K::InvalidProxyUrl | K::ProxyConnect | K::ProxyUnauthorized => "proxy error",
        K::HTTP => "HTTP error",
    };
    let io_kind = std::error::Error::source(t)
        .and_then(|e| e.downcast_ref::<std::io::Error>())
        .map(|e| e.kind());
    match io_kind {
        Some(k) => format!("{what} ({k})"),
        None => what.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TG: &str = "4373343853:AAl6Z4P13lD6p6Hb9x1W8O8A51aVh6zQRNq";

    #[test]
    fn item2_every_encoding_of_the_secret_is_removed() {
        let s = Scrubber::new(TG);
        let b64 = |prefix: &str| {
            base64::engine::general_purpose::STANDARD.encode(format!("{prefix}{TG}"))
        };
        let url_b64 = |prefix: &str| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{prefix}{TG}"))
        };
        for text in [
            format!("token {TG} is bad"),
            format!("GET /bot{}/getMe failed", TG.replace(':', "%3A")),
            format!("GET /bot{}/getMe failed", TG.replace(':', "%3a")),
            format!(
                "all escaped: {}",
                TG.bytes().map(|b| format!("%{b:02X}")).collect::<String>()
            ),
            format!("Basic {}", b64(":")),
            format!("Basic {}", b64("u:")),
            format!("x {}", b64("")),
            format!("x {}", url_b64("ab")),
        ] {
            let out = s.scrub(&text);
            assert!(out.contains(REDACTED), "{text} -> {out}");
            assert!(!out.contains("AAl6Z4P13lD6p6Hb"), "{text} -> {out}");
            assert!(!out.contains("QUFsNlo0UDEzbEQ2"), "{text} -> {out}");
            assert!(!s.found_in(&out), "{text} -> {out}");
        }
        assert_eq!(s.scrub("nothing here"), "nothing here");
    }
}
