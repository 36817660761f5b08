//! Who is asking, as far as the network tells (spec/issuer.md §HTTP surface "Clients"): the
//! peer address of the connection, or — only when that peer is one of the configured trusted
//! proxies — the last address in `X-Forwarded-For` that is not itself a trusted proxy. The
//! address is reduced to its network (IPv4 /32, IPv6 /64: one household or phone) for limits.
//!
//! [`ClientLimiter`] is the per-client rate limit the pages and the API reuse: a keyed GCRA
//! (the `governor` crate) per replica, in memory — per-person counters live in the database
//! (`service::guard`), per-client ones need not be shared.

use super::AppState;
use crate::error::{Error, Result};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

/// The client's network as a limit key: `a.b.c.d` or the IPv6 /64 prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientNetwork(pub String);

impl ClientNetwork {
    /// The network of `ip`.
    pub fn of(ip: IpAddr) -> ClientNetwork {
        match ip {
            IpAddr::V4(v4) => ClientNetwork(v4.to_string()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientNetwork(v4.to_string()),
                None => {
                    let s = v6.segments();
                    ClientNetwork(format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3]))
                }
            },
        }
    }
}

/// The client address of a request, resolved through `trusted` proxies.
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    // Walk X-Forwarded-For from the right: each hop appended the address it saw; the first
    // one not ours is the client. Anything unparsable ends the walk at the last good hop.
    let mut client = peer;
    for hop in forwarded_for.unwrap_or("").rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

impl FromRequestParts<AppState> for ClientNetwork {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<ClientNetwork> {
        // In-process calls (tests) have no connection: they count as loopback.
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let xff = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        Ok(ClientNetwork::of(client_ip(
            peer,
            xff,
            &state.limits.trusted_proxies,
        )))
    }
}

/// A per-client rate limit (requests per minute, with that many in a burst).
pub struct ClientLimiter {
    limiter: RateLimiter<ClientNetwork, DefaultKeyedStateStore<ClientNetwork>, DefaultClock>,
    checks: AtomicU64,
}

impl std::fmt::Debug for ClientLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientLimiter").finish()
    }
}

impl ClientLimiter {
    /// `per_minute` requests per minute per client network.
    pub fn per_minute(per_minute: u32) -> ClientLimiter {
        let n = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        ClientLimiter {
            limiter: RateLimiter::keyed(Quota::per_minute(n)),
            checks: AtomicU64::new(0),
        }
    }

    /// Take one request of `client`'s budget, or `RATE_LIMITED` with the wait.
    pub fn check(&self, client: &ClientNetwork) -> Result<()> {
        // Forget idle clients now and then so the map stays small.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(client).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            Error::RateLimited {
                retry_after: i64::try_from(wait.as_secs()).unwrap_or(60).max(1),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap_or_default()];
        assert_eq!(
            client_ip(ip("203.0.113.9"), Some("198.51.100.1"), &trusted),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_ip(ip("10.1.2.3"), Some("198.51.100.1, 10.9.9.9"), &trusted),
            ip("198.51.100.1")
        );
        // A client cannot hide behind a forged left-most entry.
        assert_eq!(
            client_ip(ip("10.1.2.3"), Some("1.1.1.1, 198.51.100.7"), &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_ip(ip("10.1.2.3"), Some("junk"), &trusted),
            ip("10.1.2.3")
        );
    }

    #[test]
    fn ipv6_clients_count_per_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(
            ClientNetwork::of(ip("2001:db8:1:2:aaaa::1")),
            ClientNetwork::of(ip("2001:db8:1:2:bbbb::2"))
        );
        assert_ne!(
            ClientNetwork::of(ip("2001:db8:1:2::1")),
            ClientNetwork::of(ip("2001:db8:1:3::1"))
        );
        assert_eq!(
            ClientNetwork::of(ip("::ffff:192.0.2.1")).0,
            "192.0.2.1".to_string()
        );
    }

    #[test]
    fn a_client_over_its_budget_is_told_when_to_come_back() {
        let l = ClientLimiter::per_minute(2);
        let a = ClientNetwork("192.0.2.1".into());
        let b = ClientNetwork("192.0.2.2".into());
        assert!(l.check(&a).is_ok() && l.check(&a).is_ok());
        match l.check(&a) {
            Err(Error::RateLimited { retry_after }) => assert!((1..=60).contains(&retry_after)),
            other => panic!("{other:?}"),
        }
        assert!(l.check(&b).is_ok(), "another client is not limited");
    }
}
