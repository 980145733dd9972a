//! Deliberate faults a resources guest can be built with, one per oracle,
//! so that tests can show each oracle failing on a guest that breaks its
//! rule. Real runs build guests without a fault.
//!
//! Every language's template reads the fault's name from one constant that
//! the driver fills in (`FAULT` in Rust and Python, `fault` in Go) and
//! implements the faults its tests use.

use std::fmt;

/// One deliberate fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// A thing's destructor does nothing: its id is never logged and the
    /// live count never falls (a leak).
    NeverDestroy,
    /// `release` of a token keeps the handle in a hidden list instead of
    /// dropping it (a leak of a host resource).
    KeepReleased,
    /// A thing's destructor logs its id twice (a double destructor).
    DestroyTwice,
    /// `misuse-keep-borrow` drops the borrow after all (a missing trap).
    DropKeptBorrow,
    /// `poke` panics (a spurious trap).
    PanicOnPoke,
    /// `poke` drops the handle it pokes, which the guest still holds for
    /// the host (an early destructor).
    DropOnPoke,
    /// Every thing constructed leaks a 256-byte allocation (memory growth).
    LeakMemory,
    /// A thing's `id` method answers the id plus one (a wrong result).
    WrongId,
}

impl Fault {
    pub const ALL: [Fault; 8] = [
        Fault::NeverDestroy,
        Fault::KeepReleased,
        Fault::DestroyTwice,
        Fault::DropKeptBorrow,
        Fault::PanicOnPoke,
        Fault::DropOnPoke,
        Fault::LeakMemory,
        Fault::WrongId,
    ];

    /// The name the templates test for (`never-destroy`).
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::NeverDestroy => "never-destroy",
            Fault::KeepReleased => "keep-released",
            Fault::DestroyTwice => "destroy-twice",
            Fault::DropKeptBorrow => "drop-kept-borrow",
            Fault::PanicOnPoke => "panic-on-poke",
            Fault::DropOnPoke => "drop-on-poke",
            Fault::LeakMemory => "leak-memory",
            Fault::WrongId => "wrong-id",
        }
    }

    pub fn parse(name: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|f| f.as_str() == name)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name a template's fault constant is set to: the fault's, or `none`.
pub fn template_value(fault: Option<Fault>) -> &'static str {
    fault.map_or("none", Fault::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for fault in Fault::ALL {
            assert_eq!(Fault::parse(fault.as_str()), Some(fault));
        }
        assert_eq!(Fault::parse("none"), None);
    }
}
