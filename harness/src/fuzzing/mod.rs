//! Fuzz targets as library functions: one function per `cargo fuzz` target,
//! each drawing everything from an `arbitrary::Unstructured` and panicking
//! only on a real finding.
//!
//! The binaries in `fuzz/fuzz_targets/` are a few lines each around these
//! functions, and the same functions run as seeded unit tests on stable
//! (`cargo test`), over seed streams and over the committed inputs in
//! `corpus/fuzz/<target>/`. Input the generators cannot use returns
//! `arbitrary::Error` (libFuzzer then just moves on); a failure of an
//! oracle panics with a [`FuzzFinding`] that says what went wrong and holds
//! everything needed to reproduce it (the WIT, the call in WAVE).
//!
//! | target | what it checks |
//! |---|---|
//! | `world_generation` | every generated world prints as WIT that resolves, imports back to itself, and encodes as a component that wit-component and wasmtime accept |
//! | `wit_smith_import` | WIT packages from wasm-tools' `wit-smith` go through the `--wit` path: a clean error, or an echo case that passes `world_generation`'s checks |
//! | `core_guest` | wasm-smith core code behind the real canonical ABI of an echo world: the host classifies every outcome and never panics, fuel and memory limits hold |
//! | `echo_rust`, `echo_go`, `echo_python`, `echo_c` | values through prebuilt guests of the corpus worlds (built once per process): every call round-trips, or its failure is a suppressed known bug |
//! | `abi_layout` | raw guests (one, or a chain with different string encodings): every byte wasmtime lowers and every value it lifts agrees with the reference ABI |
//! | `abi_invalid` | one invalid encoding per call (discriminant, char, UTF-8/16, pointer bounds and alignment, length limits, bad `realloc` results): wasmtime traps where the spec does, with the same kind of trap |
//! | `resource_sequences` | own/borrow/drop sequences from the reference model on a prebuilt resources guest: destructors, live counts and traps as the model says |
//!
//! Generation is bounded (fuel per call, list and string lengths, calls
//! per input, world sizes) so that no input runs into libFuzzer's timeout.

mod abi;
mod core_guest;
mod echo;
mod resources;
mod worlds;

#[cfg(test)]
mod tests;

pub use abi::{abi_invalid, abi_layout};
pub use core_guest::{CoreGuestStats, check_core_component, core_guest, core_guest_stats};
pub use echo::{
    EchoFixture, corpus_worlds, echo_c, echo_go, echo_python, echo_rust, echo_values, suppressions,
};
pub use resources::{LANGUAGE_VAR as RESOURCES_LANGUAGE_VAR, check_sequence, resource_sequences};
pub use worlds::{check_wit_package, check_world, wit_smith_import, world_generation};

use arbitrary::Unstructured;
use std::fmt;

/// A fuzz target: draws one input from the bytes and checks it.
pub type TargetFn = fn(&mut Unstructured<'_>) -> arbitrary::Result<()>;

/// Every target, by the name of its `fuzz/fuzz_targets/<name>.rs`.
pub const TARGETS: &[(&str, TargetFn)] = &[
    ("world_generation", world_generation),
    ("wit_smith_import", wit_smith_import),
    ("core_guest", core_guest),
    ("echo_rust", echo_rust),
    ("echo_go", echo_go),
    ("echo_python", echo_python),
    ("echo_c", echo_c),
    ("abi_layout", abi_layout),
    ("abi_invalid", abi_invalid),
    ("resource_sequences", resource_sequences),
];

/// The target called `name`.
pub fn target(name: &str) -> Option<TargetFn> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// Runs target `name` on raw fuzzer bytes, as the fuzz binaries do, and
/// says whether the input is worth keeping in a corpus (`false` when the
/// generators found it malformed; running out of bytes is fine). Panics on
/// a finding or an unknown name.
pub fn run(name: &str, data: &[u8]) -> bool {
    let f = target(name).unwrap_or_else(|| panic!("no fuzz target named `{name}`"));
    !matches!(
        f(&mut Unstructured::new(data)),
        Err(arbitrary::Error::IncorrectFormat)
    )
}

/// What an oracle of a fuzz target found: the panic message of a crash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuzzFinding {
    /// The target (`world_generation`, ...).
    pub target: &'static str,
    /// What went wrong, in one line.
    pub what: String,
    /// Everything needed to see it again: the error in full, the WIT, the call.
    pub detail: String,
}

impl FuzzFinding {
    pub(crate) fn new(
        target: &'static str,
        what: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        FuzzFinding {
            target,
            what: what.into(),
            detail: detail.into(),
        }
    }
}

impl fmt::Display for FuzzFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "witness fuzz target `{}` found: {}",
            self.target, self.what
        )?;
        f.write_str(&self.detail)
    }
}

impl std::error::Error for FuzzFinding {}

/// Turns an oracle's verdict into the target's result: a finding panics
/// (that is what libFuzzer records as a crash).
pub(crate) fn verdict(result: Result<(), FuzzFinding>) -> arbitrary::Result<()> {
    match result {
        Ok(()) => Ok(()),
        Err(finding) => panic!("{finding}"),
    }
}
