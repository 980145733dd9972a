//! The echo pipeline: the one path from an echo case to an instance ready to
//! call, or to the classified [`Failure`] that stopped it on the way.
//!
//! build (each link of the target, composed for a chain) -> compile -> link
//! -> instantiate -> call, with every failure classified by
//! [`crate::verdict`]. Campaigns, chain localisation, `witness repro`,
//! `witness shrink`, the echo fuzz targets and the regression corpus all go
//! through [`EchoPipeline`], so each gives the same verdict for the same
//! case by construction.
//!
//! It also reads a finding's `call.wave` against the case's own types
//! ([`read_call`]): the types come from the world's type component (the
//! world around wit-component's dummy module), not from a guest, so reading
//! a call never builds one.

use crate::guest::{BuiltGuest, GuestError, GuestSpec, Target};
use crate::host::echo::{CallOutcome, EchoGuest, EchoInstance};
use crate::host::{Host, HostError, error_text};
use crate::ty::CaseWorld;
use crate::verdict::{Call, Failure};
use crate::wit_text;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Type};

/// Errors that stop the pipeline: a broken set-up, not a finding.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Guest(#[from] GuestError),
    #[error(transparent)]
    Host(#[from] HostError),
}

/// Why a call file could not be read against its world.
#[derive(Debug, thiserror::Error)]
pub enum CallFileError {
    #[error("the world has no function `{0}`")]
    NoFunction(String),
    #[error("the world's types could not be made: {0}")]
    Types(String),
    #[error(transparent)]
    Wave(#[from] crate::value::WaveError),
}

/// A target's guests on a host, with the overrides every build gets (a test
/// hook: see [`GuestSpec::overrides`]).
#[derive(Clone, Copy)]
pub struct EchoPipeline<'t, 'h> {
    pub target: &'t Target,
    pub host: &'h Host,
    pub overrides: &'t [(String, String)],
}

/// A guest built, compiled and linked: ready to instantiate.
pub struct LoadedGuest<'h> {
    pub guest: EchoGuest<'h>,
    /// What the build made (and whether it came from the cache).
    pub built: BuiltGuest,
}

impl<'t, 'h> EchoPipeline<'t, 'h> {
    pub fn new(target: &'t Target, host: &'h Host) -> EchoPipeline<'t, 'h> {
        EchoPipeline {
            target,
            host,
            overrides: &[],
        }
    }

    /// Builds, compiles and links the guest of `world`.
    pub fn load(
        &self,
        world: &CaseWorld,
    ) -> Result<Result<LoadedGuest<'h>, Failure>, PipelineError> {
        let wit = wit_text::echo_package(world);
        let spec = GuestSpec {
            world,
            wit: &wit,
            overrides: self.overrides,
        };
        let built = match self.target.build(&spec) {
            Ok(built) => built,
            Err(e) if e.is_finding() => return Ok(Err(Failure::of_build(&e))),
            Err(e) => return Err(e.into()),
        };
        // A guest wasmtime rejects is rebuilt once before it is believed:
        // a build finding always comes from a fresh build.
        let component = match self.target.compile_checked(self.host, &spec, &built) {
            Ok(c) => c,
            Err(HostError::Compile(message)) => return Ok(Err(Failure::of_compile(&message))),
            Err(e) => return Err(e.into()),
        };
        match EchoGuest::new(self.host, &component, world) {
            Ok(guest) => Ok(Ok(LoadedGuest { guest, built })),
            Err(HostError::Link(message)) => Ok(Err(Failure::of_link(&message))),
            Err(e) => Err(e.into()),
        }
    }

    /// A fresh instance of a loaded guest, its randomness from `seed`.
    pub fn instantiate(
        loaded: &LoadedGuest<'_>,
        seed: u64,
    ) -> Result<Result<EchoInstance, Failure>, PipelineError> {
        match loaded.guest.instantiate(seed) {
            Ok(instance) => Ok(Ok(instance)),
            Err(HostError::Instantiate(message)) => Ok(Err(Failure::of_instantiate(&message))),
            Err(HostError::Crash(crash)) => Ok(Err(Failure::of_crash(
                crate::finding::Stage::Instantiate,
                &crash,
            ))),
            // The executor rejected what witness's engine compiled.
            Err(HostError::Compile(message)) => Ok(Err(Failure::of_compile(&message))),
            Err(HostError::Link(message)) => Ok(Err(Failure::of_link(&message))),
            Err(e) => Err(e.into()),
        }
    }

    /// Makes `call` on `instance`; its failure, `None` when it passed.
    pub fn call(instance: &mut EchoInstance, world: &CaseWorld, call: &Call) -> Option<Failure> {
        match instance.call(&call.func, &call.args, call.result.as_ref()) {
            CallOutcome::Passed => None,
            CallOutcome::Failed(f) => Some(Failure::of_call(world, call, &f)),
        }
    }

    /// Runs `world` (and `call`, when there is one) on a fresh instance:
    /// its failure, `None` when everything passed.
    pub fn run(
        &self,
        world: &CaseWorld,
        call: Option<&Call>,
        seed: u64,
    ) -> Result<Option<Failure>, PipelineError> {
        let loaded = match self.load(world)? {
            Ok(loaded) => loaded,
            Err(failure) => return Ok(Some(failure)),
        };
        let mut instance = match Self::instantiate(&loaded, seed)? {
            Ok(instance) => instance,
            Err(failure) => return Ok(Some(failure)),
        };
        Ok(call.and_then(|call| Self::call(&mut instance, world, call)))
    }
}

