//! The `resource_sequences` target: sequences of resource steps (create on
//! either side, pass `own` handles in and out, lend borrows, call methods,
//! drop, and the illegal steps: use after drop, double drop, drop while
//! lent, a stale index, ...) drawn from the fuzzer's bytes by the reference
//! model of [`crate::resources::model`] and run on a prebuilt guest (built
//! once per process) by [`crate::resources::runner`].
//!
//! The oracle is the runner's: after every step exactly the destructors the
//! model expects ran, once each; live counts agree; illegal steps fail with
//! the error the model names and legal ones do not. A violation panics with
//! the steps, unless `corpus/suppressions.toml` knows its signature.
//!
//! The guest is Rust's unless `WITNESS_FUZZ_RESOURCES_LANG` names another
//! language (`go`, `python`, `c`). The Go and Python guests fail most sequences
//! on their known bindings bugs (see the README), so a coverage-guided run
//! over them stops at once until those are fixed or suppressed.

use super::{FuzzFinding, suppressions};
use crate::disk::{self, Cache};
use crate::guest::ToolchainInfo;
use crate::host::{Host, HostConfig};
use crate::resources::model::{self, GenConfig};
use crate::resources::{self, Prepared};
use arbitrary::Unstructured;
use std::sync::OnceLock;

/// The variable that picks the guest language.
pub const LANGUAGE_VAR: &str = "WITNESS_FUZZ_RESOURCES_LANG";

fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| {
        let config = HostConfig {
            fuel_per_call: 200_000_000,
            memory_limit: 256 << 20,
            ..HostConfig::default()
        };
        Host::new(config, &Cache::from_env()).expect("the fuzzing host starts")
    })
}

/// The file name of the prebuilt resources guest in a language's
/// directory of prebuilt guests (see [`super::echo`]).
const PREBUILT_NAME: &str = "resources.wasm";

/// The guest, built (or loaded prebuilt) and linked on first use.
fn prepared() -> &'static Prepared<'static> {
    static PREPARED: OnceLock<Prepared<'static>> = OnceLock::new();
    PREPARED.get_or_init(|| {
        let language = std::env::var(LANGUAGE_VAR).unwrap_or_else(|_| "rust".into());
        let (component, toolchain) = match super::echo::prebuilt_dir(&language) {
            Some(dir) => {
                let path = dir.join(PREBUILT_NAME);
                let bytes = std::fs::read(&path)
                    .unwrap_or_else(|e| panic!("the prebuilt resources guest {}: {e}", path.display()));
                (bytes, ToolchainInfo::default())
            }
            None => match resources::build_guest(&language, None, &Cache::from_env()) {
                Ok(Ok(built)) => built,
                Ok(Err(build)) => panic!(
                    "the {language} resources guest does not build (a finding of `witness resources`): {build}"
                ),
                Err(e) => panic!("the resources target cannot start: {e}"),
            },
        };
        if let Some(dir) = super::echo::export_dir(&language) {
            let path = dir.join(PREBUILT_NAME);
            disk::write_atomic(&path, &component)
                .unwrap_or_else(|e| panic!("exporting the resources guest to {}: {e}", path.display()));
        }
        resources::link(&language, host(), &component, toolchain, 0)
            .unwrap_or_else(|e| panic!("the {language} resources guest does not link: {e}"))
    })
}

/// See the module docs.
pub fn resource_sequences(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    super::verdict(check_sequence(prepared(), u)?)
}

/// Draws a sequence and runs it on `prepared`'s guest: the oracle of
/// [`resource_sequences`], for any guest (tests use faulty ones).
pub fn check_sequence(
    prepared: &Prepared<'_>,
    u: &mut Unstructured<'_>,
) -> arbitrary::Result<Result<(), FuzzFinding>> {
    let config = GenConfig {
        illegal: u.ratio(3u8, 4u8)?,
        illegal_one_in: u.int_in_range(2..=30)?,
        max_live: u.int_in_range(1..=8)?,
        ..GenConfig::default()
    };
    let mut steps = Vec::new();
    // Running out of bytes ends the sequence where it got to: every prefix
    // the model made is a sequence.
    match model::generate(u, &config, &mut steps) {
        Ok(()) | Err(arbitrary::Error::NotEnoughData) => {}
        Err(e) => return Err(e),
    }
    if steps.is_empty() {
        return Err(arbitrary::Error::NotEnoughData);
    }
    let run = prepared.runner.run(&steps).unwrap_or_else(|e| {
        panic!("witness fuzz target `resource_sequences`: the host failed: {e}")
    });
    let Some(violation) = run.violation else {
        return Ok(Ok(()));
    };
    let signature = resources::signature(&prepared.language, &violation, None);
    if suppressions().matching(&signature).is_some() {
        return Ok(Ok(()));
    }
    Ok(Err(FuzzFinding::new(
        "resource_sequences",
        format!(
            "{} guest, step {}: {}",
            prepared.language, violation.step, violation.message
        ),
        format!(
            "signature: {}\nviolation: {} at `{}`{}\nerror: {}\nguest output: {}\n{}",
            signature.text(),
            violation.class.as_str(),
            violation.step_text,
            if violation.teardown {
                " (teardown)"
            } else {
                ""
            },
            violation.error.as_deref().unwrap_or("none"),
            violation.guest_output,
            resources::steps_text(&steps, &prepared.language),
        ),
    )))
}
