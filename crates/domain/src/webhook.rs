//! Webhooks: an organisation's endpoints, the events each subscribes to, and the deliveries made
//! to them. A URL is parsed once into a [`WebhookUrl`] (http or https, a host, no user
//! information); whether its host is an address the service may call is [`forbidden_address`]'s
//! to say, here, so the same rule guards registration and every delivery.

use std::{
    fmt,
    net::{IpAddr, Ipv4Addr, Ipv6Addr},
    sync::LazyLock,
};

use regex::Regex;
use time::OffsetDateTime;

use crate::{DomainError, EventKind, OrganizationId, shown};

/// The most endpoints one organisation may register.
pub const MAX_ENDPOINTS: usize = 20;
/// The longest URL accepted, in characters.
pub const MAX_URL_LEN: usize = 2048;
/// The most event types one endpoint subscribes to: each kind once.
pub const MAX_EVENT_TYPES: usize = EventKind::ALL.len();

/// An endpoint URL: `http` or `https`, a host name or an IP address (IPv6 in brackets), an
/// optional port, then a path and query of the characters RFC 3986 allows, percent-escapes
/// complete. No user information, no fragment. The OpenAPI document publishes this very pattern.
pub const WEBHOOK_URL_PATTERN: &str = concat!(
    r"^https?://",
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*",
    r"|\[[0-9A-Fa-f:.]{2,45}\])",
    r"(?::[0-9]{1,5})?",
    r"(?:/(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})*)?",
    r"(?:\?(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?$"
);

static WEBHOOK_URL: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(WEBHOOK_URL_PATTERN).ok());

/// The id of a webhook endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WebhookEndpointId(pub i64);

impl fmt::Display for WebhookEndpointId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The id of one delivery: one event to one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WebhookDeliveryId(pub i64);

impl fmt::Display for WebhookDeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where an endpoint's host lies, once its name is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookHost {
    /// An IP address written in the URL: nothing to look up.
    Ip(IpAddr),
    /// A name the resolver turns into addresses.
    Domain(String),
}

/// A checked endpoint URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl {
    /// As sent, which is how it is stored and shown.
    raw: String,
    host: WebhookHost,
    port: u16,
}

impl WebhookUrl {
    /// Checks the URL against [`WEBHOOK_URL_PATTERN`] and [`MAX_URL_LEN`], then reads its host as
    /// a WHATWG URL parser (the one deliveries use) does: `http://0x7f.1/` is the IPv4 address
    /// 127.0.0.1, not a name.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let invalid = |problem: &str| DomainError::InvalidWebhook {
            field: "url",
            problem: format!("`{}` {problem}", shown(raw)),
        };
        if raw.chars().count() > MAX_URL_LEN {
            return Err(invalid(&format!("is longer than {MAX_URL_LEN} characters")));
        }
        if !WEBHOOK_URL
            .as_ref()
            .is_some_and(|pattern| pattern.is_match(raw))
        {
            return Err(invalid(
                "is not an http or https URL with a host, without user information or fragment, \
                 in the characters RFC 3986 allows",
            ));
        }
        let parsed =
            url::Url::parse(raw).map_err(|err| invalid(&format!("does not parse: {err}")))?;
        let host = match parsed.host() {
            Some(url::Host::Ipv4(ip)) => WebhookHost::Ip(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => WebhookHost::Ip(IpAddr::V6(ip)),
            Some(url::Host::Domain(name)) => WebhookHost::Domain(name.to_owned()),
            None => return Err(invalid("has no host")),
        };
        let port = parsed
            .port_or_known_default()
            .ok_or_else(|| invalid("has no port"))?;
        Ok(Self {
            raw: raw.to_owned(),
            host,
            port,
        })
    }

    /// The URL as sent.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    pub fn host(&self) -> &WebhookHost {
        &self.host
    }

    /// The port, 80 or 443 when the URL names none.
    pub fn port(&self) -> u16 {
        self.port
    }
}

