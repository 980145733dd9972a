//! TEMPORARY STAND-IN (replaced by the smith branch)
#[derive(Debug, Clone, arbitrary::Arbitrary)] pub struct Config;
pub fn smith(_c: &Config, _u: &mut arbitrary::Unstructured) -> arbitrary::Result<crate::ty::CaseWorld> { unimplemented!() }
