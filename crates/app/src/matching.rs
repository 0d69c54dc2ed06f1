//! The matching engine as the application runs it: one in-memory [`MatchIndex`] per process,
//! built from the database at start and kept current by following the change log the database's
//! triggers write (`matching_changes`).
//!
//! - In the process that made a change, the API catches up before it answers the write, so the
//!   next query sees it.
//! - Other processes follow within about a second: PostgreSQL wakes them with `NOTIFY` (a lost
//!   listening connection triggers a full resync), SQLite is polled.
//! - Queries never touch the database for ranking; they read the index under a shared lock.
//! - Beside the index the engine keeps each supplier's name and county ([`SupplierLabel`]), from
//!   the same rows and by the same writes, so a ranking is labelled without a query.
//! - The build reads the suppliers a range of ids at a time and feeds each range to the index
//!   while the next is read, so only two ranges' rows are ever held.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap, VecDeque},
    sync::{Arc, Mutex as SyncMutex, PoisonError, RwLock},
    time::{Duration, Instant},
};

use peitao_domain::{Need, NeedId, OrganizationId, ProvinceCode, RegionCode, Role, Scorecard};
use peitao_matching::{
    Atlas, CapabilityFacts, CertificationFacts, ChainGraph, CredentialFacts, Explanation,
    IndexConfig, MatchIndex, NeedFacts, NeedMatch, RankOptions, SuppliedFacts, SupplierFacts,
    SupplierMatch, TaxonomyTree, Weights,
};
use peitao_store::{MatchingSubject, NeedMatchingRow, Store, SupplierMatchingRow};
use tokio::sync::Mutex;

use crate::{AppError, needs::Actor};

/// How the engine is configured.
#[derive(Debug, Clone, Copy)]
pub struct MatchingSettings {
    pub weights: Weights,
    /// Only verified organisations are matched.
    pub require_verified: bool,
    /// SMEs scoring at least this for a newly published need are told of it.
    pub notify_min_score: f64,
    pub home_province: ProvinceCode,
    /// How often a follower polls the change log (on PostgreSQL, besides `NOTIFY`).
    pub poll: Duration,
    /// How long a hole in the change-log ids may stay open before it is taken for a rolled-back
    /// transaction and skipped.
    pub gap_patience: Duration,
}

/// How far the engine has followed the change log.
#[derive(Debug, Default)]
struct Follow {
    cursor: i64,
    gap_since: Option<Instant>,
}

/// A supplier's name and the county it is registered in, for labelling rankings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplierLabel {
    pub name: Box<str>,
    pub region_code: RegionCode,
}

impl SupplierLabel {
    fn of(row: &SupplierMatchingRow) -> Self {
        Self {
            name: row.name.as_str().into(),
            region_code: row.region_code,
        }
    }
}

/// The index and the labels of the suppliers it holds, changed together.
#[derive(Debug)]
struct Indexed {
    index: MatchIndex,
    labels: HashMap<OrganizationId, SupplierLabel>,
    /// Counts the changes made to the index: a ranking made at one generation holds until the
    /// next.
    generation: u64,
}

/// How many needs' rankings the engine keeps.
const RANKINGS_KEPT: usize = 1_024;

/// The latest ranking of each recently viewed need, all made at one generation of the index. A
/// need viewed again with the same facts and options before anything changes gets the same
/// answer without ranking again; any change to the index empties the table.
#[derive(Debug, Default)]
struct Rankings {
    generation: u64,
    kept: HashMap<NeedId, (NeedFacts, RankOptions, Vec<SupplierMatch>)>,
}

/// The process's matching engine.
pub struct MatchingEngine {
    indexed: RwLock<Indexed>,
    rankings: SyncMutex<Rankings>,
    follow: Mutex<Follow>,
    settings: MatchingSettings,
}

