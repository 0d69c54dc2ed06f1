//! Needs and their history. Every state-changing method is one transaction that also writes the
//! history row, and changes the need only if it is still in the state (and version) the caller
//! read: `UPDATE … WHERE id = ? AND status = ? AND version = ?`, then `rows_affected`.

use peitao_domain::{
    CategoryCode, EventKind, Need, NeedEvent, NeedId, NeedStatus, NeedTerms, NeedTermsInput,
    OrganizationId, ParkId, RegionCode, UserId, Visibility,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Func, LikeExpr, Query},
};
use time::OffsetDateTime;

use crate::{
    Page, PageRequest, Store, StoreError,
    entity::{need_history, need_invitations, needs, organizations},
    reference::{escape_like, significant_prefix},
};

/// Whose needs a list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NeedScope {
    /// A lead enterprise's own needs, in every state.
    Owner(OrganizationId),
    /// The needs of the lead enterprises in a park.
    Park(ParkId),
    /// What an SME may browse: needs open for quotes that it may see.
    Supplier {
        id: OrganizationId,
        in_province: bool,
    },
    /// Every need (platform administrators).
    All,
}

/// Filters on a list of needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedFilter {
    pub scope: NeedScope,
    /// Only these categories (a category and its descendants, resolved by the caller).
    pub categories: Option<Vec<CategoryCode>>,
    /// Only deliveries into this region (province, prefecture or county).
    pub region: Option<RegionCode>,
    pub deadline_after: Option<OffsetDateTime>,
    /// Only needs whose title contains this text, case-insensitively.
    pub text: Option<String>,
}

/// A change of status to record.
#[derive(Debug, Clone)]
pub struct Transition<'a> {
    pub from: NeedStatus,
    pub to: NeedStatus,
    /// The version read, or `None` when the system acts on whatever version is current.
    pub version: Option<i32>,
    pub action: &'a str,
    pub actor: Option<UserId>,
    pub reason: Option<&'a str>,
    /// Organisations to tell besides the lead and the suppliers that quoted: the SMEs a newly
    /// published need matches.
    pub notify: &'a [OrganizationId],
    /// On publishing: whether the matching engine found an eligible supplier (the funnel's
    /// second stage).
    pub matched: Option<bool>,
}

