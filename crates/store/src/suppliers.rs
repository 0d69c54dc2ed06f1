//! Organisations with their supplier profiles, stored together: the bulk path used by the CSV
//! import and the demo seed.

use peitao_domain::{Capability, CategoryCode, Certification, CertificationKind, OrganizationId};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use time::OffsetDateTime;

use crate::{
    NewOrganization, NewUser, Store, StoreError,
    accounts::user_model,
    entity::{
        bom_lines, boms, capabilities, certifications, credentials, deals, need_history,
        need_invitations, needs, organization_history, organizations, production_sites, quotes,
        users,
    },
};

/// An organisation to store with its profile and, optionally, its users.
#[derive(Debug, Clone)]
pub struct SupplierRecord {
    pub organization: NewOrganization,
    pub verified: bool,
    pub capabilities: Vec<Capability>,
    pub certifications: Vec<Certification>,
    /// Users of the organisation; their `organization_id` is filled in here.
    pub users: Vec<NewUser>,
}

impl Store {
    /// Stores every record, all or nothing; returns the new organisations' ids in order.
    pub async fn import_organizations(
        &self,
        records: &[SupplierRecord],
    ) -> Result<Vec<OrganizationId>, StoreError> {
        let txn = self.begin_write().await?;
        let mut ids = Vec::with_capacity(records.len());
        for record in records {
            ids.push(insert_record(&txn, record).await?);
        }
        txn.commit().await?;
        Ok(ids)
    }

    /// How many organisations are stored.
    pub async fn count_organizations(&self) -> Result<u64, StoreError> {
        Ok(organizations::Entity::find().count(&self.db).await?)
    }

    /// Deletes every organisation with its users, tokens, profiles and sourcing activity (needs,
    /// quotes, deals), and the administrators
    /// whose e-mail ends with `admin_email_suffix`, in one transaction. Other administrators and
    /// the reference data (regions, taxonomy, parks) stay.
    pub async fn delete_all_tenants(&self, admin_email_suffix: &str) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        // The sourcing activity first: it points at organisations and users.
        deals::Entity::delete_many().exec(&txn).await?;
        quotes::Entity::delete_many().exec(&txn).await?;
        bom_lines::Entity::delete_many().exec(&txn).await?;
        boms::Entity::delete_many().exec(&txn).await?;
        need_history::Entity::delete_many().exec(&txn).await?;
        need_invitations::Entity::delete_many().exec(&txn).await?;
        needs::Entity::delete_many().exec(&txn).await?;
        users::Entity::delete_many()
            .filter(
                Condition::any()
                    .add(users::Column::OrganizationId.is_not_null())
                    .add(users::Column::Email.ends_with(admin_email_suffix)),
            )
            .exec(&txn)
            .await?;
        capabilities::Entity::delete_many().exec(&txn).await?;
        production_sites::Entity::delete_many().exec(&txn).await?;
        certifications::Entity::delete_many().exec(&txn).await?;
        credentials::Entity::delete_many().exec(&txn).await?;
        organization_history::Entity::delete_many()
            .exec(&txn)
            .await?;
        organizations::Entity::delete_many().exec(&txn).await?;
        txn.commit().await?;
        Ok(())
    }

    /// An organisation's capabilities, by category code.
    pub async fn capabilities(&self, id: OrganizationId) -> Result<Vec<Capability>, StoreError> {
        let rows = capabilities::Entity::find()
            .filter(capabilities::Column::OrganizationId.eq(id.0))
            .order_by_asc(capabilities::Column::CategoryCode)
            .all(&self.db)
            .await?;
        rows.into_iter().map(capability_from_row).collect()
    }

    /// An organisation's certifications with their ids, by kind then expiry.
    pub async fn certifications(
        &self,
        id: OrganizationId,
    ) -> Result<Vec<StoredCertification>, StoreError> {
        let rows = certifications::Entity::find()
            .filter(certifications::Column::OrganizationId.eq(id.0))
            .order_by_asc(certifications::Column::Kind)
            .order_by_asc(certifications::Column::ValidUntil)
            .order_by_asc(certifications::Column::Id)
            .all(&self.db)
            .await?;
        rows.into_iter().map(certification_from_row).collect()
    }

    /// Replaces an organisation's capabilities with `capabilities`, all or nothing.
    pub async fn replace_capabilities(
        &self,
        id: OrganizationId,
        capabilities: &[Capability],
    ) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        capabilities::Entity::delete_many()
            .filter(capabilities::Column::OrganizationId.eq(id.0))
            .exec(&txn)
            .await?;
        insert_capabilities(&txn, id, capabilities).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Adds a certification to an organisation.
    pub async fn add_certification(
        &self,
        id: OrganizationId,
        certification: &Certification,
    ) -> Result<StoredCertification, StoreError> {
        let row = certification_model(id, certification)
            .insert(&self.db)
            .await?;
        certification_from_row(row)
    }

    /// Removes one of the organisation's certifications; `NotFound` when it has no such one.
    pub async fn delete_certification(
        &self,
        id: OrganizationId,
        certification_id: i64,
    ) -> Result<(), StoreError> {
        let result = certifications::Entity::delete_many()
            .filter(certifications::Column::Id.eq(certification_id))
            .filter(certifications::Column::OrganizationId.eq(id.0))
            .exec(&self.db)
            .await?;
        if result.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}

