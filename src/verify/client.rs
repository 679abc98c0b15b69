//! The HTTP client every request that carries a token goes through: liveness
//! checks (`--verify`) and revocations (`tokenhound revoke --yes`) alike, so
//! both obey one host policy (`policy::Targets`) and one address policy
//! (`net`): the issuer's host or one the user named, HTTPS (plain HTTP only to
//! loopback when private targets are allowed), each host resolved once and the
//! connection pinned to the checked addresses, no redirects followed.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::net::{self, Pins, Resolve};
use super::policy::Targets;

/// The flags that name a host and allow private targets, for the command
/// whose requests are judged (reasons tell the user which flag to use).
#[derive(Debug, Clone, Copy)]
pub struct Flags {
    pub host: &'static str,
    pub private: &'static str,
}

impl Flags {
    pub const VERIFY: Flags = Flags {
        host: "--verify-host",
        private: "--verify-allow-private",
    };
    pub const REVOKE: Flags = Flags {
        host: "--revoke-host",
        private: "--revoke-allow-private",
    };
}

/// A client bound to one run's targets. Building one opens nothing: sockets
/// are made only by a request, after [`Client::allowed`] said yes.
pub struct Client {
    agent: ureq::Agent,
    flags: Flags,
    targets: Targets,
    resolver: Resolve,
    /// The checked addresses of each host; the agent connects only to these.
    pins: Pins,
}

impl Client {
    /// A client for `targets`; `purpose` ends the User-Agent (`read-only
    /// liveness check`, `revocation`), so issuers' logs say why we called.
    pub fn new(
        targets: Targets,
        flags: Flags,
        resolver: Resolve,
        timeout: Duration,
        purpose: &str,
    ) -> Client {
        let pins = Pins::default();
        let agent = ureq::AgentBuilder::new()
            .timeout(timeout)
            .resolver(pins.resolver())
            .redirects(0)
            .user_agent(&format!(
                "tokenhound/{} ({purpose})",
                env!("CARGO_PKG_VERSION")
            ))
            .build();
        Client {
            agent,
            flags,
            targets,
            resolver,
            pins,
        }
    }

    pub fn targets(&self) -> &Targets {
        &self.targets
    }

    /// A request; send it only after [`Client::allowed`] accepted its base.
    pub fn request(&self, method: &str, url: &str) -> ureq::Request {
        self.agent.request(method, url)
    }

    /// The full policy for a request to `base`: [`precheck`], then the host's
    /// addresses, looked up once per run and pinned for the client, must not
    /// be special-purpose unless private targets are allowed, and plain HTTP
    /// must reach loopback only.
    pub fn allowed(&self, base: &str, base_trust: Result<(), String>) -> Result<(), Denied> {
        let (scheme, host, port) =
            precheck(&self.targets, self.flags, base, base_trust).map_err(Denied::Refused)?;
        let addrs = match self.pins.get(&host, port) {
            Some(pinned) => pinned,
            None => {
                let ips = (self.resolver.0)(&net::host_key(&host), port)
                    .map_err(|e| Denied::Lookup(format!("cannot resolve {host} ({})", e.kind())))?;
                if ips.is_empty() {
                    return Err(Denied::Lookup(format!("{host} has no address")));
                }
                let checked = ips
                    .into_iter()
                    .map(|ip| SocketAddr::new(ip, port))
                    .collect();
                self.pins.pin(&host, port, checked)
            }
        };
        let ips: Vec<IpAddr> = addrs.iter().map(SocketAddr::ip).collect();
        addresses_allowed(&self.targets, self.flags, &host, scheme, &ips).map_err(Denied::Refused)
    }
}

/// Why a request was not sent: the policy refused its target (`skipped`), or
/// its host name could not be looked up (`unknown`: no verdict either way).
pub enum Denied {
    Refused(String),
    Lookup(String),
}

impl From<&str> for Denied {
    fn from(why: &str) -> Denied {
        Denied::Refused(why.to_string())
    }
}

