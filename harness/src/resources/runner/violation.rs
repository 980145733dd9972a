//! What a broken rule is: the classes of violation the runner reports, a
//! violation with its step, and how a failure the model did not expect (a
//! spurious trap, Go's collector trap, the runtime's crash or hang) is
//! classified.

use crate::resources::messages;
use crate::resources::session::CallError;
use crate::runtime::executor::Crash;
use std::fmt;

/// What kind of rule a violation broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ViolationClass {
    /// A destructor that must run did not (or a live count stayed up).
    Leak,
    /// A destructor ran for a resource already destroyed, or twice.
    DoubleDestructor,
    /// A destructor ran for a resource that is still owned.
    EarlyDestructor,
    /// An illegal step was not stopped, or stopped by another error.
    MissingTrap,
    /// A legal step failed.
    SpuriousTrap,
    /// Go's collector trapped inside `cabi_realloc` (a known upstream bug).
    GcTrap,
    /// A call answered something other than what the model says.
    WrongResult,
    /// Linear memory or live allocations grew over create/drop cycles.
    MemoryGrowth,
    /// The runtime under test crashed (in its executor).
    HostCrash,
    /// The runtime under test did not answer within the wall deadline.
    Hang,
}

impl ViolationClass {
    /// A violation of the destructor log or a live count, after which a
    /// leak check goes on measuring.
    pub fn is_destructor_count(self) -> bool {
        matches!(
            self,
            ViolationClass::Leak
                | ViolationClass::DoubleDestructor
                | ViolationClass::EarlyDestructor
        )
    }

    pub const ALL: [ViolationClass; 10] = [
        ViolationClass::Leak,
        ViolationClass::DoubleDestructor,
        ViolationClass::EarlyDestructor,
        ViolationClass::MissingTrap,
        ViolationClass::SpuriousTrap,
        ViolationClass::GcTrap,
        ViolationClass::WrongResult,
        ViolationClass::MemoryGrowth,
        ViolationClass::HostCrash,
        ViolationClass::Hang,
    ];

    /// Whether the runtime died (a finding of kind `host-crash` or `hang`,
    /// not about the guest's resources).
    pub fn is_crash(self) -> bool {
        matches!(self, ViolationClass::HostCrash | ViolationClass::Hang)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ViolationClass::Leak => "leak",
            ViolationClass::DoubleDestructor => "double destructor",
            ViolationClass::EarlyDestructor => "early destructor",
            ViolationClass::MissingTrap => "missing trap",
            ViolationClass::SpuriousTrap => "spurious trap",
            ViolationClass::GcTrap => "gc trap",
            ViolationClass::WrongResult => "wrong result",
            ViolationClass::MemoryGrowth => "memory growth",
            ViolationClass::HostCrash => "host crash",
            ViolationClass::Hang => "hang",
        }
    }

    pub fn parse(s: &str) -> Option<ViolationClass> {
        ViolationClass::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for ViolationClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A broken rule, where it was seen.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub class: ViolationClass,
    /// The step (0-based, counting the teardown after the sequence).
    pub step: usize,
    /// The step's text.
    pub step_text: String,
    /// Whether the step was part of the teardown.
    pub teardown: bool,
    /// What went wrong, in a sentence.
    pub message: String,
    /// The error wasmtime reported, when a call failed.
    pub error: Option<String>,
    /// What the guest printed.
    pub guest_output: String,
}

/// The class of a violation that is the runtime's death.
pub(super) fn crash_class(crash: &Crash) -> ViolationClass {
    if crash.is_hang() {
        ViolationClass::Hang
    } else {
        ViolationClass::HostCrash
    }
}

/// The violation the runtime's death at a step is: its class says what
/// died how, its error holds the signal, the panic and the stderr.
pub(super) fn crash_violation(
    crash: &Crash,
    step: usize,
    step_text: String,
    teardown: bool,
    guest_output: String,
) -> Violation {
    Violation {
        class: crash_class(crash),
        step,
        step_text,
        teardown,
        message: crash.class(),
        error: Some(crash.detail()),
        guest_output,
    }
}

/// Classifies a failure the model did not expect: Go's collector trapping
/// inside `cabi_realloc` (a known upstream bug, kept apart so that it is
/// neither hidden nor mistaken for a new one), or any other spurious trap.
pub fn unexpected_failure(e: &CallError) -> ViolationClass {
    if let Some(crash) = &e.crash {
        crash_class(crash)
    } else if e.message.contains(messages::GC_TRAP) {
        ViolationClass::GcTrap
    } else {
        ViolationClass::SpuriousTrap
    }
}