impl std::fmt::Debug for MatchingEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatchingEngine")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// How many change-log rows a follower reads at a time.
const CHANGE_PAGE: u64 = 5_000;
/// How many change-log rows the database keeps.
const CHANGES_KEPT: i64 = 200_000;
/// How many organisation ids the build reads at a time.
pub const BUILD_RANGE: i64 = 25_000;
/// How many ranges a full load reads at once.
const READ_AHEAD: usize = 3;

fn engine_error(err: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("matching engine: {err}"))
}

impl MatchingEngine {
    /// Builds the engine from the database.
    pub async fn build(store: &Store, settings: MatchingSettings) -> Result<Arc<Self>, AppError> {
        Self::build_in_ranges(store, settings, BUILD_RANGE).await
    }

    /// Builds the engine from the database, reading `range` organisation ids at a time (at least
    /// one); the result does not depend on `range`.
    pub async fn build_in_ranges(
        store: &Store,
        settings: MatchingSettings,
        range: i64,
    ) -> Result<Arc<Self>, AppError> {
        settings.weights.validate().map_err(engine_error)?;
        let cursor = store.latest_matching_change().await?;
        let indexed = load(store, &settings, range).await?;
        Ok(Arc::new(Self {
            indexed: RwLock::new(indexed),
            rankings: SyncMutex::new(Rankings::default()),
            follow: Mutex::new(Follow {
                cursor,
                gap_since: None,
            }),
            settings,
        }))
    }

    /// Runs `query` on the index under a shared lock; rankings take well under a millisecond, so
    /// writers wait little.
    pub fn read<T>(&self, query: impl FnOnce(&MatchIndex) -> T) -> T {
        let guard = self.indexed.read().unwrap_or_else(PoisonError::into_inner);
        query(&guard.index)
    }

    /// The labels of these suppliers, in the same order; `None` for one the engine does not hold.
    pub fn labels(&self, suppliers: &[OrganizationId]) -> Vec<Option<SupplierLabel>> {
        let guard = self.indexed.read().unwrap_or_else(PoisonError::into_inner);
        suppliers
            .iter()
            .map(|id| guard.labels.get(id).cloned())
            .collect()
    }

    /// Every label the engine holds, for comparing two engines.
    pub fn labels_snapshot(&self) -> BTreeMap<OrganizationId, SupplierLabel> {
        let guard = self.indexed.read().unwrap_or_else(PoisonError::into_inner);
        guard
            .labels
            .iter()
            .map(|(id, label)| (*id, label.clone()))
            .collect()
    }

    /// The suppliers ranked for need `id`: the need's kept ranking when its facts and the options
    /// are the same and the index has not changed since, else a fresh one, kept.
    pub fn rank_suppliers(
        &self,
        id: NeedId,
        facts: &NeedFacts,
        options: &RankOptions,
    ) -> Vec<SupplierMatch> {
        // The shared lock is held throughout, so no change lands between ranking and keeping.
        let guard = self.indexed.read().unwrap_or_else(PoisonError::into_inner);
        {
            let rankings = self.rankings.lock().unwrap_or_else(PoisonError::into_inner);
            if rankings.generation == guard.generation
                && let Some((kept_facts, kept_options, matches)) = rankings.kept.get(&id)
                && kept_facts == facts
                && kept_options == options
            {
                return matches.clone();
            }
        }
        let matches = guard.index.rank_suppliers(facts, options);
        let mut rankings = self.rankings.lock().unwrap_or_else(PoisonError::into_inner);
        if rankings.generation != guard.generation || rankings.kept.len() >= RANKINGS_KEPT {
            rankings.kept.clear();
            rankings.generation = guard.generation;
        }
        rankings
            .kept
            .insert(id, (facts.clone(), *options, matches.clone()));
        matches
    }

    fn write(&self, change: impl FnOnce(&mut Indexed)) {
        let mut guard = self.indexed.write().unwrap_or_else(PoisonError::into_inner);
        change(&mut guard);
        guard.generation += 1;
    }

    fn replace(&self, mut indexed: Indexed) {
        let mut guard = self.indexed.write().unwrap_or_else(PoisonError::into_inner);
        indexed.generation = guard.generation + 1;
        *guard = indexed;
    }

