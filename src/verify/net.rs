//! Where a verification request may connect: the special-purpose address ranges
//! a token is never sent to, and a resolver that answers the HTTP client only
//! with addresses that were checked. A host is resolved once per run; the check
//! looks at that answer and the client connects to exactly those addresses for
//! every attempt and retry, so a DNS answer that changes between the check and
//! the connection (DNS rebinding) cannot steer a token to another address.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::sync::{Arc, Mutex};

/// A lookup of a host's addresses for a port.
pub type LookupFn = dyn Fn(&str, u16) -> io::Result<Vec<IpAddr>> + Send + Sync;

/// Looks up a host's addresses: the system resolver, or a stand-in in tests.
#[derive(Clone)]
pub struct Resolve(pub Arc<LookupFn>);

impl Resolve {
    /// The system resolver (getaddrinfo).
    pub fn system() -> Resolve {
        Resolve(Arc::new(|host, port| {
            Ok((host, port).to_socket_addrs()?.map(|a| a.ip()).collect())
        }))
    }
}

impl std::fmt::Debug for Resolve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Resolve(..)")
    }
}

/// True when `v4` lies in `net/len`.
fn in_v4(v4: Ipv4Addr, net: [u8; 4], len: u32) -> bool {
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    u32::from(v4) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

/// True when `v6` lies in `net/len`.
fn in_v6(v6: Ipv6Addr, net: [u16; 8], len: u32) -> bool {
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - len)
    };
    u128::from(v6) & mask == u128::from(Ipv6Addr::from(net)) & mask
}

/// Every range of the IANA IPv4 Special-Purpose Address Registry, plus
/// multicast (224.0.0.0/4). The registry's "globally reachable" ones (AS112,
/// AMT, 192.0.0.9/10) are here too: no issuer's API lives there.
const V4_SPECIAL: &[([u8; 4], u32)] = &[
    ([0, 0, 0, 0], 8),          // "this network"
    ([10, 0, 0, 0], 8),         // private-use
    ([100, 64, 0, 0], 10),      // shared address space (CGNAT)
    ([127, 0, 0, 0], 8),        // loopback
    ([169, 254, 0, 0], 16),     // link-local, cloud metadata (169.254.169.254)
    ([172, 16, 0, 0], 12),      // private-use
    ([192, 0, 0, 0], 24),       // IETF protocol assignments (DS-Lite, NAT64 discovery, …)
    ([192, 0, 2, 0], 24),       // documentation (TEST-NET-1)
    ([192, 31, 196, 0], 24),    // AS112-v4
    ([192, 52, 193, 0], 24),    // AMT
    ([192, 88, 99, 0], 24),     // deprecated 6to4 relay anycast
    ([192, 168, 0, 0], 16),     // private-use
    ([192, 175, 48, 0], 24),    // direct delegation AS112 service
    ([198, 18, 0, 0], 15),      // benchmarking
    ([198, 51, 100, 0], 24),    // documentation (TEST-NET-2)
    ([203, 0, 113, 0], 24),     // documentation (TEST-NET-3)
    ([224, 0, 0, 0], 4),        // multicast
    ([240, 0, 0, 0], 4),        // reserved for future use
    ([255, 255, 255, 255], 32), // limited broadcast (inside 240/4, listed for clarity)
];

/// Every range of the IANA IPv6 Special-Purpose Address Registry, plus the
/// deprecated IPv4-compatible (::/96) and site-local (fec0::/10) ranges and
/// multicast (ff00::/8). IPv4-mapped (::ffff:0:0/96) and 6to4 (2002::/16)
/// addresses are judged by the IPv4 address they carry (see [`is_special`]).
const V6_SPECIAL: &[([u16; 8], u32)] = &[
    ([0, 0, 0, 0, 0, 0, 0, 0], 96), // ::/128, ::1/128 and IPv4-compatible ::/96
    ([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96), // NAT64 well-known prefix
    ([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48), // NAT64 local-use
    ([0x100, 0, 0, 0, 0, 0, 0, 0], 64), // discard-only
    ([0x100, 0, 0, 1, 0, 0, 0, 0], 64), // dummy IPv6 prefix
    ([0x2001, 0, 0, 0, 0, 0, 0, 0], 23), // IETF protocol assignments (Teredo, ORCHID, benchmarking, …)
    ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32), // documentation
    ([0x2620, 0x4f, 0x8000, 0, 0, 0, 0, 0], 48), // direct delegation AS112 service
    ([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20), // documentation
    ([0x5f00, 0, 0, 0, 0, 0, 0, 0], 16), // segment routing SIDs
    ([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7),  // unique local
    ([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10), // link-local
    ([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10), // site-local (deprecated)
    ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8),  // multicast
];

/// True for addresses a token must never be sent to by default: every
/// special-purpose range of the IANA registries (private, loopback, link-local
/// and the cloud metadata address among them), multicast and broadcast.
pub fn is_special(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => V4_SPECIAL.iter().any(|&(net, len)| in_v4(v4, net, len)),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_special(IpAddr::V4(v4));
            }
            if v6.segments()[0] == 0x2002 {
                // 6to4: the next 32 bits are the IPv4 address the packets reach.
                let s = v6.segments();
                let v4 =
                    Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8);
                return is_special(IpAddr::V4(v4));
            }
            V6_SPECIAL.iter().any(|&(net, len)| in_v6(v6, net, len))
        }
    }
}

