//! Verdicts of the echo pipeline: every way an echo case can fail (a guest
//! that does not build, a component wasmtime rejects, a link or an
//! instantiation that fails, a call that traps, diverges, breaks the
//! protocol or hits a limit), classified into the kind, stage and class of
//! its [`Signature`], and turned into the [`Finding`] it makes.
//!
//! This is the only place that classifies echo failures: campaigns, chain
//! localisation, `witness repro`, `witness shrink`, the fuzz targets and the
//! regression corpus all get their verdicts from here (through
//! [`crate::pipeline`]), so a replayed failure has exactly the signature of
//! the finding it came from.

use crate::finding::{self, Finding, FindingMeta, Kind, Limits, Replay, Signature, Stage};
use crate::guest::GuestError;
use crate::host::echo::{CallFailure, FailureKind};
use crate::ty::CaseWorld;
use crate::value;
use crate::wit_text;
use std::collections::BTreeMap;
use wasmtime::component::Val;

/// One call: the function, the arguments (in parameter order) and the
/// result `upstream` answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub func: String,
    pub args: Vec<Val>,
    pub result: Option<Val>,
}

impl Call {
    /// The weight of the values, for choosing the lightest reproducer.
    pub fn weight(&self) -> usize {
        self.args
            .iter()
            .chain(&self.result)
            .map(value::val_weight)
            .sum()
    }

    /// The call file (`call.wave`) of this call in `world`.
    pub fn to_wave(&self, world: &CaseWorld) -> String {
        value::write_call(
            &self.func,
            &named_args(world, &self.func, &self.args),
            self.result.as_ref(),
        )
    }
}

/// What an echo case did wrong: the finding it makes, less the bookkeeping.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub kind: Kind,
    pub stage: Stage,
    /// What went wrong, normalised (the last part of the signature).
    pub class: String,
    /// The language to blame when it is one link of a chain (a link that
    /// did not build); `None` blames the whole target.
    pub blame: Option<String>,
    pub summary: String,
    pub path: Option<String>,
    pub observed: Option<String>,
    pub trap: Option<String>,
    pub guest_output: Option<String>,
    pub build_log: Option<String>,
}

impl Failure {
    fn stage(kind: Kind, stage: Stage, class: String, summary: String) -> Failure {
        Failure {
            kind,
            stage,
            class,
            blame: None,
            summary,
            path: None,
            observed: None,
            trap: None,
            guest_output: None,
            build_log: None,
        }
    }

    /// A guest that did not build (`error` is a finding: see
    /// [`GuestError::is_finding`]).
    pub fn of_build(error: &GuestError) -> Failure {
        let log = error.to_string();
        let class = build_class(&log);
        let mut failure = Failure::stage(
            Kind::Build,
            Stage::Build,
            class.clone(),
            format!("the guest did not build: {class}"),
        );
        // In a chain, a link that does not build is that language's bug.
        failure.blame = match error {
            GuestError::Build { lang, .. } | GuestError::Bindgen { lang, .. } => {
                Some(lang.to_string())
            }
            _ => None,
        };
        failure.build_log = Some(log);
        failure
    }

    /// A stage that failed with wasmtime's `message` (kept as the trap).
    fn of_stage_error(kind: Kind, stage: Stage, what: &str, message: &str) -> Failure {
        let mut failure = Failure::stage(
            kind,
            stage,
            finding::normalise_message(message),
            format!("{what}: {message}"),
        );
        failure.trap = Some(message.to_string());
        failure
    }

    /// The runtime under test crashed or hung (in its executor) at `stage`.
    pub fn of_crash(stage: Stage, crash: &crate::runtime::executor::Crash) -> Failure {
        let mut failure = Failure::stage(
            crash.kind(),
            stage,
            crash.class(),
            format!("the runtime died at {stage}: {}", crash.class()),
        );
        failure.trap = Some(crash.detail());
        failure
    }

    /// wasmtime rejected the component a toolchain made.
    pub fn of_compile(message: &str) -> Failure {
        Failure::of_stage_error(
            Kind::Build,
            Stage::Compile,
            "wasmtime rejected the guest",
            message,
        )
    }

    /// The guest does not link against the echo world.
    pub fn of_link(message: &str) -> Failure {
        Failure::of_stage_error(
            Kind::Protocol,
            Stage::Link,
            "the guest does not link against the echo world",
            message,
        )
    }