    /// Rebuilds the whole index from the database, from the change log's current end.
    pub async fn resync(&self, store: &Store) -> Result<(), AppError> {
        let mut follow = self.follow.lock().await;
        self.resync_locked(store, &mut follow).await
    }

    async fn resync_locked(&self, store: &Store, follow: &mut Follow) -> Result<(), AppError> {
        let cursor = store.latest_matching_change().await?;
        let indexed = load(store, &self.settings, BUILD_RANGE).await?;
        self.replace(indexed);
        *follow = Follow {
            cursor,
            gap_since: None,
        };
        Ok(())
    }

    /// Applies every change logged since the last call; returns how many rows it read.
    pub async fn catch_up(&self, store: &Store) -> Result<usize, AppError> {
        let mut follow = self.follow.lock().await;
        let mut read = 0;
        loop {
            if follow.cursor > 0
                && let Some(oldest) = store.oldest_matching_change().await?
                && oldest > follow.cursor + 1
            {
                // The log was pruned past us: nothing but a full rebuild is exact.
                self.resync_locked(store, &mut follow).await?;
                return Ok(read);
            }
            let changes = store
                .matching_changes_after(follow.cursor, CHANGE_PAGE)
                .await?;
            let Some(&last) = changes.ids.last() else {
                follow.gap_since = None;
                return Ok(read);
            };
            read += changes.ids.len();
            if changes.subjects.contains(&MatchingSubject::Reference) {
                self.resync_locked(store, &mut follow).await?;
                return Ok(read);
            }
            self.apply(store, &changes.subjects).await?;
            // Advance over ids with no hole below them. A hole is a transaction that took an id
            // and has not committed yet, or rolled back: wait for it a while, then move on.
            let mut contiguous = follow.cursor;
            for id in &changes.ids {
                if *id == contiguous + 1 {
                    contiguous = *id;
                } else {
                    break;
                }
            }
            if contiguous == last {
                follow.cursor = last;
                follow.gap_since = None;
            } else {
                let since = *follow.gap_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= self.settings.gap_patience {
                    follow.cursor = last;
                    follow.gap_since = None;
                } else {
                    follow.cursor = contiguous;
                    return Ok(read);
                }
            }
            if changes.ids.len() < usize::try_from(CHANGE_PAGE).unwrap_or(usize::MAX) {
                return Ok(read);
            }
        }
    }

    async fn apply(
        &self,
        store: &Store,
        subjects: &BTreeSet<MatchingSubject>,
    ) -> Result<(), AppError> {
        let suppliers: Vec<OrganizationId> = subjects
            .iter()
            .filter_map(|subject| match subject {
                MatchingSubject::Supplier(id) => Some(*id),
                _ => None,
            })
            .collect();
        let needs: Vec<NeedId> = subjects
            .iter()
            .filter_map(|subject| match subject {
                MatchingSubject::Need(id) => Some(*id),
                _ => None,
            })
            .collect();
        let supplier_rows = if suppliers.is_empty() {
            Vec::new()
        } else {
            store.supplier_matching_rows(Some(&suppliers)).await?
        };
        let need_rows = if needs.is_empty() {
            Vec::new()
        } else {
            store.open_need_matching_rows(Some(&needs)).await?
        };
        let mut failure = None;
        self.write(|indexed| {
            for id in &suppliers {
                match supplier_rows.iter().find(|row| row.id == *id) {
                    Some(row) => match indexed.index.upsert_supplier(supplier_facts(row)) {
                        Ok(()) => {
                            indexed.labels.insert(row.id, SupplierLabel::of(row));
                        }
                        Err(err) => failure = Some(engine_error(err)),
                    },
                    None => {
                        indexed.index.remove_supplier(*id);
                        indexed.labels.remove(id);
                    }
                }
            }
            for id in &needs {
                match need_rows.iter().find(|row| row.id == *id) {
                    Some(row) => indexed.index.upsert_need(need_facts(row)),
                    None => {
                        indexed.index.remove_need(*id);
                    }
                }
            }
        });
        failure.map_or(Ok(()), Err)
    }

