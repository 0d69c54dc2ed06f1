//! What the matching engine reads: every SME's matching facts and every open need, in bulk at
//! start and by id as changes arrive, plus the change log the database's triggers write
//! (`matching_changes`, migration 000011) that other processes follow.
//!
//! Bulk reads go by ranges of organisation ids ([`Store::supplier_matching_rows_between`]), table
//! by table within a range, so a million suppliers load in a few hundred range scans rather than a
//! million small queries, and the caller can feed each range to the index before it reads the
//! next: only one range's rows are ever held. Deals come aggregated by the database, one row per
//! (supplier, lead, category) rather than one per deal.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures_util::TryStreamExt;
use peitao_domain::{
    CategoryCode, CertificationKind, CredentialTier, NeedId, NeedStatus, OrganizationId,
    RegionCode, Visibility,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
    Statement,
};
use time::{Date, OffsetDateTime};

use crate::{
    Store, StoreError,
    entity::{
        capabilities, certifications, credentials, need_invitations, needs, organizations,
        production_sites, supplier_deal_totals, users,
    },
};

/// One SME's facts as stored; the application turns them into the matching engine's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplierMatchingRow {
    pub id: OrganizationId,
    /// Its name, for labelling rankings.
    pub name: String,
    pub verified: bool,
    /// At least one of its users may sign in.
    pub active: bool,
    pub region_code: RegionCode,
    /// Category, unit, annual capacity.
    pub capabilities: Vec<(CategoryCode, String, u64)>,
    /// Units of each category that active deals take.
    pub committed: BTreeMap<CategoryCode, u64>,
    /// Counties of its production sites.
    pub sites: Vec<RegionCode>,
    pub certifications: Vec<(CertificationKind, Date, Date)>,
    pub credentials: Vec<(CredentialTier, Date, Date)>,
    /// Fulfilled deals, how many on time, the sum of quality ratings.
    pub scorecard: (u32, u32, u32),
    /// (lead, category) of the deals it won and did not lose to a cancellation.
    pub supplied: BTreeSet<(OrganizationId, CategoryCode)>,
}

/// A need open for quotes as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedMatchingRow {
    pub id: NeedId,
    pub lead: OrganizationId,
    pub category: CategoryCode,
    /// What is left to award.
    pub remaining: u64,
    pub unit: String,
    pub required_certifications: Vec<CertificationKind>,
    pub deadline: OffsetDateTime,
    pub delivery_region_code: RegionCode,
    pub visibility: Visibility,
    pub invited: Vec<OrganizationId>,
}

/// What a change-log row names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchingSubject {
    Supplier(OrganizationId),
    Need(NeedId),
    /// Categories, chain links or regions: the engine rebuilds.
    Reference,
}

/// A page of the change log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchingChanges {
    /// Row ids read, ascending.
    pub ids: Vec<i64>,
    pub subjects: BTreeSet<MatchingSubject>,
}

/// How many organisation ids a bulk read of SMEs covers at a time.
const SUPPLIER_RANGE: i64 = 25_000;