/// Why an address may not receive deliveries, or `None` for a public one. Loopback, private,
/// shared (carrier-grade NAT), link-local, unspecified, multicast, broadcast and reserved ranges
/// are refused, and so is an IPv6 address that embeds such an IPv4 one (mapped, compatible,
/// NAT64, 6to4): each reaches the service's own machine or network instead of a receiver on the
/// internet (server-side request forgery).
pub fn forbidden_address(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(ip) => forbidden_v4(ip),
        IpAddr::V6(ip) => forbidden_v6(ip),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if a == 0 {
        Some("unspecified")
    } else if ip.is_private() {
        Some("private")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared (carrier-grade NAT)")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if ip.is_broadcast() {
        Some("broadcast")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if a >= 240 || (a == 192 && b == 0 && c == 0) || (a == 198 && (b & 0xfe) == 18) {
        Some("reserved")
    } else {
        None
    }
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let segments = ip.segments();
    let embedded_v4 = |high: u16, low: u16| {
        let [a, b] = high.to_be_bytes();
        let [c, d] = low.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if let Some(v4) = ip.to_ipv4_mapped() {
        forbidden_v4(v4)
    } else if segments[..6] == [0; 6] {
        // IPv4-compatible (deprecated): ::a.b.c.d
        forbidden_v4(embedded_v4(segments[6], segments[7]))
    } else if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        // NAT64: 64:ff9b::a.b.c.d reaches the IPv4 address it embeds.
        forbidden_v4(embedded_v4(segments[6], segments[7]))
    } else if segments[0] == 0x64 && segments[1] == 0xff9b && segments[2] == 1 {
        Some("private")
    } else if segments[0] == 0x2002 {
        // 6to4: 2002:aabb:ccdd::/48 reaches a.b.c.d.
        forbidden_v4(embedded_v4(segments[1], segments[2]))
    } else if ip.is_unique_local() || (segments[0] & 0xffc0) == 0xfec0 {
        Some("private")
    } else if ip.is_unicast_link_local() {
        Some("link-local")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if segments[..4] == [0x100, 0, 0, 0] {
        Some("reserved")
    } else {
        None
    }
}

/// The event types an endpoint subscribes to: at least one, each a known kind, each once; kept in
/// the order sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTypes(Vec<EventKind>);

impl EventTypes {
    /// Checks a list as sent.
    pub fn parse<S: AsRef<str>>(raw: &[S]) -> Result<Self, DomainError> {
        let invalid = |problem: String| DomainError::InvalidWebhook {
            field: "event_types",
            problem,
        };
        if raw.is_empty() {
            return Err(invalid("must name at least one event type".to_owned()));
        }
        if raw.len() > MAX_EVENT_TYPES {
            return Err(invalid(format!(
                "may name at most {MAX_EVENT_TYPES} event types, each once"
            )));
        }
        let mut kinds = Vec::with_capacity(raw.len());
        for (index, name) in raw.iter().enumerate() {
            let kind = EventKind::parse(name.as_ref()).map_err(|_| {
                invalid(format!(
                    "[{index}] `{}` is not an event type; the types are {}",
                    shown(name.as_ref()),
                    EventKind::ALL.map(EventKind::as_str).join(", ")
                ))
            })?;
            if kinds.contains(&kind) {
                return Err(invalid(format!("[{index}] `{kind}` is listed twice")));
            }
            kinds.push(kind);
        }
        Ok(Self(kinds))
    }

    /// Whether an event of `kind` goes to the endpoint.
    pub fn contains(&self, kind: EventKind) -> bool {
        self.0.contains(&kind)
    }

    pub fn kinds(&self) -> &[EventKind] {
        &self.0
    }

    /// The names, in the order sent.
    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|kind| kind.as_str()).collect()
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Not yet made: due at `next_attempt_at`.
    Pending,
    /// A receiver answered 2xx.
    Delivered,
    /// Every attempt of the schedule failed.
    Failed,
}

impl DeliveryStatus {
    pub const ALL: [Self; 3] = [Self::Pending, Self::Delivered, Self::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == raw)
            .ok_or_else(|| DomainError::InvalidWebhook {
                field: "delivery status",
                problem: format!("`{}` is not one of pending, delivered, failed", shown(raw)),
            })
    }
}

