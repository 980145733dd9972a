//! TEMPORARY STAND-IN (replaced by the smith branch)
pub const PACKAGE: &str = "witness:case";
pub const WORLD: &str = "echo";
pub const API: &str = "witness:case/api";
pub const UPSTREAM: &str = "witness:case/upstream";
pub const TYPES: &str = "witness:case/types";
pub fn echo_package(_w: &crate::ty::CaseWorld) -> String { unimplemented!() }
pub fn resolve_echo(text: &str) -> Result<(wit_parser::Resolve, wit_parser::WorldId), String> {
    let mut r = wit_parser::Resolve::default();
    let pkg = r.push_str("world.wit", text).map_err(|e| format!("{e:#}"))?;
    let w = r.select_world(&[pkg], Some("echo")).map_err(|e| format!("{e:#}"))?;
    Ok((r, w))
}