/// The echo's leak check: `cycles` calls on one instance of `loaded`, the
/// instance and the values drawn from `instance_seed`, cycling through the
/// functions that carry handles (all of them in a world without). Linear
/// memory is read after a quarter, half, three quarters and all of the
/// calls; a leak is growth in *each* of the three stretches, by more than
/// one 64 KiB page per thousand of its calls (an allocator's heap grows in
/// steps and then stays; a leak grows all the way). A call that fails on the
/// way is the check's failure. `None` when memory stayed flat, or in an
/// executor (which does not report memory). Campaigns run it only on
/// targets whose memory is steady ([`crate::guest::GuestLanguage::steady_memory`]).
pub fn leak_check(
    loaded: &LoadedGuest<'_>,
    world: &CaseWorld,
    values: &crate::value::ValueConfig,
    instance_seed: u64,
    cycles: u64,
) -> Result<Option<Failure>, PipelineError> {
    let mut instance = match EchoPipeline::instantiate(loaded, instance_seed)? {
        Ok(instance) => instance,
        Err(failure) => return Ok(Some(failure)),
    };
    let with_handles: Vec<&crate::ty::Func> = world
        .funcs
        .iter()
        .filter(|f| world.carries_handles(f))
        .collect();
    let funcs = if with_handles.is_empty() {
        world.funcs.iter().collect()
    } else {
        with_handles
    };
    if funcs.is_empty() {
        return Ok(None);
    }
    let marks = [cycles / 4, cycles / 2, cycles * 3 / 4];
    let mut memory = Vec::with_capacity(4);
    for k in 0..cycles {
        let func = funcs[(k % funcs.len() as u64) as usize];
        let Some((mut args, mut result)) =
            crate::campaign::call_values(world, func, values, instance_seed, LEAK_WORLD, k)
        else {
            continue;
        };
        crate::host::handles::number_call(world, func, &mut args, result.as_mut());
        let call = Call {
            func: func.name.clone(),
            args,
            result,
        };
        if let Some(failure) = EchoPipeline::call(&mut instance, world, &call) {
            return Ok(Some(failure));
        }
        if marks.contains(&(k + 1)) {
            memory.extend(instance.linear_memory_bytes());
        }
    }
    memory.extend(instance.linear_memory_bytes());
    let [a, b, c, d] = memory[..] else {
        return Ok(None);
    };
    let stretch = cycles - marks[2];
    let grew = |from: u64, to: u64| to.saturating_sub(from) / 65536 > stretch / 1000;
    let leaked = grew(a, b) && grew(b, c) && grew(c, d);
    Ok(leaked.then(|| Failure::of_leak([a, b, c, d], cycles)))
}

/// The world index the leak check's values are drawn under (no campaign
/// world has it).
const LEAK_WORLD: u64 = u64::MAX;

/// A function's parameters (names and types) and result type.
pub type FuncTypes = (Vec<(String, Type)>, Option<Type>);

/// The parameter and result types of `func` of `world`, from the world's
/// type component compiled by `host`'s engine (nothing is instantiated).
pub fn func_types(host: &Host, world: &CaseWorld, func: &str) -> Result<FuncTypes, CallFileError> {
    if !world.funcs.iter().any(|f| f.name == func) {
        return Err(CallFileError::NoFunction(func.to_string()));
    }
    let bytes = wit_text::type_component(world).map_err(|e| CallFileError::Types(e.to_string()))?;
    let engine = host.engine();
    let component =
        Component::new(engine, &bytes).map_err(|e| CallFileError::Types(error_text(&e)))?;
    let ty = component.component_type();
    let Some(ComponentItem::ComponentInstance(api)) =
        ty.get_export(engine, wit_text::API).map(|e| e.ty)
    else {
        return Err(CallFileError::Types(format!(
            "the type component exports no `{}`",
            wit_text::API
        )));
    };
    let export = world.api_export_name(func);
    let Some(ComponentItem::ComponentFunc(f)) = api.get_export(engine, &export).map(|e| e.ty)
    else {
        return Err(CallFileError::NoFunction(func.to_string()));
    };
    let params = f.params().map(|(n, t)| (n.to_string(), t)).collect();
    let result = f.results().next();
    Ok((params, result))
}

/// The call to `func` written in `text` (a `call.wave`), read against the
/// types of `world`.
pub fn read_call(
    host: &Host,
    world: &CaseWorld,
    func: &str,
    text: &str,
) -> Result<Call, CallFileError> {
    let (params, result) = func_types(host, world, func)?;
    let values = crate::value::read_call(text, &params, result.as_ref())?;
    Ok(Call {
        func: func.to_string(),
        args: values.params.into_iter().map(|(_, v)| v).collect(),
        result: values.result,
    })
}
