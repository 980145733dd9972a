//! The `abi_layout` and `abi_invalid` targets: the byte-level oracle of
//! [`crate::abi_oracle`] with cases drawn from the fuzzer's bytes.
//!
//! `abi_layout` draws valid calls (one raw guest, or a chain of two or three
//! with different string encodings, so values cross wasmtime's transcoders)
//! and checks every byte wasmtime lowers and every value it lifts against
//! the reference. `abi_invalid` draws one deliberately invalid thing per
//! call (a discriminant past the cases, a bad char, broken UTF-8 or UTF-16,
//! a pointer out of bounds or misaligned, a length past the limit, a bad
//! `realloc` result) and checks that wasmtime traps exactly where the spec
//! does, with the same kind of trap, and returns a value where it does not.
//!
//! A disagreement panics with the case described (world, options, values,
//! the injection), unless `corpus/suppressions.toml` knows its signature.

use super::{FuzzFinding, suppressions};
use crate::abi_oracle::{self, CaseClass, NoCase, draw_case, sites::InvalidKind};
use crate::disk::Cache;
use crate::host::{Host, HostConfig};
use arbitrary::Unstructured;
use std::sync::OnceLock;

/// The raw guests are tiny, but every input is a new component: compiled
/// fresh, never cached on disk.
fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| {
        let config = HostConfig {
            compilation_cache: false,
            ..HostConfig::default()
        };
        Host::new(config, &Cache::from_env()).expect("the fuzzing host starts")
    })
}

/// See the module docs.
pub fn abi_layout(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let class = if u.ratio(1u8, 4u8)? {
        CaseClass::Transcode
    } else {
        CaseClass::Layout
    };
    abi_case("abi_layout", u, class)
}

/// See the module docs.
pub fn abi_invalid(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    // The kind is chosen when the case is drawn, among those its sites fit.
    abi_case(
        "abi_invalid",
        u,
        CaseClass::Invalid(InvalidKind::Discriminant),
    )
}

fn abi_case(
    target: &'static str,
    u: &mut Unstructured<'_>,
    class: CaseClass,
) -> arbitrary::Result<()> {
    let case = match draw_case(u, 0, 0, Some(class)) {
        Ok(case) => case,
        Err(NoCase::Exhausted) => return Err(arbitrary::Error::NotEnoughData),
        Err(NoCase::Names(_)) => return Err(arbitrary::Error::IncorrectFormat),
        Err(NoCase::Sim(e)) => {
            // The reference could not simulate a case the generator made:
            // a witness bug, and reported as one.
            return super::verdict(Err(FuzzFinding::new(
                target,
                "the reference ABI cannot simulate a drawn case",
                e.to_string(),
            )));
        }
    };
    let failures = abi_oracle::run_case(host(), &case).unwrap_or_else(|e| {
        panic!("witness fuzz target `{target}`: the host failed to run a case: {e}")
    });
    let Some(first) = failures.first() else {
        return Ok(());
    };
    let signature = abi_oracle::signature(&case, first);
    if suppressions().matching(&signature).is_some() {
        return Ok(());
    }
    let mut detail = format!(
        "signature: {}\n{}",
        signature.text(),
        abi_oracle::describe(&case)
    );
    for f in &failures {
        detail.push_str(&format!(
            "failure in {}: {}\n{}\n",
            f.phase.describe(case.chain.guests.len()),
            f.class,
            f.detail
        ));
    }
    super::verdict(Err(FuzzFinding::new(
        target,
        format!("wasmtime disagrees with the reference ABI: {}", first.class),
        detail,
    )))
}
