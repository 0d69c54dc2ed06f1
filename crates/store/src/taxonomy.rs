//! The taxonomy as a whole: importing categories with chains and links in one transaction, and
//! reading chains with their links for the chain graph.

use peitao_domain::{Category, CategoryCode, Chain, ChainId, ChainLink, NewChain};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::{
    Store, StoreError,
    entity::{categories, category_links, chains},
};

/// How much an import stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TaxonomyCounts {
    pub categories: usize,
    pub chains: usize,
    pub links: usize,
}

impl Store {
    /// Stores categories (parents before children) and chains with their links, all or nothing.
    pub async fn import_taxonomy(
        &self,
        categories: &[Category],
        chains: &[NewChain],
    ) -> Result<TaxonomyCounts, StoreError> {
        let txn = self.begin_write().await?;
        insert_categories(&txn, categories).await?;
        let mut links = 0;
        for chain in chains {
            let row = chains::Entity::insert(chains::ActiveModel {
                id: NotSet,
                code: Set(chain.code.clone()),
                name_zh: Set(chain.name_zh.clone()),
                name_en: Set(chain.name_en.clone()),
            })
            .exec_with_returning(&txn)
            .await?;
            for batch in chain.links.chunks(500) {
                category_links::Entity::insert_many(batch.iter().map(|link| {
                    category_links::ActiveModel {
                        id: NotSet,
                        chain_id: Set(row.id),
                        upstream_code: Set(link.upstream.as_str().to_owned()),
                        downstream_code: Set(link.downstream.as_str().to_owned()),
                    }
                }))
                .exec(&txn)
                .await?;
            }
            links += chain.links.len();
        }
        txn.commit().await?;
        Ok(TaxonomyCounts {
            categories: categories.len(),
            chains: chains.len(),
            links,
        })
    }

    /// Every stored category code with its parent, for checking an import against them.
    pub async fn category_parents(
        &self,
    ) -> Result<Vec<(CategoryCode, Option<CategoryCode>)>, StoreError> {
        let rows: Vec<(String, Option<String>)> = categories::Entity::find()
            .select_only()
            .column(categories::Column::Code)
            .column(categories::Column::ParentCode)
            .into_tuple()
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|(code, parent)| {
                Ok((
                    CategoryCode::parse(&code)?,
                    parent.as_deref().map(CategoryCode::parse).transpose()?,
                ))
            })
            .collect()
    }

    /// How many categories are stored.
    pub async fn count_categories(&self) -> Result<u64, StoreError> {
        Ok(categories::Entity::find().count(&self.db).await?)
    }

    /// Every chain, by code.
    pub async fn list_chains(&self) -> Result<Vec<Chain>, StoreError> {
        let rows = chains::Entity::find()
            .order_by_asc(chains::Column::Code)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(chain_from_row).collect())
    }

    /// One chain by id.
    pub async fn chain(&self, id: ChainId) -> Result<Chain, StoreError> {
        chains::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .map(chain_from_row)
            .ok_or(StoreError::NotFound)
    }

    /// The links of one chain, by upstream then downstream code.
    pub async fn chain_links(&self, id: ChainId) -> Result<Vec<ChainLink>, StoreError> {
        let rows = category_links::Entity::find()
            .filter(category_links::Column::ChainId.eq(id.0))
            .order_by_asc(category_links::Column::UpstreamCode)
            .order_by_asc(category_links::Column::DownstreamCode)
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|row| {
                Ok(ChainLink {
                    upstream: CategoryCode::parse(&row.upstream_code)?,
                    downstream: CategoryCode::parse(&row.downstream_code)?,
                })
            })
            .collect()
    }

    /// Every link of every chain, for building the whole chain graph.
    pub async fn all_chain_links(&self) -> Result<Vec<(ChainId, ChainLink)>, StoreError> {
        let rows = category_links::Entity::find()
            .order_by_asc(category_links::Column::Id)
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|row| {
                Ok((
                    ChainId(row.chain_id),
                    ChainLink {
                        upstream: CategoryCode::parse(&row.upstream_code)?,
                        downstream: CategoryCode::parse(&row.downstream_code)?,
                    },
                ))
            })
            .collect()
    }
}

/// Inserts categories in the order given, in batches, on any connection or transaction.
pub(crate) async fn insert_categories<C: ConnectionTrait>(
    conn: &C,
    rows: &[Category],
) -> Result<(), StoreError> {
    for batch in rows.chunks(500) {
        categories::Entity::insert_many(batch.iter().map(|category| {
            categories::ActiveModel {
                code: Set(category.code.as_str().to_owned()),
                parent_code: Set(category
                    .parent_code
                    .as_ref()
                    .map(|code| code.as_str().to_owned())),
                name_zh: Set(category.name_zh.clone()),
                name_en: Set(category.name_en.clone()),
                reference: Set(category.reference.clone()),
            }
        }))
        .exec(conn)
        .await?;
    }
    Ok(())
}

fn chain_from_row(row: chains::Model) -> Chain {
    Chain {
        id: ChainId(row.id),
        code: row.code,
        name_zh: row.name_zh,
        name_en: row.name_en,
    }
}
