//! The resources protocol world: the WIT every resources guest implements
//! (`wit/resources.wit`, documented there), its names, and its resolution.

use wit_parser::{Resolve, WorldId};

/// The protocol, as WIT text.
pub const WIT: &str = include_str!("../../../wit/resources.wit");

/// The package the protocol is in.
pub const PACKAGE: &str = "witness:resources";
/// The guest's world.
pub const WORLD: &str = "guest";
/// The interface the host provides.
pub const HOST: &str = "witness:resources/host";
/// The interface the guest provides.
pub const API: &str = "witness:resources/api";

/// Why the protocol text did not resolve (only for a WIT that is not the
/// protocol, for example one read back from a finding).
#[derive(Debug, thiserror::Error)]
#[error("{source_name} is not the resources protocol: {message}")]
pub struct WorldError {
    pub source_name: String,
    pub message: String,
}

/// Resolves `text` (the protocol) and selects its guest world.
pub fn resolve(text: &str) -> Result<(Resolve, WorldId), WorldError> {
    let err = |message: String| WorldError {
        source_name: "resources.wit".into(),
        message,
    };
    let mut resolve = Resolve::default();
    let package = resolve
        .push_str("resources.wit", text)
        .map_err(|e| err(resolve.render_error(&e)))?;
    if resolve.packages[package].name.to_string() != PACKAGE {
        return Err(err(format!(
            "the package is `{}`, not `{PACKAGE}`",
            resolve.packages[package].name
        )));
    }
    let world = resolve
        .select_world(&[package], Some(WORLD))
        .map_err(|e| err(format!("{e:#}")))?;
    Ok((resolve, world))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_protocol_resolves_and_has_its_world() {
        let (resolve, world) = resolve(WIT).unwrap();
        assert_eq!(resolve.worlds[world].name, WORLD);
    }

    #[test]
    fn another_package_is_refused_by_name() {
        let err = resolve("package a:b;\nworld guest {}\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not `witness:resources`"), "{err}");
    }
}