pub(crate) fn capability_from_row(row: capabilities::Model) -> Result<Capability, StoreError> {
    let processes: Vec<String> = serde_json::from_value(row.processes)
        .map_err(|err| StoreError::Corrupt(format!("capability processes: {err}")))?;
    Ok(Capability::new(
        CategoryCode::parse(&row.category_code)?,
        u64::try_from(row.annual_capacity)
            .map_err(|_| StoreError::Corrupt("negative capacity".into()))?,
        &row.unit,
        processes,
    )?)
}

/// A stored certification and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCertification {
    pub id: i64,
    pub certification: Certification,
}

fn certification_from_row(row: certifications::Model) -> Result<StoredCertification, StoreError> {
    Ok(StoredCertification {
        id: row.id,
        certification: Certification::new(
            CertificationKind::parse(&row.kind)?,
            &row.number,
            row.valid_from,
            row.valid_until,
        )?,
    })
}

fn certification_model(
    id: OrganizationId,
    certification: &Certification,
) -> certifications::ActiveModel {
    certifications::ActiveModel {
        id: NotSet,
        organization_id: Set(id.0),
        kind: Set(certification.kind().as_str().to_owned()),
        number: Set(certification.number().to_owned()),
        valid_from: Set(certification.valid_from()),
        valid_until: Set(certification.valid_until()),
    }
}

async fn insert_capabilities<C: ConnectionTrait>(
    conn: &C,
    id: OrganizationId,
    capabilities: &[Capability],
) -> Result<(), StoreError> {
    if capabilities.is_empty() {
        return Ok(());
    }
    capabilities::Entity::insert_many(capabilities.iter().map(|capability| {
        capabilities::ActiveModel {
            id: NotSet,
            organization_id: Set(id.0),
            category_code: Set(capability.category_code().as_str().to_owned()),
            annual_capacity: Set(i64::try_from(capability.annual_capacity()).unwrap_or(i64::MAX)),
            unit: Set(capability.unit().to_owned()),
            processes: Set(serde_json::Value::from(capability.processes())),
        }
    }))
    .exec(conn)
    .await?;
    Ok(())
}

async fn insert_record<C: ConnectionTrait>(
    conn: &C,
    record: &SupplierRecord,
) -> Result<OrganizationId, StoreError> {
    let now = OffsetDateTime::now_utc();
    let org = &record.organization;
    let row = organizations::ActiveModel {
        id: NotSet,
        name: Set(org.name.clone()),
        kind: Set(org.kind.as_str().to_owned()),
        region_code: Set(org.region_code.as_str().to_owned()),
        park_id: Set(org.park_id.map(|park| park.0)),
        verified: Set(record.verified),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    let id = OrganizationId(row.id);
    insert_capabilities(conn, id, &record.capabilities).await?;
    if !record.certifications.is_empty() {
        certifications::Entity::insert_many(
            record
                .certifications
                .iter()
                .map(|certification| certification_model(id, certification)),
        )
        .exec(conn)
        .await?;
    }
    for user in &record.users {
        user_model(NewUser {
            organization_id: Some(id),
            ..user.clone()
        })
        .insert(conn)
        .await?;
    }
    Ok(id)
}