fn amount(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

pub(crate) fn terms_columns(terms: &NeedTerms) -> Result<needs::ActiveModel, StoreError> {
    let certifications: Vec<&str> = terms
        .required_certifications()
        .iter()
        .map(|kind| kind.as_str())
        .collect();
    Ok(needs::ActiveModel {
        category_code: Set(terms.category_code().as_str().to_owned()),
        title: Set(terms.title().to_owned()),
        specification: Set(terms.specification().to_owned()),
        quantity: Set(amount(terms.quantity())),
        unit: Set(terms.unit().to_owned()),
        estimated_value_fen: Set(amount(terms.estimated_value_fen())),
        required_certifications: Set(serde_json::to_string(&certifications)
            .map_err(|err| StoreError::Corrupt(err.to_string()))?),
        delivery_region_code: Set(terms.delivery_region_code().as_str().to_owned()),
        response_deadline: Set(terms.response_deadline()),
        visibility: Set(terms.visibility().as_str().to_owned()),
        ..Default::default()
    })
}

pub(crate) async fn write_invitations<C: ConnectionTrait>(
    db: &C,
    need: i64,
    terms: &NeedTerms,
) -> Result<(), StoreError> {
    need_invitations::Entity::delete_many()
        .filter(need_invitations::Column::NeedId.eq(need))
        .exec(db)
        .await?;
    if terms.invited_supplier_ids().is_empty() {
        return Ok(());
    }
    need_invitations::Entity::insert_many(terms.invited_supplier_ids().iter().map(|supplier| {
        need_invitations::ActiveModel {
            need_id: Set(need),
            supplier_id: Set(supplier.0),
        }
    }))
    .exec(db)
    .await?;
    Ok(())
}

/// Writes one row of a need's history, inside the caller's transaction.
pub(crate) async fn write_history<C: ConnectionTrait>(
    db: &C,
    need: i64,
    event: &NeedEvent,
) -> Result<(), StoreError> {
    need_history::ActiveModel {
        id: NotSet,
        need_id: Set(need),
        at: Set(event.at),
        actor_user_id: Set(event.actor.map(|user| user.0)),
        action: Set(event.action.clone()),
        from_status: Set(event.from.map(|status| status.as_str().to_owned())),
        to_status: Set(event.to.as_str().to_owned()),
        reason: Set(event.reason.clone()),
    }
    .insert(db)
    .await?;
    Ok(())
}

impl Store {
    /// Stores a new draft need with its invitations and its `created` history row.
    pub async fn create_need(
        &self,
        owner: OrganizationId,
        author: UserId,
        terms: &NeedTerms,
    ) -> Result<Need, StoreError> {
        let now = OffsetDateTime::now_utc();
        let txn = self.begin_write().await?;
        let mut row = terms_columns(terms)?;
        row.id = NotSet;
        row.organization_id = Set(owner.0);
        row.created_by = Set(Some(author.0));
        row.status = Set(NeedStatus::Draft.as_str().to_owned());
        row.awarded_quantity = Set(0);
        row.version = Set(1);
        row.created_at = Set(now);
        row.updated_at = Set(now);
        row.published_at = Set(None);
        let row = row.insert(&txn).await?;
        write_invitations(&txn, row.id, terms).await?;
        write_history(
            &txn,
            row.id,
            &NeedEvent {
                at: now,
                actor: Some(author),
                action: "created".into(),
                from: None,
                to: NeedStatus::Draft,
                reason: None,
            },
        )
        .await?;
        txn.commit().await?;
        self.need(NeedId(row.id)).await
    }

    /// One need.
    pub async fn need(&self, id: NeedId) -> Result<Need, StoreError> {
        let row = needs::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        // Only an invited-only need has invitations (the terms refuse them otherwise), so the
        // others are read in one query.
        let invited = if row.visibility == Visibility::Invited.as_str() {
            invitations(&self.db, &[row.id]).await?
        } else {
            Vec::new()
        };
        need_from_row(row, &invited)
    }

    /// The organisation (park) a need's owner sits in, for park administrators' scope.
    pub async fn need_owner_park(&self, id: NeedId) -> Result<Option<ParkId>, StoreError> {
        let need = needs::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let owner = organizations::Entity::find_by_id(need.organization_id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(owner.park_id.map(ParkId))
    }

    /// Replaces a need's terms if it is still at `version` and editable; records `updated`.
    pub async fn update_need_terms(
        &self,
        id: NeedId,
        version: i32,
        terms: &NeedTerms,
        actor: UserId,
    ) -> Result<Need, StoreError> {
        let now = OffsetDateTime::now_utc();
        let txn = self.begin_write().await?;
        let columns = terms_columns(terms)?;
        let mut update = needs::Entity::update_many()
            .col_expr(
                needs::Column::Version,
                Expr::col(needs::Column::Version).add(1),
            )
            .col_expr(needs::Column::UpdatedAt, Expr::value(now));
        for (column, value) in [
            (
                needs::Column::CategoryCode,
                columns.category_code.into_value(),
            ),
            (needs::Column::Title, columns.title.into_value()),
            (
                needs::Column::Specification,
                columns.specification.into_value(),
            ),
            (needs::Column::Quantity, columns.quantity.into_value()),
            (needs::Column::Unit, columns.unit.into_value()),
            (
                needs::Column::EstimatedValueFen,
                columns.estimated_value_fen.into_value(),
            ),
            (
                needs::Column::RequiredCertifications,
                columns.required_certifications.into_value(),
            ),
            (
                needs::Column::DeliveryRegionCode,
                columns.delivery_region_code.into_value(),
            ),
            (
                needs::Column::ResponseDeadline,
                columns.response_deadline.into_value(),
            ),
            (needs::Column::Visibility, columns.visibility.into_value()),
        ] {
            if let Some(value) = value {
                update = update.col_expr(column, Expr::value(value));
            }
        }
        let editable = [NeedStatus::Draft.as_str(), NeedStatus::Published.as_str()];
        let result = update
            .filter(needs::Column::Id.eq(id.0))
            .filter(needs::Column::Version.eq(version))
            .filter(needs::Column::Status.is_in(editable))
            .exec(&txn)
            .await?;
        if result.rows_affected == 0 {
            txn.rollback().await?;
            let current = self.need(id).await?;
            return Err(StoreError::StaleVersion {
                current: current.version,
            });
        }
        write_invitations(&txn, id.0, terms).await?;
        let status = needs::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?
            .status;
        let status = NeedStatus::parse(&status)?;
        write_history(
            &txn,
            id.0,
            &NeedEvent {
                at: now,
                actor: Some(actor),
                action: "updated".into(),
                from: Some(status),
                to: status,
                reason: None,
            },
        )
        .await?;
        txn.commit().await?;
        self.need(id).await
    }

    /// Moves a need from `transition.from` to `transition.to` if it is still there (and at the
    /// version read, when one is given), with its history row; `StaleVersion` when someone else
    /// changed it first.
    pub async fn transition_need(
        &self,
        id: NeedId,
        transition: &Transition<'_>,
    ) -> Result<Need, StoreError> {
        let now = OffsetDateTime::now_utc();
        let txn = self.begin_write().await?;
        let mut update = needs::Entity::update_many()
            .col_expr(
                needs::Column::Version,
                Expr::col(needs::Column::Version).add(1),
            )
            .col_expr(needs::Column::UpdatedAt, Expr::value(now))
            .col_expr(needs::Column::Status, Expr::value(transition.to.as_str()));
        if transition.to == NeedStatus::Published {
            update = update
                .col_expr(needs::Column::PublishedAt, Expr::value(now))
                .col_expr(
                    needs::Column::MatchedAtPublish,
                    Expr::value(transition.matched),
                );
        }
        let mut update = update
            .filter(needs::Column::Id.eq(id.0))
            .filter(needs::Column::Status.eq(transition.from.as_str()));
        if let Some(version) = transition.version {
            update = update.filter(needs::Column::Version.eq(version));
        }
        if update.exec(&txn).await?.rows_affected == 0 {
            txn.rollback().await?;
            let current = self.need(id).await?;
            return Err(StoreError::StaleVersion {
                current: current.version,
            });
        }
        write_history(
            &txn,
            id.0,
            &NeedEvent {
                at: now,
                actor: transition.actor,
                action: transition.action.to_owned(),
                from: Some(transition.from),
                to: transition.to,
                reason: transition.reason.map(str::to_owned),
            },
        )
        .await?;
        let kind = match transition.to {
            NeedStatus::Published => Some(EventKind::NeedPublished),
            NeedStatus::Closed | NeedStatus::Awarded => Some(EventKind::NeedClosed),
            NeedStatus::Expired => Some(EventKind::NeedExpired),
            NeedStatus::Cancelled => Some(EventKind::NeedCancelled),
            _ => None,
        };
        if let Some(kind) = kind {
            let row = needs::Entity::find_by_id(id.0)
                .one(&txn)
                .await?
                .ok_or(StoreError::NotFound)?;
            crate::events::need_event(&txn, kind, &row, transition.reason, transition.notify)
                .await?;
        }
        if transition.to == NeedStatus::Awarded
            && let Some(actor) = transition.actor
        {
            // A partly awarded need whose owner stops seeking the rest may have nothing left to
            // deliver.
            crate::quotes::settle_if_delivered(&txn, id.0, actor, now).await?;
        }
        txn.commit().await?;
        self.need(id).await
    }

    /// A need's history, oldest first.
    pub async fn need_history(&self, id: NeedId) -> Result<Vec<NeedEvent>, StoreError> {
        need_history::Entity::find()
            .filter(need_history::Column::NeedId.eq(id.0))
            .order_by_asc(need_history::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| {
                Ok(NeedEvent {
                    at: row.at,
                    actor: row.actor_user_id.map(UserId),
                    action: row.action,
                    from: row
                        .from_status
                        .as_deref()
                        .map(NeedStatus::parse)
                        .transpose()?,
                    to: NeedStatus::parse(&row.to_status)?,
                    reason: row.reason,
                })
            })
            .collect()
    }

    /// Published needs whose response deadline is before `now`, with their versions, oldest
    /// deadline first.
    pub async fn needs_past_deadline(
        &self,
        now: OffsetDateTime,
        limit: u64,
    ) -> Result<Vec<(NeedId, i32)>, StoreError> {
        Ok(needs::Entity::find()
            .filter(needs::Column::Status.eq(NeedStatus::Published.as_str()))
            .filter(needs::Column::ResponseDeadline.lt(now))
            .order_by_asc(needs::Column::ResponseDeadline)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| (NeedId(row.id), row.version))
            .collect())
    }

    /// Needs as `filter` selects them, newest first.
    pub async fn list_needs(
        &self,
        filter: &NeedFilter,
        page: &PageRequest,
    ) -> Result<Page<Need>, StoreError> {
        let mut query = needs::Entity::find();
        query = match &filter.scope {
            NeedScope::Owner(owner) => query.filter(needs::Column::OrganizationId.eq(owner.0)),
            NeedScope::Park(park) => query.filter(
                needs::Column::OrganizationId.in_subquery(
                    Query::select()
                        .column(organizations::Column::Id)
                        .from(organizations::Entity)
                        .and_where(organizations::Column::ParkId.eq(park.0))
                        .to_owned(),
                ),
            ),
            NeedScope::Supplier { id, in_province } => {
                let open = [
                    NeedStatus::Published.as_str(),
                    NeedStatus::PartlyAwarded.as_str(),
                ];
                let mut visible = Condition::any()
                    .add(needs::Column::Visibility.eq("public"))
                    .add(
                        Condition::all()
                            .add(needs::Column::Visibility.eq("invited"))
                            .add(
                                needs::Column::Id.in_subquery(
                                    Query::select()
                                        .column(need_invitations::Column::NeedId)
                                        .from(need_invitations::Entity)
                                        .and_where(need_invitations::Column::SupplierId.eq(id.0))
                                        .to_owned(),
                                ),
                            ),
                    );
                if *in_province {
                    visible = visible.add(needs::Column::Visibility.eq("province"));
                }
                query
                    .filter(needs::Column::Status.is_in(open))
                    .filter(visible)
            }
            NeedScope::All => query,
        };
        if let Some(categories) = &filter.categories {
            query = query.filter(
                needs::Column::CategoryCode.is_in(categories.iter().map(CategoryCode::as_str)),
            );
        }
        if let Some(region) = &filter.region {
            query = query
                .filter(needs::Column::DeliveryRegionCode.starts_with(significant_prefix(region)));
        }
        if let Some(after) = filter.deadline_after {
            query = query.filter(needs::Column::ResponseDeadline.gt(after));
        }
        if let Some(text) = &filter.text {
            let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
            query = query.filter(
                Expr::expr(Func::lower(Expr::col(needs::Column::Title)))
                    .like(LikeExpr::new(pattern).escape('\\')),
            );
        }
        if let Some(before) = page
            .after
            .as_deref()
            .and_then(|cursor| cursor.parse::<i64>().ok())
        {
            query = query.filter(needs::Column::Id.lt(before));
        }
        let rows = query
            .order_by_desc(needs::Column::Id)
            .limit(page.limit + 1)
            .all(&self.db)
            .await?;
        let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
        let invited = invitations(&self.db, &ids).await?;
        let needs = rows
            .into_iter()
            .map(|row| need_from_row(row, &invited))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(needs, page.limit, |need| {
            need.id.0.to_string()
        }))
    }
}

