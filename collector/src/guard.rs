//! What protects the public endpoint: rate limits per source address and per installation
//! (token buckets, from `governor`), the client's address behind trusted proxies, and the
//! bound on what a rejection costs (violations answered and kept).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use axum::http::HeaderMap;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use ipnet::IpNet;
use metrics_core::Violation;
use uuid::Uuid;

/// A token bucket: `per_period` requests each `period`, with bursts of `burst`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// Requests that refill over `period`.
    pub per_period: NonZeroU32,
    /// The period.
    pub period: Duration,
    /// The most requests at once.
    pub burst: NonZeroU32,
}

impl Rate {
    /// `n` per minute, bursts of `burst`.
    pub fn per_minute(n: u32, burst: u32) -> Option<Rate> {
        Self::new(n, Duration::from_secs(60), burst)
    }

    /// `n` per hour, bursts of `burst`.
    pub fn per_hour(n: u32, burst: u32) -> Option<Rate> {
        Self::new(n, Duration::from_secs(3600), burst)
    }

    fn new(n: u32, period: Duration, burst: u32) -> Option<Rate> {
        Some(Rate {
            per_period: NonZeroU32::new(n)?,
            period,
            burst: NonZeroU32::new(burst.max(1))?,
        })
    }

    fn quota(self) -> Quota {
        Quota::with_period(self.period / self.per_period.get())
            .expect("a positive period")
            .allow_burst(self.burst)
    }
}

/// The rate limits of the public endpoint (`None`: no limit of that kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// Per source address, checked before the body is read. A product behind one NAT sends
    /// the checks of all its installations from one address: the default allows 120 per
    /// minute (bursts of 60), about 50,000 installations checking every 8 hours.
    pub per_address: Option<Rate>,
    /// Per installation id, checked once the body is decoded, before it is stored. An
    /// installation checks every 8 hours and retries a few times: the default allows 12
    /// per hour (bursts of 6).
    pub per_installation: Option<Rate>,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            per_address: Rate::per_minute(120, 60),
            per_installation: Rate::per_hour(12, 6),
        }
    }
}

impl RateLimits {
    /// No limits.
    pub fn none() -> Self {
        RateLimits {
            per_address: None,
            per_installation: None,
        }
    }
}

/// The keyed token buckets.
pub(crate) struct Limiters {
    address: Option<DefaultKeyedRateLimiter<IpAddr>>,
    installation: Option<DefaultKeyedRateLimiter<Uuid>>,
}

impl std::fmt::Debug for Limiters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiters")
            .field("address", &self.address.is_some())
            .field("installation", &self.installation.is_some())
            .finish()
    }
}

impl Limiters {
    pub(crate) fn new(limits: RateLimits) -> Self {
        Limiters {
            address: limits.per_address.map(|r| RateLimiter::keyed(r.quota())),
            installation: limits
                .per_installation
                .map(|r| RateLimiter::keyed(r.quota())),
        }
    }

    /// `Err(wait)` when `address` is over its limit.
    pub(crate) fn check_address(&self, address: IpAddr) -> Result<(), Duration> {
        check(self.address.as_ref(), &rate_key(address))
    }

    /// `Err(wait)` when `installation` is over its limit.
    pub(crate) fn check_installation(&self, installation: Uuid) -> Result<(), Duration> {
        check(self.installation.as_ref(), &installation)
    }

