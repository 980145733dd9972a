//! Replaying a finding: rebuild its guest from `world.wit`, call the
//! function in `call.wave` with the values written there, and say whether
//! the failure is still there.

use crate::disk::Cache;
use crate::finding::{self, FindingError};
use crate::guest::{GuestError, GuestSpec, Target, TargetError};
use crate::host::echo::{CallOutcome, EchoGuest};
use crate::host::{Host, HostConfig, HostError};
use std::path::Path;

/// What a replay found.
#[derive(Debug)]
pub enum ReplayOutcome {
    /// The failure happened again with the finding's signature; the text
    /// describes it.
    Reproduced(String),
    /// Something failed, but not as the finding says: another bug, or the
    /// same one showing differently. The text describes it and gives the
    /// new signature.
    Different(String),
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
pub fn replay(
    dir: &Path,
    cache: &Cache,
    host_config: HostConfig,
) -> Result<ReplayOutcome, ReplayError> {
    let found = finding::load(dir)?;
    let wit_path = dir.join("world.wit");
    let world = crate::wit_import::echo_case(&found.world_wit).map_err(|e| ReplayError::BadFile {
        path: wit_path.display().to_string(),
        message: format!("{e}\nworld.wit must be the echo package witness wrote; restore it from version control"),
    })?;
    let links: Vec<String> = found.meta.language.split('>').map(str::to_string).collect();
    let target = Target::new(&links, cache).map_err(|e| match e {
        TargetError::UnknownLanguage(l) => ReplayError::UnknownLanguage(l),
        TargetError::Guest(e) => ReplayError::Guest(e),
    })?;
    let spec = GuestSpec {
        world: &world,
        wit: &found.world_wit,
        overrides: &[],
    };
    let built = match target.build(&spec) {
        Ok(built) => built,
        Err(e) if e.is_finding() => {
            let log = e.to_string();
            let signature = crate::finding::Signature {
                language: found.meta.language.clone(),
                kind: "build".into(),
                hop: "build".into(),
                class: crate::campaign::build_class(&log),
            };
            let what = format!("the guest does not build: {}", signature.class);
            return Ok(if signature.text() == found.meta.signature {
                ReplayOutcome::Reproduced(what)
            } else {
                ReplayOutcome::Different(format!(
                    "{what}\n(signature `{}`)\n{log}",
                    signature.text()
                ))
            });
        }
        Err(e) => return Err(e.into()),
    };
    let host = Host::new(host_config, cache)?;
    let component = match host.compile(&built.component) {
        Ok(c) => c,
        Err(HostError::Compile(m)) => {
            return Ok(ReplayOutcome::Reproduced(format!(
                "wasmtime rejects the guest: {m}"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let guest = match EchoGuest::new(&host, &component, &world) {
        Ok(g) => g,
        Err(HostError::Link(m)) => {
            return Ok(ReplayOutcome::Reproduced(format!(
                "the guest does not link: {m}"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let mut instance = match guest.instantiate(found.meta.seed.unwrap_or(0)) {
        Ok(i) => i,
        Err(HostError::Instantiate(m)) => {
            return Ok(ReplayOutcome::Reproduced(format!(
                "instantiation fails: {m}"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let Some(call_text) = found.call else {
        // A finding about the build, link or instantiation: it got this far.
        return Ok(ReplayOutcome::NotReproduced);
    };
    let call_path = dir.join("call.wave");
    let bad_call = |message: String| ReplayError::BadFile {
        path: call_path.display().to_string(),
        message,
    };
    let func = found
        .meta
        .function
        .clone()
        .ok_or_else(|| bad_call("finding.toml names no function".into()))?;
    let ty = instance
        .func_type(&func)
        .ok_or_else(|| bad_call(format!("the world has no function `{func}`")))?;
    let params: Vec<(String, wasmtime::component::Type)> =
        ty.params().map(|(n, t)| (n.to_string(), t)).collect();
    let result_ty = ty.results().next();
    let values = crate::value::read_call(&call_text, &params, result_ty.as_ref())
        .map_err(|e| bad_call(e.to_string()))?;
    let args: Vec<wasmtime::component::Val> = values.params.into_iter().map(|(_, v)| v).collect();
    Ok(match instance.call(&func, &args, values.result.as_ref()) {
        CallOutcome::Passed => ReplayOutcome::NotReproduced,
        CallOutcome::Failed(f) => {
            let (kind, class) = crate::campaign::classify(&f);
            let signature = crate::finding::Signature {
                language: found.meta.language.clone(),
                kind: kind.to_string(),
                hop: f.hop.as_str().to_string(),
                class,
            };
            if signature.text() == found.meta.signature {
                ReplayOutcome::Reproduced(f.summary())
            } else {
                ReplayOutcome::Different(format!(
                    "{}\n(signature `{}`)",
                    f.summary(),
                    signature.text()
                ))
            }
        }
    })
}