/// The part of the policy that needs no lookup (a dry run checks only this):
/// the base is a plain URL, its host is the built-in (or the user's own)
/// choice or one the user named, its scheme is HTTPS or HTTP with private
/// targets allowed, and an IP-literal host passes the address rules. Returns
/// the scheme, host and port.
pub fn precheck<'a>(
    targets: &Targets,
    flags: Flags,
    base: &'a str,
    base_trust: Result<(), String>,
) -> Result<(&'a str, String, u16), String> {
    let (scheme, host, port) = url_parts(base).ok_or(
        "the endpoint is not a plain scheme://host[:port][/path] URL (no credentials, query or fragment)",
    )?;
    if let Err(why) = base_trust {
        if !targets.named(&host) {
            return Err(format!(
                "{why}: {host} was not named with {}, so no token is sent there",
                flags.host
            ));
        }
    }
    if !matches!(scheme, "https" | "http") {
        return Err(format!("{scheme}:// is not allowed (HTTPS only)"));
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        addresses_allowed(targets, flags, &host, scheme, &[ip])?;
    } else if scheme == "http" && !targets.allow_private {
        return Err(format!(
            "http:// is not allowed (HTTPS only; plain HTTP only to loopback with {})",
            flags.private
        ));
    }
    Ok((scheme, host, port))
}

/// The address rules for a host's checked addresses.
fn addresses_allowed(
    targets: &Targets,
    flags: Flags,
    host: &str,
    scheme: &str,
    ips: &[IpAddr],
) -> Result<(), String> {
    if ips.iter().any(|ip| net::is_special(*ip)) && !targets.allow_private {
        return Err(format!(
            "{host} resolves to a private, loopback, link-local or other special-purpose address (use {})",
            flags.private
        ));
    }
    match scheme {
        "https" => Ok(()),
        _ if targets.allow_private && ips.iter().all(|ip| ip.is_loopback()) => Ok(()),
        _ => Err(format!(
            "{scheme}:// is not allowed (HTTPS only; plain HTTP only to loopback with {})",
            flags.private
        )),
    }
}

/// Splits a base URL `scheme://host[:port][/path]` into (scheme, host, port).
/// No credentials, query or fragment: a base only names where the API is.
pub(crate) fn url_parts(url: &str) -> Option<(&str, String, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    if rest.contains(['?', '#', '@', '{', '}']) || rest.chars().any(char::is_whitespace) {
        return None;
    }
    let authority = rest.split('/').next()?;
    if authority.is_empty() {
        return None;
    }
    let default_port = if scheme == "https" { 443 } else { 80 };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => {
            if let Ok(port) = p.parse::<u16>() {
                (
                    h.trim_matches(|c| c == '[' || c == ']')
                        .to_ascii_lowercase(),
                    port,
                )
            } else {
                (authority.to_ascii_lowercase(), default_port)
            }
        }
        _ => (authority.to_ascii_lowercase(), default_port),
    };
    Some((scheme, host, port))
}

/// Percent-encodes a secret for use in a URL path, query or form body.
pub(crate) fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The value at a dotted path of a JSON document (`user.username`).
pub(crate) fn json_path<'a>(v: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        assert_eq!(
            url_parts("https://api.github.com/user"),
            Some(("https", "api.github.com".into(), 443))
        );
        assert_eq!(
            url_parts("http://127.0.0.1:8080/x"),
            Some(("http", "127.0.0.1".into(), 8080))
        );
        assert_eq!(
            url_parts("https://[::1]:8443/api"),
            Some(("https", "::1".into(), 8443))
        );
        assert_eq!(url_parts("https://u:p@evil/x"), None);
        assert_eq!(url_parts("https://evil.test/x?y=1"), None);
        assert_eq!(url_parts("https://evil.test#x"), None);
        assert_eq!(url_parts("https:///x"), None);
    }

    #[test]
    fn the_precheck_needs_no_lookup() {
        let f = Flags::REVOKE;
        let t = Targets::default();
        assert!(precheck(&t, f, "https://api.github.com", Ok(())).is_ok());
        assert!(precheck(&t, f, "http://api.github.com", Ok(())).is_err());
        assert!(precheck(&t, f, "https://10.0.0.1", Ok(())).is_err());
        let why = precheck(&t, f, "https://evil.test", Err("tree".into())).unwrap_err();
        assert!(why.contains("--revoke-host"), "{why}");
        let t = Targets {
            allow_private: true,
            named_hosts: vec!["evil.test".into()],
            ..Targets::default()
        };
        assert!(precheck(&t, f, "http://127.0.0.1:9", Ok(())).is_ok());
        assert!(
            precheck(&t, f, "http://10.0.0.1:9", Ok(())).is_err(),
            "plain HTTP to loopback only"
        );
        assert!(precheck(&t, f, "https://evil.test", Err("tree".into())).is_ok());
    }
}