async fn invitations<C: ConnectionTrait>(
    db: &C,
    needs: &[i64],
) -> Result<Vec<(i64, i64)>, StoreError> {
    if needs.is_empty() {
        return Ok(Vec::new());
    }
    Ok(need_invitations::Entity::find()
        .filter(need_invitations::Column::NeedId.is_in(needs.iter().copied()))
        .order_by_asc(need_invitations::Column::SupplierId)
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.need_id, row.supplier_id))
        .collect())
}

fn need_from_row(row: needs::Model, invited: &[(i64, i64)]) -> Result<Need, StoreError> {
    let certifications: Vec<String> = serde_json::from_str(&row.required_certifications)
        .map_err(|err| StoreError::Corrupt(format!("need {}: {err}", row.id)))?;
    let invited: Vec<i64> = invited
        .iter()
        .filter(|(need, _)| *need == row.id)
        .map(|(_, supplier)| *supplier)
        .collect();
    let unsigned = |value: i64| {
        u64::try_from(value)
            .map_err(|_| StoreError::Corrupt(format!("need {}: negative amount", row.id)))
    };
    let terms = NeedTerms::parse(&NeedTermsInput {
        category_code: &row.category_code,
        title: &row.title,
        specification: (!row.specification.is_empty()).then_some(row.specification.as_str()),
        quantity: unsigned(row.quantity)?,
        unit: &row.unit,
        estimated_value_fen: unsigned(row.estimated_value_fen)?,
        required_certifications: &certifications,
        delivery_region_code: &row.delivery_region_code,
        response_deadline: row.response_deadline,
        visibility: &row.visibility,
        invited_supplier_ids: &invited,
    })?;
    Ok(Need {
        id: NeedId(row.id),
        organization_id: OrganizationId(row.organization_id),
        terms,
        status: NeedStatus::parse(&row.status)?,
        awarded_quantity: unsigned(row.awarded_quantity)?,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
        published_at: row.published_at,
    })
}