    /// Instantiation trapped, or was stopped by a limit (fuel, memory, the
    /// deadline).
    pub fn of_instantiate(message: &str) -> Failure {
        let kind = crate::host::deadline::instantiation_failure_kind(message);
        Failure::of_stage_error(kind, Stage::Instantiate, "instantiation failed", message)
    }

    /// Linear memory of one instance after a quarter, half, three quarters
    /// and all of `cycles` calls, growing all the way (the echo's leak
    /// check).
    pub fn of_leak(memory: [u64; 4], cycles: u64) -> Failure {
        let [a, b, c, d] = memory;
        Failure::stage(
            Kind::Leak,
            Stage::Cycles,
            "linear memory grows with the calls".into(),
            format!(
                "linear memory grew from {a} to {b} to {c} to {d} bytes over the last three \
                 quarters of {cycles} calls on one instance"
            ),
        )
    }

    /// The failure of `call` in `world`.
    pub fn of_call(world: &CaseWorld, call: &Call, failure: &CallFailure) -> Failure {
        let (kind, class) = classify(failure);
        let (path, trap) = match &failure.kind {
            FailureKind::Mismatch(d) => (Some(d.path.clone()), None),
            FailureKind::Trap { message, .. } | FailureKind::Limit { message } => {
                (None, Some(message.clone()))
            }
            FailureKind::Protocol { .. } => (None, None),
            FailureKind::Lifetime { message } => (None, Some(message.clone())),
            FailureKind::Crash(crash) => (None, Some(crash.detail())),
        };
        let observed = match (&failure.observed_args, &failure.observed_result) {
            (None, None) => None,
            (args, result) => {
                let args = args
                    .as_deref()
                    .map(|a| named_args(world, &call.func, a))
                    .unwrap_or_default();
                Some(value::write_call(&call.func, &args, result.as_ref()))
            }
        };
        Failure {
            kind,
            stage: failure.hop,
            class,
            blame: None,
            summary: format!("{}: {}", call.func, failure.summary()),
            path,
            observed,
            trap,
            guest_output: Some(failure.guest_output.clone()).filter(|s| !s.trim().is_empty()),
            build_log: None,
        }
    }

    /// The signature of this failure on the target named `target` (`rust`,
    /// `rust>go`).
    pub fn signature(&self, target: &str) -> Signature {
        Signature {
            language: self.blame.clone().unwrap_or_else(|| target.to_string()),
            kind: self.kind,
            site: self.stage.as_str().to_string(),
            class: self.class.clone(),
        }
    }

    /// The finding this failure makes for `world` and `call` on `target`,
    /// replayed by `replay` under `limits`, with the versions given.
    pub fn to_finding(
        &self,
        target: &str,
        world: &CaseWorld,
        call: Option<&Call>,
        replay: Replay,
        limits: Limits,
        versions: BTreeMap<String, String>,
    ) -> Finding {
        let signature = self.signature(target);
        let weight = world.weight() + call.map_or(0, Call::weight);
        Finding {
            meta: FindingMeta {
                id: signature.id(),
                signature: signature.text(),
                kind: self.kind,
                language: signature.language.clone(),
                hop: Some(self.stage),
                violation: None,
                phase: None,
                path: self.path.clone(),
                function: call.map(|c| c.func.clone()),
                summary: self.summary.clone(),
                link: None,
                count: 1,
                weight: weight as u64,
                replay,
                limits,
                versions,
            },
            world_wit: wit_text::echo_package(world),
            // A failure before the call is about the world alone.
            call: call
                .filter(|_| self.stage.is_call())
                .map(|c| c.to_wave(world)),
            steps: None,
            observed: self.observed.clone(),
            trap: self.trap.clone(),
            guest_output: self.guest_output.clone(),
            build_log: self.build_log.clone(),
        }
    }
}

/// `(parameter name, value)` pairs for a call file.
pub(crate) fn named_args(world: &CaseWorld, func: &str, args: &[Val]) -> Vec<(String, Val)> {
    let names: Vec<String> = world
        .funcs
        .iter()
        .find(|f| f.name == func)
        .map(|f| f.params.iter().map(|p| p.name.clone()).collect())
        .unwrap_or_default();
    args.iter()
        .enumerate()
        .map(|(i, v)| {
            (
                names.get(i).cloned().unwrap_or_else(|| format!("arg{i}")),
                v.clone(),
            )
        })
        .collect()
}

