//! The error messages witness relies on, in one place: what wasmtime
//! 48.0.8 says when a rule of the component model stops a step, sorted into
//! the classes the model predicts. Checked against wasmtime by the tests of
//! [`super::runner`] (each illegal step is run on a real guest).
//!
//! | class | wasmtime's message | raised by |
//! |---|---|---|
//! | stale handle | `unknown handle index N` | a handle table slot that is free (host or guest table) |
//! | stale handle | `host-owned resource was already de-allocated` | a host [`ResourceAny`](wasmtime::component::ResourceAny) whose slot was reused |
//! | stale handle | `handle index N used with the wrong type, ...` | a guest index whose slot now holds another type |
//! | borrowed drop | `cannot remove owned resource while borrowed` | dropping an own handle that is lent |
//! | borrow left | `borrow handles still remain at the end of the call` | a call that returns before dropping a borrow it was given |
//!
//! After a call fails, wasmtime refuses every later call on the store with
//! `cannot enter component instance`, also when the failure was raised
//! before the guest ran (a stale handle among the arguments): the model
//! ends a sequence at such a step. A failed
//! [`ResourceAny::resource_drop`](wasmtime::component::ResourceAny::resource_drop)
//! leaves the store usable.
//!
//! Not a rule of the component model, but a known upstream bug with its own
//! class: Go's garbage collector reading the clock inside `cabi_realloc`
//! traps with `cannot leave component instance` (componentize-go#77,
//! wasmtime#14319).

use std::fmt;

/// What stopped an illegal step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorClass {
    /// A handle index that names no live handle of its type.
    StaleHandle,
    /// Dropping an own handle while it is lent.
    BorrowedDrop,
    /// Returning with a borrow not dropped.
    BorrowLeft,
}

impl ErrorClass {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::StaleHandle => "stale handle",
            ErrorClass::BorrowedDrop => "borrowed drop",
            ErrorClass::BorrowLeft => "borrow left",
        }
    }

    /// The messages of this class (each matched as a substring).
    pub fn messages(self) -> &'static [&'static str] {
        match self {
            ErrorClass::StaleHandle => &[
                "unknown handle index",
                "host-owned resource was already de-allocated",
                "used with the wrong type",
            ],
            ErrorClass::BorrowedDrop => &["cannot remove owned resource while borrowed"],
            ErrorClass::BorrowLeft => &["borrow handles still remain at the end of the call"],
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The class of an error message, if it is one the model predicts.
pub fn classify(message: &str) -> Option<ErrorClass> {
    [
        ErrorClass::StaleHandle,
        ErrorClass::BorrowedDrop,
        ErrorClass::BorrowLeft,
    ]
    .into_iter()
    .find(|class| class.messages().iter().any(|m| message.contains(m)))
}

/// The trap of Go's collector inside `cabi_realloc`.
pub const GC_TRAP: &str = "cannot leave component instance";

/// What wasmtime answers every call after a failed one.
pub const POISONED: &str = "cannot enter component instance";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_classified() {
        assert_eq!(
            classify("unknown handle index 3"),
            Some(ErrorClass::StaleHandle)
        );
        assert_eq!(
            classify(
                "error while executing at wasm backtrace:\n 0: x\nhandle index 2 used with the wrong type, expected guest-defined resource but found host resource"
            ),
            Some(ErrorClass::StaleHandle)
        );
        assert_eq!(
            classify("cannot remove owned resource while borrowed"),
            Some(ErrorClass::BorrowedDrop)
        );
        assert_eq!(
            classify("borrow handles still remain at the end of the call"),
            Some(ErrorClass::BorrowLeft)
        );
        assert_eq!(
            classify("wasm trap: wasm `unreachable` instruction executed"),
            None
        );
    }
}