fn unsigned(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// Which organisations a bulk read covers.
#[derive(Debug, Clone, Copy)]
enum Scope<'a> {
    /// These ids.
    Ids(&'a [i64]),
    /// Ids from the first (inclusive) to the second (exclusive).
    Range(i64, i64),
}

/// Restricts a query to the organisations of `scope`, by the given column.
fn only<E: EntityTrait>(query: Select<E>, column: impl ColumnTrait, scope: Scope<'_>) -> Select<E> {
    match scope {
        Scope::Ids(ids) => query.filter(column.is_in(ids.iter().copied())),
        Scope::Range(from, to) => query.filter(column.gte(from)).filter(column.lt(to)),
    }
}

/// One aggregated row of an SME's deals: supplier, lead, the need's category, units that active
/// deals commit, fulfilled deals, how many of those on time, the sum of their quality ratings.
type DealTotals = (i64, i64, String, i64, i64, i64, i64);

impl Store {
    /// The matching facts of every SME (`None`) or of the given ones; an id that is not an SME is
    /// simply absent from the answer. Sorted by id.
    pub async fn supplier_matching_rows(
        &self,
        ids: Option<&[OrganizationId]>,
    ) -> Result<Vec<SupplierMatchingRow>, StoreError> {
        let mut all = Vec::new();
        match ids {
            None => {
                if let Some((first, last)) = self.supplier_id_bounds().await? {
                    let mut from = first.0;
                    while from <= last.0 {
                        let to = from.saturating_add(SUPPLIER_RANGE);
                        all.extend(self.supplier_rows_batch(Scope::Range(from, to)).await?);
                        from = to;
                    }
                }
            }
            Some(ids) => {
                for chunk in ids.chunks(500) {
                    let raw: Vec<i64> = chunk.iter().map(|id| id.0).collect();
                    all.extend(self.supplier_rows_batch(Scope::Ids(&raw)).await?);
                }
                all.sort_by_key(|row| row.id);
            }
        }
        Ok(all)
    }

    /// The smallest and the largest id of an SME, or `None` when there is none: the span a bulk
    /// load walks by [`Store::supplier_matching_rows_between`].
    pub async fn supplier_id_bounds(
        &self,
    ) -> Result<Option<(OrganizationId, OrganizationId)>, StoreError> {
        let bounds: Option<(Option<i64>, Option<i64>)> = organizations::Entity::find()
            .select_only()
            .column_as(organizations::Column::Id.min(), "first")
            .column_as(organizations::Column::Id.max(), "last")
            .filter(organizations::Column::Kind.eq("sme"))
            .into_tuple()
            .one(&self.db)
            .await?;
        Ok(match bounds {
            Some((Some(first), Some(last))) => Some((OrganizationId(first), OrganizationId(last))),
            _ => None,
        })
    }

    /// The matching facts of the SMEs whose ids lie from `from` (inclusive) to `to` (exclusive),
    /// sorted by id.
    pub async fn supplier_matching_rows_between(
        &self,
        from: OrganizationId,
        to: OrganizationId,
    ) -> Result<Vec<SupplierMatchingRow>, StoreError> {
        self.supplier_rows_batch(Scope::Range(from.0, to.0)).await
    }

    async fn supplier_rows_batch(
        &self,
        ids: Scope<'_>,
    ) -> Result<Vec<SupplierMatchingRow>, StoreError> {
        let db = &self.db;
        let mut rows: HashMap<i64, SupplierMatchingRow> = HashMap::new();
        let mut stream = only(
            organizations::Entity::find(),
            organizations::Column::Id,
            ids,
        )
        .select_only()
        .columns([
            organizations::Column::Id,
            organizations::Column::Name,
            organizations::Column::Verified,
            organizations::Column::RegionCode,
        ])
        .filter(organizations::Column::Kind.eq("sme"))
        .into_tuple::<(i64, String, bool, String)>()
        .stream(db)
        .await?;
        while let Some((id, name, verified, region)) = stream.try_next().await? {
            rows.insert(
                id,
                SupplierMatchingRow {
                    id: OrganizationId(id),
                    name,
                    verified,
                    active: false,
                    region_code: RegionCode::parse(&region)?,
                    capabilities: Vec::new(),
                    committed: BTreeMap::new(),
                    sites: Vec::new(),
                    certifications: Vec::new(),
                    credentials: Vec::new(),
                    scorecard: (0, 0, 0),
                    supplied: BTreeSet::new(),
                },
            );
        }
        drop(stream);

        let mut stream = only(users::Entity::find(), users::Column::OrganizationId, ids)
            .select_only()
            .column(users::Column::OrganizationId)
            .filter(users::Column::OrganizationId.is_not_null())
            .filter(users::Column::DisabledAt.is_null())
            .into_tuple::<Option<i64>>()
            .stream(db)
            .await?;
        while let Some(organization) = stream.try_next().await? {
            if let Some(row) = organization.and_then(|id| rows.get_mut(&id)) {
                row.active = true;
            }
        }
        drop(stream);

        let mut stream = only(
            capabilities::Entity::find(),
            capabilities::Column::OrganizationId,
            ids,
        )
        .select_only()
        .columns([
            capabilities::Column::OrganizationId,
            capabilities::Column::CategoryCode,
            capabilities::Column::Unit,
            capabilities::Column::AnnualCapacity,
        ])
        .into_tuple::<(i64, String, String, i64)>()
        .stream(db)
        .await?;
        while let Some((id, category, unit, capacity)) = stream.try_next().await? {
            if let Some(row) = rows.get_mut(&id) {
                row.capabilities
                    .push((CategoryCode::parse(&category)?, unit, unsigned(capacity)));
            }
        }
        drop(stream);

        let mut stream = only(
            production_sites::Entity::find(),
            production_sites::Column::OrganizationId,
            ids,
        )
        .select_only()
        .columns([
            production_sites::Column::OrganizationId,
            production_sites::Column::RegionCode,
        ])
        .into_tuple::<(i64, String)>()
        .stream(db)
        .await?;
        while let Some((id, region)) = stream.try_next().await? {
            if let Some(row) = rows.get_mut(&id) {
                row.sites.push(RegionCode::parse(&region)?);
            }
        }
        drop(stream);

        let mut stream = only(
            certifications::Entity::find(),
            certifications::Column::OrganizationId,
            ids,
        )
        .select_only()
        .columns([
            certifications::Column::OrganizationId,
            certifications::Column::Kind,
            certifications::Column::ValidFrom,
            certifications::Column::ValidUntil,
        ])
        .into_tuple::<(i64, String, Date, Date)>()
        .stream(db)
        .await?;
        while let Some((id, kind, from, until)) = stream.try_next().await? {
            if let Some(row) = rows.get_mut(&id) {
                row.certifications
                    .push((CertificationKind::parse(&kind)?, from, until));
            }
        }
        drop(stream);

        let mut stream = only(
            credentials::Entity::find(),
            credentials::Column::OrganizationId,
            ids,
        )
        .select_only()
        .columns([
            credentials::Column::OrganizationId,
            credentials::Column::Tier,
            credentials::Column::ValidFrom,
            credentials::Column::ValidUntil,
        ])
        .into_tuple::<(i64, String, Date, Date)>()
        .stream(db)
        .await?;
        while let Some((id, tier, from, until)) = stream.try_next().await? {
            if let Some(row) = rows.get_mut(&id) {
                row.credentials
                    .push((CredentialTier::parse(&tier)?, from, until));
            }
        }
        drop(stream);

        // Deals, as the totals the database keeps per (supplier, lead, the need's category) in
        // `supplier_deal_totals` (migration 000020): active ones commit capacity, fulfilled ones
        // make the scorecard, and every one of either says what the supplier supplies to whom.
        // Cancelled deals count for nothing; a pair with no live deal left is skipped.
        let mut stream = only(
            supplier_deal_totals::Entity::find(),
            supplier_deal_totals::Column::SupplierId,
            ids,
        )
        .select_only()
        .columns([
            supplier_deal_totals::Column::SupplierId,
            supplier_deal_totals::Column::LeadId,
            supplier_deal_totals::Column::CategoryCode,
            supplier_deal_totals::Column::Committed,
            supplier_deal_totals::Column::Fulfilled,
            supplier_deal_totals::Column::OnTime,
            supplier_deal_totals::Column::Quality,
        ])
        .filter(supplier_deal_totals::Column::Live.gt(0))
        .into_tuple::<DealTotals>()
        .stream(db)
        .await?;
        let count = |value: i64| u32::try_from(value).unwrap_or(u32::MAX);
        while let Some((id, lead, category, committed, deals, on_time, quality)) =
            stream.try_next().await?
        {
            let Some(row) = rows.get_mut(&id) else {
                continue;
            };
            let category = CategoryCode::parse(&category)?;
            if committed > 0 {
                *row.committed.entry(category.clone()).or_default() += unsigned(committed);
            }
            let scorecard = &mut row.scorecard;
            scorecard.0 = scorecard.0.saturating_add(count(deals));
            scorecard.1 = scorecard.1.saturating_add(count(on_time));
            scorecard.2 = scorecard.2.saturating_add(count(quality));
            row.supplied.insert((OrganizationId(lead), category));
        }
        drop(stream);

        let mut rows: Vec<SupplierMatchingRow> = rows.into_values().collect();
        for row in &mut rows {
            row.capabilities.sort();
            row.sites.sort();
            row.sites.dedup();
            row.certifications.sort();
            row.credentials.sort();
        }
        rows.sort_by_key(|row| row.id);
        Ok(rows)
    }

    /// Every need open for quotes (`None`), or those of the given ids that are; a need that is not
    /// open is absent from the answer, so the engine drops it.
    pub async fn open_need_matching_rows(
        &self,
        ids: Option<&[NeedId]>,
    ) -> Result<Vec<NeedMatchingRow>, StoreError> {
        let mut all = Vec::new();
        match ids {
            None => all.extend(self.need_rows_batch(None).await?),
            Some(ids) => {
                for chunk in ids.chunks(500) {
                    let raw: Vec<i64> = chunk.iter().map(|id| id.0).collect();
                    all.extend(self.need_rows_batch(Some(&raw)).await?);
                }
            }
        }
        Ok(all)
    }

    async fn need_rows_batch(
        &self,
        ids: Option<&[i64]>,
    ) -> Result<Vec<NeedMatchingRow>, StoreError> {
        let open: Vec<&str> = [NeedStatus::Published, NeedStatus::PartlyAwarded]
            .iter()
            .map(NeedStatus::as_str)
            .collect();
        let mut stored = needs::Entity::find();
        if let Some(ids) = ids {
            stored = stored.filter(needs::Column::Id.is_in(ids.iter().copied()));
        }
        let stored = stored
            .filter(needs::Column::Status.is_in(open))
            .order_by_asc(needs::Column::Id)
            .all(&self.db)
            .await?;
        let invited_ids: Vec<i64> = stored
            .iter()
            .filter(|row| row.visibility == Visibility::Invited.as_str())
            .map(|row| row.id)
            .collect();
        let mut invited: HashMap<i64, Vec<OrganizationId>> = HashMap::new();
        for chunk in invited_ids.chunks(500) {
            for row in need_invitations::Entity::find()
                .filter(need_invitations::Column::NeedId.is_in(chunk.iter().copied()))
                .all(&self.db)
                .await?
            {
                invited
                    .entry(row.need_id)
                    .or_default()
                    .push(OrganizationId(row.supplier_id));
            }
        }
        stored
            .into_iter()
            .map(|row| {
                let kinds: Vec<String> = serde_json::from_str(&row.required_certifications)
                    .map_err(|err| StoreError::Corrupt(err.to_string()))?;
                Ok(NeedMatchingRow {
                    id: NeedId(row.id),
                    lead: OrganizationId(row.organization_id),
                    category: CategoryCode::parse(&row.category_code)?,
                    remaining: unsigned(row.quantity - row.awarded_quantity),
                    unit: row.unit,
                    required_certifications: kinds
                        .iter()
                        .map(|kind| CertificationKind::parse(kind))
                        .collect::<Result<_, _>>()?,
                    deadline: row.response_deadline,
                    delivery_region_code: RegionCode::parse(&row.delivery_region_code)?,
                    visibility: Visibility::parse(&row.visibility)?,
                    invited: invited.remove(&row.id).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Names and counties of organisations, by id, for labelling a ranking; unknown ids are
    /// absent.
    pub async fn organization_labels(
        &self,
        ids: &[OrganizationId],
    ) -> Result<HashMap<OrganizationId, (String, RegionCode)>, StoreError> {
        let mut labels = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let rows: Vec<(i64, String, String)> = organizations::Entity::find()
                .select_only()
                .columns([
                    organizations::Column::Id,
                    organizations::Column::Name,
                    organizations::Column::RegionCode,
                ])
                .filter(organizations::Column::Id.is_in(chunk.iter().map(|id| id.0)))
                .into_tuple()
                .all(&self.db)
                .await?;
            for (id, name, region) in rows {
                labels.insert(OrganizationId(id), (name, RegionCode::parse(&region)?));
            }
        }
        Ok(labels)
    }

    /// Titles and response deadlines of needs, by id, for labelling a ranking.
    pub async fn need_labels(
        &self,
        ids: &[NeedId],
    ) -> Result<HashMap<NeedId, (String, OffsetDateTime)>, StoreError> {
        let mut labels = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let rows: Vec<(i64, String, OffsetDateTime)> = needs::Entity::find()
                .select_only()
                .columns([
                    needs::Column::Id,
                    needs::Column::Title,
                    needs::Column::ResponseDeadline,
                ])
                .filter(needs::Column::Id.is_in(chunk.iter().map(|id| id.0)))
                .into_tuple()
                .all(&self.db)
                .await?;
            for (id, title, deadline) in rows {
                labels.insert(NeedId(id), (title, deadline));
            }
        }
        Ok(labels)
    }

    /// The newest change-log id, or 0: where a freshly built engine starts following.
    pub async fn latest_matching_change(&self) -> Result<i64, StoreError> {
        let backend = self.db.get_database_backend();
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                backend,
                "SELECT COALESCE(MAX(id), 0) FROM matching_changes",
            ))
            .await?;
        Ok(row
            .map(|row| row.try_get_by_index::<i64>(0))
            .transpose()?
            .unwrap_or(0))
    }

    /// Change-log rows after `after`, oldest first, at most `limit`.
    pub async fn matching_changes_after(
        &self,
        after: i64,
        limit: u64,
    ) -> Result<MatchingChanges, StoreError> {
        let backend = self.db.get_database_backend();
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                match backend {
                    sea_orm::DatabaseBackend::Postgres => {
                        "SELECT id, subject, subject_id FROM matching_changes WHERE id > $1 \
                         ORDER BY id LIMIT $2"
                    }
                    _ => {
                        "SELECT id, subject, subject_id FROM matching_changes WHERE id > ? \
                         ORDER BY id LIMIT ?"
                    }
                },
                [
                    after.into(),
                    i64::try_from(limit).unwrap_or(i64::MAX).into(),
                ],
            ))
            .await?;
        let mut changes = MatchingChanges::default();
        for row in rows {
            let id: i64 = row.try_get_by_index(0)?;
            let subject: String = row.try_get_by_index(1)?;
            let subject_id: i64 = row.try_get_by_index(2)?;
            changes.ids.push(id);
            changes.subjects.insert(match subject.as_str() {
                "supplier" => MatchingSubject::Supplier(OrganizationId(subject_id)),
                "need" => MatchingSubject::Need(NeedId(subject_id)),
                _ => MatchingSubject::Reference,
            });
        }
        Ok(changes)
    }

    /// Drops change-log rows older than the newest `keep`: followers that fall further behind
    /// rebuild from scratch.
    pub async fn prune_matching_changes(&self, keep: i64) -> Result<u64, StoreError> {
        let latest = self.latest_matching_change().await?;
        let result = self
            .db
            .execute_raw(Statement::from_string(
                self.db.get_database_backend(),
                format!("DELETE FROM matching_changes WHERE id <= {}", latest - keep),
            ))
            .await?;
        Ok(result.rows_affected())
    }

    /// A connection listening on `channel`, on PostgreSQL; `None` on SQLite, which has no
    /// notifications.
    pub async fn postgres_listener(
        &self,
        channel: &str,
    ) -> Result<Option<sea_orm::sqlx::postgres::PgListener>, StoreError> {
        if self.db.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return Ok(None);
        }
        let unavailable = |err: sea_orm::sqlx::Error| StoreError::Unavailable(err.to_string());
        let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(
            self.db.get_postgres_connection_pool(),
        )
        .await
        .map_err(unavailable)?;
        listener.listen(channel).await.map_err(unavailable)?;
        Ok(Some(listener))
    }

    /// The oldest change-log id still kept, or `None` when the log is empty.
    pub async fn oldest_matching_change(&self) -> Result<Option<i64>, StoreError> {
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                self.db.get_database_backend(),
                "SELECT MIN(id) FROM matching_changes",
            ))
            .await?;
        Ok(row.and_then(|row| row.try_get_by_index::<Option<i64>>(0).ok().flatten()))
    }
}