    /// Follows the change log until the process ends: on PostgreSQL woken by `NOTIFY` on
    /// `peitao_matching` (a full resync whenever the listening connection is lost and comes
    /// back), and polled every `poll` on both engines. Errors are logged and retried.
    pub fn spawn_follower(self: &Arc<Self>, store: Store) -> tokio::task::JoinHandle<()> {
        let engine = Arc::clone(self);
        tokio::spawn(async move {
            let listens = store.backend() == peitao_store::Backend::Postgres;
            let mut listener = None;
            let mut last_prune = Instant::now();
            loop {
                if listens && listener.is_none() {
                    match store.postgres_listener("peitao_matching").await {
                        Ok(found) => listener = found,
                        Err(err) => {
                            tracing::warn!(error = %err, "matching follower: no LISTEN; polling");
                        }
                    }
                }
                let woken = match listener.as_mut() {
                    Some(connection) => {
                        tokio::select! {
                            received = connection.try_recv() => match received {
                                Ok(Some(_)) => Wake::Notified,
                                Ok(None) => Wake::Reconnected,
                                Err(peitao_store::sqlx::Error::PoolClosed) => return,
                                Err(err) => {
                                    tracing::warn!(error = %err, "matching follower: LISTEN failed");
                                    // Let go of the connection; a new one listens next time round.
                                    listener = None;
                                    tokio::time::sleep(engine.settings.poll).await;
                                    Wake::Reconnected
                                }
                            },
                            () = tokio::time::sleep(engine.settings.poll) => Wake::Tick,
                        }
                    }
                    None => {
                        tokio::time::sleep(engine.settings.poll).await;
                        Wake::Tick
                    }
                };
                if store.is_closed() {
                    return;
                }
                let outcome = if woken == Wake::Reconnected {
                    engine.resync(&store).await.map(|()| 0)
                } else {
                    engine.catch_up(&store).await
                };
                if let Err(err) = outcome {
                    tracing::warn!(error = %err, "matching follower: could not catch up");
                }
                if last_prune.elapsed() > Duration::from_secs(600) {
                    last_prune = Instant::now();
                    if let Err(err) = store.prune_matching_changes(CHANGES_KEPT).await {
                        tracing::warn!(error = %err, "matching follower: could not prune");
                    }
                }
            }
        })
    }

    /// The index's canonical contents, for comparing two engines.
    pub fn snapshot(&self) -> peitao_matching::IndexSnapshot {
        self.read(MatchIndex::snapshot)
    }