/// A stored endpoint. Its signing secret is not part of it: it is shown once, when created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    pub id: WebhookEndpointId,
    pub organization_id: OrganizationId,
    pub url: String,
    pub event_types: EventTypes,
    pub enabled: bool,
    pub disabled_at: Option<OffsetDateTime>,
    pub disabled_reason: Option<String>,
    /// Deliveries in a row whose every attempt failed; a success starts it again at 0.
    pub consecutive_failures: u32,
    pub version: i32,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// One event's delivery to one endpoint, with its latest attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    pub id: WebhookDeliveryId,
    pub endpoint_id: WebhookEndpointId,
    pub event_id: i64,
    pub event_kind: EventKind,
    pub status: DeliveryStatus,
    pub attempts: u32,
    /// When the next attempt is due, for a pending delivery.
    pub next_attempt_at: Option<OffsetDateTime>,
    pub last_attempt_at: Option<OffsetDateTime>,
    pub last_status_code: Option<u16>,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
    pub delivered_at: Option<OffsetDateTime>,
}

/// The `webhook-id` of every attempt to deliver event `event_id`: the same for retries and
/// re-sends, so a receiver drops what it has already seen.
pub fn message_id(event_id: i64) -> String {
    format!("evt_{event_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(raw: &str) -> IpAddr {
        raw.parse().unwrap()
    }

    #[test]
    fn urls_are_http_or_https_with_a_host_and_nothing_hidden() {
        for good in [
            "https://erp.example.com/peitao/hooks",
            "http://203.0.113.7:8080/in?source=peitao&x=%20y",
            "https://[2001:db8::1]/hooks",
            "https://localhost",
        ] {
            assert!(WebhookUrl::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "ftp://example.com/",
            "https://user:pass@example.com/",
            "https://example.com/#fragment",
            "https://example.com/a b",
            "https://exa_mple.com/",
            "https://example.com/%zz",
            "https://example.com:99999/",
            "https://256.1.1.1/",
            "HTTPS://example.com/",
            "https:///path",
            "javascript:alert(1)",
        ] {
            assert!(WebhookUrl::parse(bad).is_err(), "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert!(WebhookUrl::parse(&long).is_err());
    }

    #[test]
    fn a_host_reads_as_the_delivering_parser_reads_it() {
        let url = WebhookUrl::parse("http://0x7f.1/").unwrap();
        assert_eq!(url.host(), &WebhookHost::Ip(ip("127.0.0.1")));
        assert_eq!(url.port(), 80);
        let url = WebhookUrl::parse("https://Hooks.Example.com:8443/x").unwrap();
        assert_eq!(url.host(), &WebhookHost::Domain("hooks.example.com".into()));
        assert_eq!(url.port(), 8443);
        assert_eq!(url.as_str(), "https://Hooks.Example.com:8443/x");
    }

    #[test]
    fn internal_addresses_are_refused_and_public_ones_allowed() {
        for internal in [
            "127.0.0.1",
            "127.8.9.10",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "169.254.169.254",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::10.0.0.1",
            "64:ff9b::a00:1",
            "2002:7f00:1::",
        ] {
            assert!(forbidden_address(ip(internal)).is_some(), "{internal}");
        }
        for public in [
            "8.8.8.8",
            "203.0.113.7",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert_eq!(forbidden_address(ip(public)), None, "{public}");
        }
    }

    #[test]
    fn event_types_are_known_and_each_once() {
        let types = EventTypes::parse(&["quote.submitted", "deal.created"]).unwrap();
        assert!(types.contains(EventKind::QuoteSubmitted));
        assert!(!types.contains(EventKind::NeedPublished));
        assert_eq!(types.names(), ["quote.submitted", "deal.created"]);
        assert!(EventTypes::parse::<&str>(&[]).is_err());
        assert!(EventTypes::parse(&["quote.submitted", "quote.submitted"]).is_err());
        assert!(EventTypes::parse(&["quote.eaten"]).is_err());
        assert!(EventTypes::parse(&EventKind::ALL.map(EventKind::as_str)).is_ok());
    }
}
