//! Replaying a finding: rebuild its guest from `world.wit`, call the
//! function in `call.wave` with the values written there, and say whether
//! the failure is still there.

use crate::disk::Cache;
use crate::finding::{self, FindingError};
use crate::guest::{GuestBuilder, GuestError, GuestSpec};
use crate::host::echo::{CallOutcome, EchoGuest};
use crate::host::{Host, HostConfig, HostError};
use std::path::Path;

/// What a replay found.
#[derive(Debug)]
pub enum ReplayOutcome {
    /// The failure happened again; the text describes it.
    Reproduced(String),
    /// Everything passed this time.
    NotReproduced,
}

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Finding(#[from] FindingError),
    #[error("{path}: {message}")]
    BadFile { path: String, message: String },
    #[error(transparent)]
    Guest(#[from] GuestError),
    #[error(transparent)]
    Host(#[from] HostError),
    #[error("unknown guest language `{0}` in the finding")]
    UnknownLanguage(String),
}

/// Replays the finding in `dir`.
pub fn replay(dir: &Path, cache: &Cache, host_config: HostConfig) -> Result<ReplayOutcome, ReplayError> {
    let found = finding::load(dir)?;
    let wit_path = dir.join("world.wit");
    let world = crate::wit_import::echo_case(&found.world_wit).map_err(|e| ReplayError::BadFile {
        path: wit_path.display().to_string(),
        message: format!("{e}\nworld.wit must be the echo package witness wrote; restore it from version control"),
    })?;
    let language = crate::guest::language(&found.meta.language)
        .ok_or_else(|| ReplayError::UnknownLanguage(found.meta.language.clone()))?;
    let builder = GuestBuilder::new(language, cache.clone())?;
    let spec = GuestSpec { world: &world, wit: &found.world_wit, overrides: &[] };
    let built = match builder.build(&spec) {
        Ok(built) => built,
        Err(e) if e.is_finding() => return Ok(ReplayOutcome::Reproduced(format!("the guest does not build:\n{e}"))),
        Err(e) => return Err(e.into()),
    };
    let host = Host::new(host_config, cache)?;
    let component = match host.compile(&built.component) {
        Ok(c) => c,
        Err(HostError::Compile(m)) => return Ok(ReplayOutcome::Reproduced(format!("wasmtime rejects the guest: {m}"))),
        Err(e) => return Err(e.into()),
    };
    let guest = match EchoGuest::new(&host, &component, &world) {
        Ok(g) => g,
        Err(HostError::Link(m)) => return Ok(ReplayOutcome::Reproduced(format!("the guest does not link: {m}"))),
        Err(e) => return Err(e.into()),
    };
    let mut instance = match guest.instantiate(found.meta.seed.unwrap_or(0)) {
        Ok(i) => i,
        Err(HostError::Instantiate(m)) => return Ok(ReplayOutcome::Reproduced(format!("instantiation fails: {m}"))),
        Err(e) => return Err(e.into()),
    };
    let Some(call_text) = found.call else {
        // A finding about the build, link or instantiation: it got this far.
        return Ok(ReplayOutcome::NotReproduced);
    };
    let call_path = dir.join("call.wave");
    let bad_call = |message: String| ReplayError::BadFile { path: call_path.display().to_string(), message };
    let func = found.meta.function.clone().ok_or_else(|| bad_call("finding.toml names no function".into()))?;
    let ty = instance.func_type(&func).ok_or_else(|| bad_call(format!("the world has no function `{func}`")))?;
    let params: Vec<(String, wasmtime::component::Type)> = ty.params().map(|(n, t)| (n.to_string(), t)).collect();
    let result_ty = ty.results().next();
    let values = crate::value::read_call(&call_text, &params, result_ty.as_ref()).map_err(|e| bad_call(e.to_string()))?;
    let args: Vec<wasmtime::component::Val> = values.params.into_iter().map(|(_, v)| v).collect();
    Ok(match instance.call(&func, &args, values.result.as_ref()) {
        CallOutcome::Passed => ReplayOutcome::NotReproduced,
        CallOutcome::Failed(f) => ReplayOutcome::Reproduced(f.summary()),
    })
}