    /// The settings the engine runs with.
    pub fn settings(&self) -> &MatchingSettings {
        &self.settings
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wake {
    Notified,
    Reconnected,
    Tick,
}

/// Everything the index needs, read from the database: the suppliers `range` ids at a time, each
/// range fed to the index while the next is read.
async fn load(store: &Store, settings: &MatchingSettings, range: i64) -> Result<Indexed, AppError> {
    let mut taxonomy = TaxonomyTree::new();
    let mut chain = ChainGraph::new();
    let parents = store.category_parents().await?;
    for (code, parent) in &parents {
        taxonomy.insert(code.clone(), parent.clone());
        chain.add_category(code.clone());
    }
    for (_, link) in store.all_chain_links().await? {
        chain
            .add_link(&link.upstream, &link.downstream)
            .map_err(engine_error)?;
    }
    if let Some(cycle) = chain.find_cycle() {
        let codes: Vec<&str> = cycle.iter().map(|code| code.as_str()).collect();
        return Err(engine_error(format!(
            "the chain links loop through {}",
            codes.join(", ")
        )));
    }
    let atlas = Atlas::from_regions(&store.counties_with_prefix("").await?);
    let mut config = IndexConfig::new(taxonomy, chain, atlas);
    config.weights = settings.weights;
    config.home_province = settings.home_province;
    config.require_verified = settings.require_verified;
    let mut indexed = Indexed {
        index: MatchIndex::new(config).map_err(engine_error)?,
        labels: HashMap::new(),
        generation: 0,
    };
    if let Some((first, last)) = store.supplier_id_bounds().await? {
        let range = range.max(1);
        let read = |from: i64| {
            let store = store.clone();
            tokio::spawn(async move {
                let to = from.saturating_add(range);
                store
                    .supplier_matching_rows_between(OrganizationId(from), OrganizationId(to))
                    .await
            })
        };
        // Up to READ_AHEAD ranges are read side by side while the one before them is indexed:
        // the database works on several connections, and at most READ_AHEAD + 1 ranges' rows
        // are held at once.
        let mut next = first.0;
        let mut reading = VecDeque::new();
        while next <= last.0 && reading.len() < READ_AHEAD {
            reading.push_back(read(next));
            next = next.saturating_add(range);
        }
        while let Some(pending) = reading.pop_front() {
            let rows = pending.await.map_err(engine_error)??;
            if next <= last.0 {
                reading.push_back(read(next));
                next = next.saturating_add(range);
            }
            indexed.labels.reserve(rows.len());
            for row in rows {
                indexed.labels.insert(row.id, SupplierLabel::of(&row));
                indexed
                    .index
                    .upsert_supplier(into_supplier_facts(row))
                    .map_err(engine_error)?;
            }
        }
    }
    for need in store.open_need_matching_rows(None).await? {
        indexed.index.upsert_need(need_facts(&need));
    }
    indexed.index.shrink_to_fit();
    indexed.labels.shrink_to_fit();
    Ok(indexed)
}

/// The engine's facts of a stored supplier.
pub fn supplier_facts(row: &SupplierMatchingRow) -> SupplierFacts {
    into_supplier_facts(row.clone())
}

/// The engine's facts of a stored supplier, moved out of its row (a bulk load does not copy).
fn into_supplier_facts(row: SupplierMatchingRow) -> SupplierFacts {
    let (fulfilled, on_time, quality) = row.scorecard;
    let committed = row.committed;
    SupplierFacts {
        id: row.id,
        active: row.active,
        verified: row.verified,
        home_county: row.region_code,
        capabilities: row
            .capabilities
            .into_iter()
            .map(|(category, unit, capacity)| CapabilityFacts {
                committed: committed.get(&category).copied().unwrap_or(0),
                category,
                unit,
                annual_capacity: capacity,
            })
            .collect(),
        sites: row.sites,
        certifications: row
            .certifications
            .into_iter()
            .map(|(kind, from, until)| CertificationFacts {
                kind,
                valid_from: from,
                valid_until: until,
            })
            .collect(),
        credentials: row
            .credentials
            .into_iter()
            .map(|(tier, from, until)| CredentialFacts {
                tier,
                valid_from: from,
                valid_until: until,
            })
            .collect(),
        scorecard: Scorecard::from_totals(fulfilled, on_time, quality).unwrap_or_default(),
        supplied: row
            .supplied
            .into_iter()
            .map(|(lead, category)| SuppliedFacts { lead, category })
            .collect(),
    }
}

/// The engine's facts of a stored open need.
pub fn need_facts(row: &NeedMatchingRow) -> NeedFacts {
    NeedFacts {
        id: row.id,
        lead: row.lead,
        category: row.category.clone(),
        quantity: row.remaining,
        unit: row.unit.clone(),
        required_certifications: row.required_certifications.clone(),
        deadline: row.deadline.date(),
        delivery_county: row.delivery_region_code,
        visibility: row.visibility,
        invited: row.invited.clone(),
    }
}

/// The engine's facts of a need as its owner sees it, in whatever state: the remaining quantity,
/// or the whole quantity when nothing remains (a fully awarded need still shows who could make
/// it).
pub fn facts_of(need: &Need) -> NeedFacts {
    let remaining = need.terms.quantity().saturating_sub(need.awarded_quantity);
    NeedFacts {
        id: need.id,
        lead: need.organization_id,
        category: need.terms.category_code().clone(),
        quantity: if remaining == 0 {
            need.terms.quantity()
        } else {
            remaining
        },
        unit: need.terms.unit().to_owned(),
        required_certifications: need.terms.required_certifications().to_vec(),
        deadline: need.terms.response_deadline().date(),
        delivery_county: need.terms.delivery_region_code(),
        visibility: need.terms.visibility(),
        invited: need.terms.invited_supplier_ids().to_vec(),
    }
}

/// The most SMEs told of one newly published need.
pub const NOTIFY_AT_MOST: usize = 1_000;

/// The SMEs to tell of `need` as it is published: those the engine ranks at or above
/// `notify_min_score`, best first, at most [`NOTIFY_AT_MOST`].
pub fn suppliers_to_tell(engine: &MatchingEngine, need: &Need) -> Vec<OrganizationId> {
    let facts = facts_of(need);
    let options = RankOptions {
        limit: NOTIFY_AT_MOST,
        min_score: Some(engine.settings.notify_min_score),
        in_province: None,
    };
    engine.read(|index| {
        index
            .rank_suppliers(&facts, &options)
            .into_iter()
            .map(|found| found.supplier)
            .collect()
    })
}

/// What a caller asks of a ranking.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchQuery {
    pub limit: usize,
    pub min_score: Option<f64>,
    pub in_province: Option<bool>,
}

impl From<MatchQuery> for RankOptions {
    fn from(query: MatchQuery) -> Self {
        RankOptions {
            limit: query.limit,
            min_score: query.min_score,
            in_province: query.in_province,
        }
    }
}

/// The need, to one who may see its matches: its owner, its lead's park administrator and
/// platform administrators. SMEs are refused whatever the id; others who may not see the need
/// get 404.
async fn need_for_matching(
    store: &Store,
    actor: &Actor,
    id: NeedId,
    home: ProvinceCode,
) -> Result<Need, AppError> {
    // Refused before the need is read, so the answer is the same for every id.
    if actor.role == Role::Sme {
        return Err(AppError::Forbidden(
            "matches are the buying side's view; suppliers see their own at \
             /api/v1/suppliers/me/matches"
                .into(),
        ));
    }
    crate::needs::get(store, actor, id, home).await
}

/// Ranked suppliers for a need, each with its score and components.
pub async fn for_need(
    store: &Store,
    engine: &MatchingEngine,
    actor: &Actor,
    id: NeedId,
    query: MatchQuery,
) -> Result<(Need, Vec<SupplierMatch>), AppError> {
    let need = need_for_matching(store, actor, id, engine.settings.home_province).await?;
    let facts = facts_of(&need);
    let matches = engine.rank_suppliers(need.id, &facts, &query.into());
    Ok((need, matches))
}

/// Why one supplier is matched to a need with the score it has, or every filter that keeps it
/// out. A supplier unknown to the engine (not an SME, or no such id) answers 404.
pub async fn explain(
    store: &Store,
    engine: &MatchingEngine,
    actor: &Actor,
    id: NeedId,
    supplier: OrganizationId,
) -> Result<(Need, Explanation), AppError> {
    let need = need_for_matching(store, actor, id, engine.settings.home_province).await?;
    let facts = facts_of(&need);
    match engine.read(|index| index.explain(&facts, supplier)) {
        Explanation::UnknownSupplier => Err(AppError::not_found(format!("supplier {supplier}"))),
        explanation => Ok((need, explanation)),
    }
}

/// The open needs an SME may see and could answer, ranked for it.
pub async fn for_supplier(
    engine: &MatchingEngine,
    actor: &Actor,
    query: MatchQuery,
) -> Result<Vec<NeedMatch>, AppError> {
    let supplier = match (actor.role, actor.organization) {
        (Role::Sme, Some(organization)) => organization,
        _ => {
            return Err(AppError::Forbidden(
                "only SME suppliers have matching needs".into(),
            ));
        }
    };
    Ok(engine.read(|index| index.rank_needs(supplier, &query.into())))
}
