//! The kinds of events the outbox reports, named `resource.verb`. This is the one list: the store
//! writes only these, a webhook subscribes to some of them, and the API document enumerates them.

use std::fmt;

use crate::{DomainError, QuoteStatus};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    NeedPublished,
    NeedClosed,
    NeedExpired,
    NeedCancelled,
    NeedFulfilled,
    QuoteSubmitted,
    QuoteWithdrawn,
    QuoteShortlisted,
    QuoteRejected,
    DealCreated,
    DealFulfilled,
    DealCancelled,
    OrganizationVerified,
    /// An organisation's webhook endpoint was disabled after repeated failures.
    WebhookDisabled,
}

impl EventKind {
    /// Every kind, in the order the documentation lists them.
    pub const ALL: [Self; 14] = [
        Self::NeedPublished,
        Self::NeedClosed,
        Self::NeedExpired,
        Self::NeedCancelled,
        Self::NeedFulfilled,
        Self::QuoteSubmitted,
        Self::QuoteWithdrawn,
        Self::QuoteShortlisted,
        Self::QuoteRejected,
        Self::DealCreated,
        Self::DealFulfilled,
        Self::DealCancelled,
        Self::OrganizationVerified,
        Self::WebhookDisabled,
    ];

    /// The name events carry as their `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NeedPublished => "need.published",
            Self::NeedClosed => "need.closed",
            Self::NeedExpired => "need.expired",
            Self::NeedCancelled => "need.cancelled",
            Self::NeedFulfilled => "need.fulfilled",
            Self::QuoteSubmitted => "quote.submitted",
            Self::QuoteWithdrawn => "quote.withdrawn",
            Self::QuoteShortlisted => "quote.shortlisted",
            Self::QuoteRejected => "quote.rejected",
            Self::DealCreated => "deal.created",
            Self::DealFulfilled => "deal.fulfilled",
            Self::DealCancelled => "deal.cancelled",
            Self::OrganizationVerified => "organization.verified",
            Self::WebhookDisabled => "webhook.disabled",
        }
    }

    /// Reads a kind by its name.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == raw)
            .ok_or_else(|| DomainError::InvalidEventKind(crate::shown(raw)))
    }

    /// The event of a quote moved to `status` by its supplier or the buyer; `None` for the moves
    /// told otherwise (a submission has its own event, an award is told as `deal.created`).
    pub fn of_quote_decision(status: QuoteStatus) -> Option<Self> {
        match status {
            QuoteStatus::Withdrawn => Some(Self::QuoteWithdrawn),
            QuoteStatus::Shortlisted => Some(Self::QuoteShortlisted),
            QuoteStatus::Rejected => Some(Self::QuoteRejected),
            QuoteStatus::Submitted | QuoteStatus::Awarded => None,
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_by_its_name_and_names_are_resource_dot_verb() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()).unwrap(), kind);
            let (resource, verb) = kind.as_str().split_once('.').unwrap();
            assert!(!resource.is_empty() && !verb.is_empty() && !verb.contains('.'));
        }
        let mut names: Vec<_> = EventKind::ALL.iter().map(|kind| kind.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EventKind::ALL.len());
        assert!(EventKind::parse("quote.awarded").is_err());
        assert!(EventKind::parse("*").is_err());
    }
}
