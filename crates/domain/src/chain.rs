//! Industrial chains (产业链): named sets of upstream → downstream links between categories.

use serde::{Deserialize, Serialize};

use crate::CategoryCode;

/// The id of a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChainId(pub i64);

/// A named chain such as automotive or optoelectronics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub id: ChainId,
    /// A stable snake_case code such as `automotive`.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// "`upstream` is an input to `downstream`", within one chain.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChainLink {
    pub upstream: CategoryCode,
    pub downstream: CategoryCode,
}

/// A chain not yet stored, with its links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChain {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub links: Vec<ChainLink>,
}
