//! Chains: guests of several languages composed into one component with
//! `wac-graph`, so that values cross wasmtime's component-to-component
//! adapters as well as the host boundary.
//!
//! For a chain `A>B>C` the host calls A's `api`; A's `upstream` import is
//! B's `api` export, B's `upstream` is C's `api`, and C's `upstream` stays an
//! import of the composition, satisfied by the host. The composition has
//! exactly the imports and exports of a single echo guest (plus the union of
//! the guests' WASI imports), so the host drives it unchanged.

use crate::wit_text::{API, UPSTREAM};
use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions};

#[derive(Debug, thiserror::Error)]
#[error("could not compose the chain {chain}: {message}")]
pub struct ChainError {
    pub chain: String,
    pub message: String,
}

/// Composes `links` (name, component bytes), first link outermost.
pub fn compose(links: &[(&str, &[u8])]) -> Result<Vec<u8>, ChainError> {
    let chain = links.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(">");
    let err = |message: String| ChainError {
        chain: chain.clone(),
        message,
    };
    let mut graph = CompositionGraph::new();
    let mut packages = Vec::new();
    for (i, (name, bytes)) in links.iter().enumerate() {
        let package = Package::from_bytes(
            &format!("witness:link{i}-{name}"),
            None,
            bytes.to_vec(),
            graph.types_mut(),
        )
        .map_err(|e| {
            err(format!(
                "link {i} ({name}) is not a usable component: {e:#}"
            ))
        })?;
        packages.push(
            graph
                .register_package(package)
                .map_err(|e| err(format!("{e:#}")))?,
        );
    }
    // Instantiate from the innermost link outwards, plugging each `api`
    // into the `upstream` of the link before it.
    let mut inner_api = None;
    for (i, package) in packages.iter().enumerate().rev() {
        let node = graph.instantiate(*package);
        if let Some(api) = inner_api {
            graph
                .set_instantiation_argument(node, UPSTREAM, api)
                .map_err(|e| err(format!("plugging link {} into link {i}: {e:#}", i + 1)))?;
        }
        inner_api = Some(
            graph
                .alias_instance_export(node, API)
                .map_err(|e| err(format!("link {i} does not export {API}: {e:#}")))?,
        );
    }
    let outer = inner_api.ok_or_else(|| err("the chain is empty".into()))?;
    graph
        .export(outer, API)
        .map_err(|e| err(format!("{e:#}")))?;
    graph
        .encode(EncodeOptions::default())
        .map_err(|e| err(format!("{e:#}")))
}
