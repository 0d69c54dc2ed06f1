//! The industry-chain graph (产业链图谱): categories as nodes, "is an input to" links as edges,
//! upstream → downstream.
//!
//! Invariant: nodes and edges are only ever added, never removed, so a `NodeIndex` handed out by
//! the private map stays valid for the life of the graph. Lookups by category code return
//! `Result`/`Option`; nothing indexes the petgraph storage directly from outside.

use std::collections::HashMap;

use peitao_domain::CategoryCode;
use petgraph::{
    Direction,
    algo::tarjan_scc,
    graph::{DiGraph, NodeIndex},
};

/// A request the graph cannot satisfy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("category `{0}` is not in the chain graph")]
    UnknownCategory(CategoryCode),
    #[error("a category cannot be an input to itself (`{0}`)")]
    SelfLink(CategoryCode),
}

/// The directed graph of chain links between categories.
#[derive(Debug, Default, Clone)]
pub struct ChainGraph {
    graph: DiGraph<CategoryCode, ()>,
    nodes: HashMap<CategoryCode, NodeIndex>,
}

impl ChainGraph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a category; adding one twice is harmless.
    pub fn add_category(&mut self, code: CategoryCode) {
        if !self.nodes.contains_key(&code) {
            let index = self.graph.add_node(code.clone());
            self.nodes.insert(code, index);
        }
    }

    /// Adds the link `upstream` → `downstream`; both must be categories of the graph. A link
    /// added twice is stored once.
    pub fn add_link(
        &mut self,
        upstream: &CategoryCode,
        downstream: &CategoryCode,
    ) -> Result<(), GraphError> {
        if upstream == downstream {
            return Err(GraphError::SelfLink(upstream.clone()));
        }
        let from = self.index(upstream)?;
        let to = self.index(downstream)?;
        self.graph.update_edge(from, to, ());
        Ok(())
    }

    /// How many distinct links the graph holds.
    pub fn link_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// Every category of the graph, in no particular order.
    pub fn categories(&self) -> impl Iterator<Item = &CategoryCode> {
        self.graph.node_weights()
    }

    /// Every link as (upstream, downstream), in no particular order.
    pub fn links(&self) -> impl Iterator<Item = (&CategoryCode, &CategoryCode)> {
        self.graph.edge_indices().filter_map(|edge| {
            let (from, to) = self.graph.edge_endpoints(edge)?;
            Some((self.graph.node_weight(from)?, self.graph.node_weight(to)?))
        })
    }

    /// The categories that are direct inputs to `code`, sorted by code.
    pub fn upstream_of(&self, code: &CategoryCode) -> Result<Vec<&CategoryCode>, GraphError> {
        self.neighbours(code, Direction::Incoming)
    }

    /// The categories `code` is a direct input to, sorted by code.
    pub fn downstream_of(&self, code: &CategoryCode) -> Result<Vec<&CategoryCode>, GraphError> {
        self.neighbours(code, Direction::Outgoing)
    }

    /// One set of categories that feed each other in a loop, sorted by code, or `None` when the
    /// graph is acyclic as a chain graph must be.
    pub fn find_cycle(&self) -> Option<Vec<CategoryCode>> {
        tarjan_scc(&self.graph)
            .into_iter()
            .find(|component| component.len() > 1)
            .map(|component| {
                let mut codes: Vec<CategoryCode> = component
                    .into_iter()
                    .filter_map(|index| self.graph.node_weight(index).cloned())
                    .collect();
                codes.sort();
                codes
            })
    }

    fn index(&self, code: &CategoryCode) -> Result<NodeIndex, GraphError> {
        self.nodes
            .get(code)
            .copied()
            .ok_or_else(|| GraphError::UnknownCategory(code.clone()))
    }

    fn neighbours(
        &self,
        code: &CategoryCode,
        direction: Direction,
    ) -> Result<Vec<&CategoryCode>, GraphError> {
        let index = self.index(code)?;
        let mut codes: Vec<&CategoryCode> = self
            .graph
            .neighbors_directed(index, direction)
            .filter_map(|neighbour| self.graph.node_weight(neighbour))
            .collect();
        codes.sort();
        Ok(codes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(raw: &str) -> CategoryCode {
        CategoryCode::parse(raw).unwrap()
    }

    fn graph(codes: &[&str], links: &[(&str, &str)]) -> ChainGraph {
        let mut graph = ChainGraph::new();
        for raw in codes {
            graph.add_category(code(raw));
        }
        for (up, down) in links {
            graph.add_link(&code(up), &code(down)).unwrap();
        }
        graph
    }

    #[test]
    fn links_answer_upstream_and_downstream() {
        let graph = graph(
            &["steel", "stamping", "body", "paint"],
            &[
                ("steel", "stamping"),
                ("stamping", "body"),
                ("paint", "body"),
            ],
        );
        assert_eq!(
            graph.upstream_of(&code("body")).unwrap(),
            [&code("paint"), &code("stamping")]
        );
        assert_eq!(
            graph.downstream_of(&code("steel")).unwrap(),
            [&code("stamping")]
        );
        assert_eq!(graph.link_count(), 3);
        assert_eq!(graph.find_cycle(), None);
    }

    #[test]
    fn a_loop_is_found_with_all_its_members() {
        let graph = graph(
            &["a", "b", "c", "d"],
            &[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")],
        );
        assert_eq!(
            graph.find_cycle(),
            Some(vec![code("a"), code("b"), code("c")])
        );
    }

    #[test]
    fn unknown_categories_and_self_links_are_refused() {
        let mut graph = graph(&["a"], &[]);
        assert_eq!(
            graph.add_link(&code("a"), &code("zz")),
            Err(GraphError::UnknownCategory(code("zz")))
        );
        assert_eq!(
            graph.add_link(&code("a"), &code("a")),
            Err(GraphError::SelfLink(code("a")))
        );
        assert!(graph.upstream_of(&code("zz")).is_err());
    }

    #[test]
    fn a_repeated_link_is_stored_once() {
        let graph = graph(&["a", "b"], &[("a", "b"), ("a", "b")]);
        assert_eq!(graph.link_count(), 1);
    }
}
