//! Peitao's matching engine: the industry-chain graph now; the candidate index, scoring and
//! allocation as the matching issues add them. Depends on the domain only: never on storage or
//! HTTP.

pub mod chain_graph;
pub mod taxonomy_tree;

pub use chain_graph::{ChainGraph, GraphError};
pub use taxonomy_tree::TaxonomyTree;
