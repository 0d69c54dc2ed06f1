//! Reading the outbox: who sees which events, and how far the outbox can be read safely.
//!
//! Ids come from a sequence, so on PostgreSQL a transaction can take id 41 and commit after
//! another committed 42. A reader that jumped to 42 would never see 41. The [`EventFeed`] keeps a
//! *watermark*: the highest id with no hole below it. Readers only read up to it, so they never
//! skip an event; a hole older than the patience is a rolled-back transaction and is passed.

use std::{
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
    time::{Duration, Instant},
};

use peitao_domain::Role;
use peitao_store::{Event, EventViewer, Store};
use tokio::sync::{Mutex, watch};

use crate::{AppError, needs::Actor};

/// How many ids one refresh reads at most.
const PAGE: u64 = 1_000;

#[derive(Debug)]
struct Holes {
    since: Option<Instant>,
}

/// How far this process may read the outbox, kept current by [`EventFeed::refresh`].
#[derive(Debug)]
pub struct EventFeed {
    watermark: AtomicI64,
    holes: Mutex<Holes>,
    sender: watch::Sender<i64>,
    patience: Duration,
}

impl EventFeed {
    /// Starts at the newest event stored.
    pub async fn start(store: &Store, patience: Duration) -> Result<Arc<Self>, AppError> {
        let mut newest = 0;
        loop {
            let ids = store.event_ids_after(newest, PAGE).await?;
            match ids.last() {
                Some(last) => newest = *last,
                None => break,
            }
        }
        let (sender, _) = watch::channel(newest);
        Ok(Arc::new(Self {
            watermark: AtomicI64::new(newest),
            holes: Mutex::new(Holes { since: None }),
            sender,
            patience,
        }))
    }

    /// The highest id below which every event is readable.
    pub fn watermark(&self) -> i64 {
        self.watermark.load(Ordering::Acquire)
    }

    /// A receiver that changes whenever the watermark moves.
    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.sender.subscribe()
    }

    /// Reads the ids committed since the watermark and moves it over every id with no hole below
    /// it (and over holes older than the patience).
    pub async fn refresh(&self, store: &Store) -> Result<i64, AppError> {
        let mut holes = self.holes.lock().await;
        let mut watermark = self.watermark();
        loop {
            let ids = store.event_ids_after(watermark, PAGE).await?;
            let Some(&last) = ids.last() else {
                holes.since = None;
                break;
            };
            let mut contiguous = watermark;
            for id in &ids {
                if *id == contiguous + 1 {
                    contiguous = *id;
                } else {
                    break;
                }
            }
            if contiguous == last {
                watermark = last;
                holes.since = None;
            } else {
                let since = *holes.since.get_or_insert_with(Instant::now);
                if since.elapsed() >= self.patience {
                    watermark = last;
                    holes.since = None;
                } else {
                    watermark = contiguous;
                    break;
                }
            }
            if ids.len() < usize::try_from(PAGE).unwrap_or(usize::MAX) {
                break;
            }
        }
        if watermark != self.watermark() {
            self.watermark.store(watermark, Ordering::Release);
            self.sender.send_replace(watermark);
        }
        Ok(watermark)
    }

    /// Refreshes every `every`, and on PostgreSQL as soon as `NOTIFY peitao_events` says another
    /// process wrote events, until the process ends; errors are logged and retried.
    pub fn spawn(self: &Arc<Self>, store: Store, every: Duration) -> tokio::task::JoinHandle<()> {
        let feed = Arc::clone(self);
        tokio::spawn(async move {
            let listens = store.backend() == peitao_store::Backend::Postgres;
            let mut listener = None;
            loop {
                if listens && listener.is_none() {
                    match store.postgres_listener("peitao_events").await {
                        Ok(found) => listener = found,
                        Err(err) => tracing::warn!(error = %err, "event feed: no LISTEN; polling"),
                    }
                }
                match listener.as_mut() {
                    Some(connection) => tokio::select! {
                        received = connection.try_recv() => match received {
                            Ok(_) => {}
                            Err(peitao_store::sqlx::Error::PoolClosed) => return,
                            Err(err) => {
                                tracing::warn!(error = %err, "event feed: LISTEN failed");
                                listener = None;
                                tokio::time::sleep(every).await;
                            }
                        },
                        () = tokio::time::sleep(every) => {}
                    },
                    None => tokio::time::sleep(every).await,
                }
                if store.is_closed() {
                    return;
                }
                if let Err(err) = feed.refresh(&store).await {
                    tracing::warn!(error = %err, "event feed: could not read the outbox");
                }
            }
        })
    }
}

/// What `actor` may see of the outbox.
pub fn viewer(actor: &Actor) -> EventViewer {
    match (actor.role, actor.organization, actor.park) {
        (Role::PlatformAdmin, _, _) => EventViewer::Everything,
        (Role::ParkAdmin, _, Some(park)) => EventViewer::Park(park),
        (Role::Lead | Role::Sme, Some(organization), _) => EventViewer::Organization(organization),
        _ => EventViewer::Nothing,
    }
}

/// The events after `after` that `actor` may see, oldest first, at most `limit`, never past the
/// feed's watermark.
pub async fn page(
    store: &Store,
    feed: &EventFeed,
    actor: &Actor,
    after: i64,
    limit: u64,
) -> Result<Vec<Event>, AppError> {
    Ok(store
        .events_for(viewer(actor), after, feed.watermark(), limit)
        .await?)
}
