//! Where deliveries may go. Unless `webhooks.allow_private_targets` is set, an endpoint's host
//! must be — and resolve only to — public addresses ([`forbidden_address`]): checked when the URL
//! is registered or changed, and again by the resolver every delivery connects through, so a name
//! that later resolves to an internal address (DNS rebinding) reaches nothing. Names are looked up
//! off the async workers (`tokio::net::lookup_host`) and for a bounded time.

use std::{net::SocketAddr, time::Duration};

use peitao_domain::{WebhookHost, WebhookUrl, webhook::forbidden_address};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Why a target is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("host `{host}` does not resolve ({cause})")]
    Unresolved { host: String, cause: String },
    #[error(
        "host `{host}` is or resolves to a {kind} address; webhooks go only to public internet \
         addresses"
    )]
    Forbidden { host: String, kind: &'static str },
}

/// The policy deliveries follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetPolicy {
    /// Loopback, private and link-local addresses allowed (tests, on-premises receivers).
    pub allow_private: bool,
    /// How long a name may take to resolve.
    pub dns_timeout: Duration,
}

/// Checks that `url`'s host is, or resolves within the timeout to, addresses the policy allows.
/// A name must resolve even when private targets are allowed: a typo is caught at once.
pub async fn check(url: &WebhookUrl, policy: TargetPolicy) -> Result<(), TargetError> {
    match url.host() {
        WebhookHost::Ip(ip) => match forbidden_address(*ip) {
            Some(kind) if !policy.allow_private => Err(TargetError::Forbidden {
                host: ip.to_string(),
                kind,
            }),
            _ => Ok(()),
        },
        WebhookHost::Domain(name) => resolve(name, url.port(), policy).await.map(|_| ()),
    }
}

/// The addresses of `host`, every one allowed by the policy, or why not.
pub async fn resolve(
    host: &str,
    port: u16,
    policy: TargetPolicy,
) -> Result<Vec<SocketAddr>, TargetError> {
    let unresolved = |cause: String| TargetError::Unresolved {
        host: host.to_owned(),
        cause,
    };
    let found = tokio::time::timeout(policy.dns_timeout, tokio::net::lookup_host((host, port)))
        .await
        .map_err(|_| {
            unresolved(format!(
                "no answer within {} ms",
                policy.dns_timeout.as_millis()
            ))
        })?
        .map_err(|err| unresolved(err.to_string()))?;
    let addresses: Vec<SocketAddr> = found.collect();
    if addresses.is_empty() {
        return Err(unresolved("no address".to_owned()));
    }
    if !policy.allow_private {
        // One internal address among public ones is enough to refuse: the connection may pick it.
        if let Some(kind) = addresses
            .iter()
            .find_map(|address| forbidden_address(address.ip()))
        {
            return Err(TargetError::Forbidden {
                host: host.to_owned(),
                kind,
            });
        }
    }
    Ok(addresses)
}

/// The resolver deliveries connect through: the policy holds at the moment of connection.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver(pub TargetPolicy);

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            // The port is the URL's; reqwest puts it in place of this one.
            let addresses = resolve(&host, 0, policy).await?;
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict() -> TargetPolicy {
        TargetPolicy {
            allow_private: false,
            dns_timeout: Duration::from_secs(2),
        }
    }

    #[tokio::test]
    async fn internal_targets_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1:9000/hook",
            "http://10.0.0.8/hook",
            "http://[::1]/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://localhost:8080/hook",
            "http://0x7f.1/",
        ] {
            let url = WebhookUrl::parse(url).unwrap();
            assert!(
                matches!(
                    check(&url, strict()).await,
                    Err(TargetError::Forbidden { .. })
                ),
                "{url:?}"
            );
            let open = TargetPolicy {
                allow_private: true,
                ..strict()
            };
            assert_eq!(check(&url, open).await, Ok(()), "{url:?}");
        }
        let public = WebhookUrl::parse("https://203.0.113.7/hook").unwrap();
        assert_eq!(check(&public, strict()).await, Ok(()));
    }
}
