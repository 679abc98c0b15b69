//! Offline JWT decoding: structure check for the `jwt` validator and the claims
//! (`alg`, `iss`, `exp`, …) that tell a responder what the token opens and for how long.

use base64::Engine as _;
use serde_json::{Map, Value};

pub use crate::finding::JwtClaims;

fn b64url_json(part: &[u8]) -> Option<Map<String, Value>> {
    // Tolerate padding, which some encoders add although RFC 7515 forbids it.
    let trimmed: Vec<u8> = part.iter().copied().filter(|&b| b != b'=').collect();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&trimmed)
        .ok()?;
    match serde_json::from_slice::<Value>(&bytes).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

fn int_claim(m: &Map<String, Value>, k: &str) -> Option<i64> {
    match m.get(k)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        _ => None,
    }
}

fn str_claim(m: &Map<String, Value>, k: &str) -> Option<String> {
    m.get(k).and_then(Value::as_str).map(str::to_owned)
}

/// Decodes a compact JWS (`header.payload.signature`); `None` when it is not one.
pub fn decode(token: &[u8]) -> Option<JwtClaims> {
    let mut parts = token.split(|&b| b == b'.');
    let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || h.is_empty() || p.is_empty() {
        return None;
    }
    if !s
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
    {
        return None;
    }
    let header = b64url_json(h)?;
    let payload = b64url_json(p)?;
    let alg = str_claim(&header, "alg")?;
    Some(JwtClaims {
        alg,
        typ: str_claim(&header, "typ"),
        iss: str_claim(&payload, "iss"),
        sub: str_claim(&payload, "sub"),
        aud: payload.get("aud").cloned(),
        exp: int_claim(&payload, "exp"),
        iat: int_claim(&payload, "iat"),
    })
}

/// Tokens valid for at most this long are `short`-lived.
pub const SHORT_LIVED_SECS: i64 = 86_400;

/// How long a JWT is useful to whoever holds it, from its own claims: its
/// validity `exp - iat` (or, without a usable `iat`, what is left of it at
/// `now`); a day or less is `short`, more is `long`, and no `exp` at all is
/// `long` (it lives until its signing key is rotated).
pub fn lifetime(c: &JwtClaims, now: i64) -> crate::finding::Lifetime {
    use crate::finding::Lifetime;
    let Some(exp) = c.exp else {
        return Lifetime::Long;
    };
    let valid_for = match c.iat {
        Some(iat) if iat <= exp => exp.saturating_sub(iat),
        _ => exp.saturating_sub(now),
    };
    if valid_for <= SHORT_LIVED_SECS {
        Lifetime::Short
    } else {
        Lifetime::Long
    }
}

/// Encodes a JWT from JSON header and payload with a fake signature (tests, examples).
pub fn encode_for_tests(header: &Value, payload: &Value, signature: &str) -> String {
    let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.{}",
        e.encode(header.to_string()),
        e.encode(payload.to_string()),
        signature
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_claims() {
        let t = encode_for_tests(
            &json!({"alg":"HS256","typ":"JWT"}),
            &json!({"iss":"https://issuer.example","sub":"fake-user","exp":1700000000,"iat":1690000000}),
            "ZmFrZS1zaWduYXR1cmUtZm9yLXRlc3Rz",
        );
        let c = decode(t.as_bytes()).unwrap();
        assert_eq!(c.alg, "HS256");
        assert_eq!(c.exp, Some(1_700_000_000));
        assert_eq!(c.iss.as_deref(), Some("https://issuer.example"));
    }

    #[test]
    fn rejects_non_jwt() {
        assert!(decode(b"abc.def.ghi").is_none());
        assert!(decode(b"eyJhbGciOiJIUzI1NiJ9").is_none());
        // Header without alg.
        let t = encode_for_tests(&json!({"typ":"JWT"}), &json!({"a":1}), "sig");
        assert!(decode(t.as_bytes()).is_none());
    }

    #[test]
    fn lifetime_from_the_claims() {
        use crate::finding::Lifetime;
        let now = 1_800_000_000;
        let c = |exp: Option<i64>, iat: Option<i64>| JwtClaims {
            alg: "HS256".into(),
            exp,
            iat,
            ..JwtClaims::default()
        };
        const YEAR: i64 = 365 * 86_400;
        // Valid for 1 or 10 years: long, whether or not it has expired since.
        assert_eq!(
            lifetime(&c(Some(now + YEAR), Some(now)), now),
            Lifetime::Long
        );
        assert_eq!(
            lifetime(&c(Some(now - 1), Some(now - 10 * YEAR)), now),
            Lifetime::Long
        );
        // No exp: long. A day or less: short.
        assert_eq!(lifetime(&c(None, Some(now)), now), Lifetime::Long);
        assert_eq!(
            lifetime(&c(Some(now + 3600), Some(now)), now),
            Lifetime::Short
        );
        assert_eq!(
            lifetime(&c(Some(now + 86_400), Some(now)), now),
            Lifetime::Short
        );
        // No iat (or one after exp): what is left of it now.
        assert_eq!(
            lifetime(&c(Some(now + 2 * YEAR), None), now),
            Lifetime::Long
        );
        assert_eq!(lifetime(&c(Some(now + 600), None), now), Lifetime::Short);
        assert_eq!(
            lifetime(&c(Some(now + 600), Some(now + 9_999)), now),
            Lifetime::Short
        );
    }

    #[test]
    fn alg_none_has_empty_signature() {
        let t = encode_for_tests(&json!({"alg":"none"}), &json!({"sub":"x"}), "");
        assert_eq!(decode(t.as_bytes()).unwrap().alg, "none");
    }
}