    /// Forgets the buckets that are full again, so that memory follows the active keys.
    pub(crate) fn forget_idle(&self) {
        if let Some(limiter) = &self.address {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        if let Some(limiter) = &self.installation {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

fn check<K: std::hash::Hash + Eq + Clone>(
    limiter: Option<&DefaultKeyedRateLimiter<K>>,
    key: &K,
) -> Result<(), Duration> {
    let Some(limiter) = limiter else {
        return Ok(());
    };
    limiter
        .check_key(key)
        .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
}

/// The proxies (load balancers) whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Proxies at these addresses or networks (`10.0.0.0/8`, `192.0.2.7`).
    pub fn new(networks: Vec<IpNet>) -> Self {
        TrustedProxies(networks)
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy; then,
    /// walking `X-Forwarded-For` from the right (the entries the proxies appended), the
    /// first address that is not a trusted proxy. The walk stops at an entry it cannot read
    /// (`unknown`, an obfuscated name): the last trusted hop is then the client, since what
    /// lies left of it was written by the client itself and is not believed.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let entries: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for entry in entries.iter().rev() {
            let Some(address) = parse_forwarded(entry) else {
                return client;
            };
            client = address;
            if !self.trusts(address) {
                return address;
            }
        }
        client
    }
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:443`, `2001:db8::1`,
/// `[2001:db8::1]:443`.
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    if let Ok(address) = entry.parse() {
        return Some(address);
    }
    if let Ok(socket) = entry.parse::<std::net::SocketAddr>() {
        return Some(socket.ip());
    }
    entry
        .strip_prefix('[')
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(address, _)| address.parse().ok())
}

/// The key of an address's rate limit: the address, or for IPv6 its /64 (one subscriber
/// has a whole /64 to pick addresses from).
pub(crate) fn rate_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => {
            let mut octets = v6.octets();
            octets[8..].fill(0);
            IpAddr::from(octets)
        }
    }
}

/// The violations answered and kept for a rejected body of `body_len` bytes: at most `max`,
/// and no more than about twice the body in text, so that neither the response nor the
/// stored row is a large multiple of what was sent. The total is counted apart.
pub(crate) fn bounded(
    mut violations: Vec<Violation>,
    max: usize,
    body_len: usize,
) -> Vec<Violation> {
    let budget = 2 * body_len + 2048;
    let mut used = 0;
    let mut keep = 0;
    for violation in violations.iter().take(max.max(1)) {
        // Each is answered as {"pointer": ..., "rule": ..., "message": ...}.
        let size = violation.pointer.len() + violation.rule.len() + violation.message.len() + 40;
        if keep > 0 && used + size > budget {
            break;
        }
        used += size;
        keep += 1;
    }
    violations.truncate(keep);
    violations
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_trusted_proxies_are_believed() {
        let proxies = TrustedProxies::new(vec!["10.0.0.0/8".parse().unwrap()]);
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "6.6.6.6, 203.0.113.9, 10.1.1.1".parse().unwrap(),
        );
        let peer = |a: &str| a.parse::<IpAddr>().unwrap();
        // From a trusted proxy: the nearest untrusted address (not what the client claimed).
        assert_eq!(
            proxies.client(peer("10.0.0.2"), &headers),
            peer("203.0.113.9")
        );
        // From anyone else: the header is not believed.
        assert_eq!(
            proxies.client(peer("198.51.100.4"), &headers),
            peer("198.51.100.4")
        );
        // No header: the peer.
        assert_eq!(
            proxies.client(peer("10.0.0.2"), &HeaderMap::new()),
            peer("10.0.0.2")
        );
    }

    #[test]
    fn forwarded_entries_are_read_as_proxies_write_them() {
        let proxies = TrustedProxies::new(vec!["10.0.0.0/8".parse().unwrap()]);
        let peer = |a: &str| a.parse::<IpAddr>().unwrap();
        let from = |header: &str| {
            let mut headers = HeaderMap::new();
            headers.insert("x-forwarded-for", header.parse().unwrap());
            proxies.client(peer("10.0.0.2"), &headers)
        };
        // Ports and brackets, as some proxies write them.
        assert_eq!(from("6.6.6.6, 203.0.113.9:5123"), peer("203.0.113.9"));
        assert_eq!(from("6.6.6.6, [2001:db8::7]:443"), peer("2001:db8::7"));
        // An entry that cannot be read stops the walk: what the client wrote is not believed.
        assert_eq!(from("6.6.6.6, unknown, 10.1.1.1"), peer("10.1.1.1"));
        // Only trusted hops: the farthest of them, never an address the client claimed.
        assert_eq!(from("10.9.9.9, 10.1.1.1"), peer("10.9.9.9"));
    }

    #[test]
    fn an_ipv6_subscriber_is_one_key() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(rate_key(a), rate_key(b));
        assert_ne!(rate_key(a), rate_key(c));
    }

    #[test]
    fn a_bucket_refuses_past_its_burst_and_says_how_long_to_wait() {
        let limiters = Limiters::new(RateLimits {
            per_address: Rate::per_minute(60, 3),
            per_installation: None,
        });
        let address: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..3 {
            assert!(limiters.check_address(address).is_ok());
        }
        let wait = limiters.check_address(address).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        // Another address has its own bucket.
        assert!(limiters.check_address("192.0.2.2".parse().unwrap()).is_ok());
        assert!(limiters.check_installation(Uuid::nil()).is_ok());
    }

    #[test]
    fn violations_are_bounded_by_count_and_by_the_body() {
        let many: Vec<Violation> = (0..5000)
            .map(|i| Violation {
                pointer: format!("/k{i}"),
                rule: "additionalProperties",
                message: "unknown field \"k\": not part of update-check 2018.2.2".to_owned(),
            })
            .collect();
        assert_eq!(bounded(many.clone(), 100, 1_000_000).len(), 100);
        let small = bounded(many.clone(), 100, 100);
        let text = serde_json::to_string(&small).unwrap();
        assert!(text.len() <= 2 * 100 + 2048 + 200, "{}", text.len());
        assert!(
            !small.is_empty(),
            "at least one violation is always answered"
        );
    }
}
