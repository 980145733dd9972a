//! TEMPORARY STAND-IN (replaced by the value branch)
use wasmtime::component::Val;
#[derive(Debug, Clone, Default)] pub struct ValueConfig;
#[derive(Debug, Clone)] pub enum MismatchKind { X }
impl MismatchKind { pub fn as_str(&self) -> &'static str { "x" } }
#[derive(Debug, Clone)] pub struct Divergence { pub path: String, pub kind: MismatchKind, pub expected: String, pub actual: String }
pub fn compare(root: &str, e: &Val, a: &Val) -> Result<(), Divergence> { if e == a { Ok(()) } else { Err(Divergence { path: root.into(), kind: MismatchKind::X, expected: format!("{e:?}"), actual: format!("{a:?}") }) } }
pub fn arbitrary_val(_w: &crate::ty::CaseWorld, _t: &crate::ty::Ty, _c: &ValueConfig, _u: &mut arbitrary::Unstructured) -> arbitrary::Result<Val> { unimplemented!() }
pub fn write_call(f: &str, p: &[(String, Val)], r: Option<&Val>) -> String { format!("{f} {p:?} {r:?}") }
pub struct CallValues { pub params: Vec<(String, Val)>, pub result: Option<Val> }
pub fn read_call(_t: &str, _p: &[(String, wasmtime::component::Type)], _r: Option<&wasmtime::component::Type>) -> Result<CallValues, String> { unimplemented!() }
pub fn val_weight(_v: &Val) -> usize { 1 }