/// The addresses each `host:port` was checked at, shared with the HTTP client's
/// resolver: it answers only from here, never by a lookup of its own.
#[derive(Debug, Clone, Default)]
pub struct Pins(Arc<Mutex<PinMap>>);

/// (host, port) → the addresses checked for it.
type PinMap = HashMap<(String, u16), Vec<SocketAddr>>;

impl Pins {
    /// The addresses pinned for `host:port`, if it was checked.
    pub fn get(&self, host: &str, port: u16) -> Option<Vec<SocketAddr>> {
        let pins = self.0.lock().unwrap_or_else(|e| e.into_inner());
        pins.get(&(host_key(host), port)).cloned()
    }

    /// Pins `addrs` for `host:port` unless another check pinned it first;
    /// returns what is pinned (either way, checked addresses).
    pub fn pin(&self, host: &str, port: u16, addrs: Vec<SocketAddr>) -> Vec<SocketAddr> {
        let mut pins = self.0.lock().unwrap_or_else(|e| e.into_inner());
        pins.entry((host_key(host), port)).or_insert(addrs).clone()
    }

    /// The resolver the HTTP client uses: `netloc` is `host:port` (IPv6
    /// literals in brackets); a host that was not checked is an error, so
    /// nothing is ever connected to without the check.
    pub fn resolver(&self) -> impl Fn(&str) -> io::Result<Vec<SocketAddr>> + Send + Sync {
        let pins = self.clone();
        move |netloc: &str| {
            let (host, port) = netloc
                .rsplit_once(':')
                .and_then(|(h, p)| Some((h, p.parse::<u16>().ok()?)))
                .ok_or_else(|| io::Error::other("unexpected address form"))?;
            pins.get(host, port).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    "host was not checked by the address policy",
                )
            })
        }
    }
}

/// Hosts compare without brackets, letter case or a trailing dot.
pub fn host_key(host: &str) -> String {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item4_every_special_purpose_range_is_blocked() {
        for a in [
            "0.1.2.3",
            "10.1.2.3",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.8.9.10",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.9",
            "192.0.0.170",
            "192.0.2.1",
            "192.31.196.1",
            "192.52.193.1",
            "192.88.99.1",
            "192.168.1.1",
            "192.175.48.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::127.0.0.1",
            "::8.8.8.8", // IPv4-compatible: deprecated, never used
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::8.8.8.8",
            "64:ff9b:1::1",
            "100::1",
            "100:0:0:1::1",
            "2001::1",
            "2001:2::1",
            "2001:db8::1",
            "2002:7f00:1::1",    // 6to4 of 127.0.0.1
            "2002:a9fe:a9fe::1", // 6to4 of 169.254.169.254
            "2620:4f:8000::1",
            "3fff::1",
            "5f00::1",
            "fd00::1",
            "fc00::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
        ] {
            assert!(is_special(a.parse().unwrap()), "{a} must be blocked");
        }
        for a in [
            "140.82.112.6",
            "8.8.8.8",
            "100.128.0.1",
            "172.32.0.1",
            "198.20.0.1",
            "223.255.255.255",
            "2606:4700::1111",
            "2a00:1450:4001::200e",
            "2002:808:808::1", // 6to4 of 8.8.8.8
            "::ffff:140.82.112.6",
            "2001:200::1", // 2001:200::/23 is outside 2001::/23
        ] {
            assert!(!is_special(a.parse().unwrap()), "{a} is a public address");
        }
    }

    #[test]
    fn the_client_resolver_answers_only_checked_hosts() {
        let pins = Pins::default();
        let r = pins.resolver();
        assert!(r("api.example.test:443").is_err());
        let a: SocketAddr = "127.0.0.1:443".parse().unwrap();
        pins.pin("API.example.test.", 443, vec![a]);
        assert_eq!(r("api.example.test:443").unwrap(), vec![a]);
        assert!(r("api.example.test:80").is_err());
        // The first pin stays.
        let b: SocketAddr = "127.0.0.2:443".parse().unwrap();
        assert_eq!(pins.pin("api.example.test", 443, vec![b]), vec![a]);
        let v6: SocketAddr = "[::1]:8443".parse().unwrap();
        pins.pin("::1", 8443, vec![v6]);
        assert_eq!(r("[::1]:8443").unwrap(), vec![v6]);
    }
}
