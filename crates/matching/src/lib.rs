//! Peitao's matching engine: the industry-chain graph, the in-memory matching index with its
//! scoring and hard filters, and a synthetic province to test and measure it on. Depends on the
//! domain only: never on storage or HTTP.
//!
//! The application fills [`SupplierFacts`] and [`NeedFacts`] from the database, builds a
//! [`MatchIndex`] at start, keeps it current with its upsert and remove methods, and asks it
//! [`MatchIndex::rank_suppliers`], [`MatchIndex::rank_needs`] and [`MatchIndex::explain`].

pub mod atlas;
pub mod chain_graph;
pub mod facts;
pub mod filter;
pub mod index;
mod records;
pub mod score;
pub mod synthetic;
pub mod taxonomy_tree;
pub mod weights;

pub use atlas::{Atlas, Seat, great_circle_km};
pub use chain_graph::{ChainGraph, GraphError};
pub use facts::{
    CapabilityFacts, CertificationFacts, CredentialFacts, NeedFacts, SuppliedFacts, SupplierFacts,
};
pub use filter::Exclusion;
pub use index::{
    CategorySupply, Explanation, IndexConfig, IndexError, IndexSnapshot, MatchIndex,
    PostingSnapshot, RankOptions,
};
pub use records::RecordError;
pub use score::{CategoryRelation, Components, NeedMatch, SupplierMatch};
pub use taxonomy_tree::TaxonomyTree;
pub use weights::{Weights, WeightsError};