/// The class of a build failure: the first compiler error, without its
/// location (`error[E0425]: ...`, `./x.go:3:9: cannot use ...`), normalised.
pub fn build_class(log: &str) -> String {
    if let Some(exception) = python_exception(log) {
        return finding::normalise_message(&exception);
    }
    let located = |line: &str| -> Option<String> {
        // `file:line:col: message`
        let mut parts = line.splitn(4, ':');
        let (_file, l, c, message) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        (l.trim().parse::<u32>().is_ok() && c.trim().parse::<u32>().is_ok())
            .then(|| message.trim().to_string())
    };
    let first = log.lines().map(str::trim).find_map(|line| {
        if line.starts_with("error") && !line.starts_with("error: could not compile") {
            Some(line.to_string())
        } else {
            located(line)
        }
    });
    let line = first
        .or_else(|| log.lines().nth(1).map(str::to_string))
        .unwrap_or_else(|| "no output".to_string());
    finding::normalise_message(&line)
}

/// The exception a Python traceback in `log` ends with (componentize-py
/// reports its bindings' and the app's errors so): the last
/// `SomethingError: message` line, without a trailing `(file, line N)`, and
/// never the wrapper `AssertionError: Traceback (most recent call last):`.
fn python_exception(log: &str) -> Option<String> {
    if !log.contains("Traceback (most recent call last):") {
        return None;
    }
    log.lines()
        .rev()
        .map(str::trim)
        .filter(|l| !l.contains("Traceback (most recent call last)"))
        .filter_map(|l| {
            let (name, message) = l.split_once(": ")?;
            let is_exception = (name.ends_with("Error") || name.ends_with("Exception"))
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
            is_exception.then(|| {
                let message = match message.rfind(" (") {
                    Some(at) if message.ends_with(')') && message[at..].contains("line ") => {
                        &message[..at]
                    }
                    _ => message,
                };
                format!("{name}: {message}")
            })
        })
        .next()
}

/// The kind and class of a failed call, as they appear in its signature.
pub fn classify(failure: &CallFailure) -> (Kind, String) {
    match &failure.kind {
        FailureKind::Mismatch(d) => (Kind::Mismatch, d.kind.as_str().to_string()),
        FailureKind::Trap { root_cause, .. } => {
            (Kind::Trap, finding::normalise_message(root_cause))
        }
        FailureKind::Limit { message } => (Kind::Limit, finding::normalise_message(message)),
        FailureKind::Protocol { message } => (Kind::Protocol, finding::normalise_message(message)),
        FailureKind::Lifetime { message } => (Kind::Resource, finding::normalise_message(message)),
        FailureKind::Crash(crash) => (crash.kind(), crash.class()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_classes_are_the_first_error_without_its_location() {
        let go = "the go guest in /x did not build:\n# wit_component\n./wit_exports.go:183:98: cannot use uint32(arg2) (value of type uint32) as int32 value\n";
        assert_eq!(
            build_class(go),
            "cannot use uintN(argN) (value of type uintN) as intN value"
        );
        let rust = "the rust guest in /x did not build:\n   Compiling g v0.0.0\nerror[E0425]: cannot find value `x`\n --> src/lib.rs:3:9\nerror: could not compile `g`";
        assert_eq!(build_class(rust), "error[EN]: cannot find value `_`");
        // componentize-py: the exception the traceback ends with, not its
        // first line (which every Python failure shares).
        let python = "the python guest in /x did not build:\nTraceback (most recent call last):\n  File \"x\", line 8, in <module>\nAssertionError: Traceback (most recent call last):\n  File \"/0/app.py\", line 9\n    def f(self, self: int) -> int:\nSyntaxError: duplicate argument 'self' in function definition\n\nCaused by:\n    SyntaxError: duplicate argument 'self' in function definition (__init__.py, line 16)";
        assert_eq!(
            build_class(python),
            "SyntaxError: duplicate argument 'self' in function definition"
        );
    }

    #[test]
    fn a_link_that_does_not_build_is_blamed_in_a_chain() {
        let e = GuestError::Build {
            lang: "go",
            dir: "/x".into(),
            log: "./a.go:1:2: undefined: x".into(),
        };
        let failure = Failure::of_build(&e);
        let sig = failure.signature("rust>go");
        assert_eq!(sig.language, "go");
        assert_eq!(sig.text(), "go | build | build | undefined: x");
        let link = Failure::of_link("missing import `witness:case/upstream`");
        assert_eq!(link.signature("rust>go").language, "rust>go");
        assert_eq!(link.kind, Kind::Protocol);
    }
}
