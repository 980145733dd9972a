//! The raw guest's fixed layout: names of its imports and exports, the
//! control memory's state block and script entries, and the step header
//! the host sends. The host side ([`super::host`]) and the core modules
//! ([`super::core`]) both read it from here.

/// Bytes in a wasm page.
pub const PAGE_SIZE: u32 = 1 << PAGE_SIZE_LOG2;
pub const PAGE_SIZE_LOG2: u32 = 16;

/// The probe interface the guest imports (the host implements it).
pub const PROBE: &str = "witness:raw/probe";
/// The upstream interface the guest imports (the host, or the next guest).
pub const UPSTREAM: &str = "witness:raw/upstream";
/// The interface the guest exports, with the types and `f`.
pub const API: &str = "witness:raw/api";
/// The control interface the guest exports (`take-log`).
pub const CONTROL: &str = "witness:raw/control";

pub const PROBE_FUNC_FLAT: &str = "flat";
pub const PROBE_FUNC_CONTROL: &str = "control";
pub const PROBE_FUNC_MEMORY: &str = "memory";
pub const PROBE_FUNC_NEXT: &str = "next";
pub const FUNC_TAKE_LOG: &str = "take-log";

// Core-level names.
pub(crate) const MODULE_BASE: &str = "base";
pub(crate) const MODULE_PROBE: &str = "probe";
pub(crate) const MODULE_UP: &str = "up";
pub(crate) const MEMORY_ABI: &str = "abi";
pub(crate) const MEMORY_CTL: &str = "ctl";
pub(crate) const FUNC_REALLOC: &str = "realloc";
pub(crate) const FUNC_CTL_REALLOC: &str = "ctl-realloc";
pub(crate) const FUNC_F: &str = "f";
pub(crate) const FUNC_POST: &str = "post-return";

// The state block at the start of the control memory (u32 fields unless
// said otherwise).
/// Number of script entries (from the data segment).
pub const STATE_SCRIPT_LEN: u32 = 0;
/// The next script entry `realloc` takes.
pub const STATE_SCRIPT_POS: u32 = 4;
/// The next free byte of `ctl-realloc`.
pub const STATE_CTL_BUMP: u32 = 8;
/// How many times the post-return function ran.
pub const STATE_POST_COUNT: u32 = 12;
/// The post-return function's argument, widened to a u64.
pub const STATE_POST_ARG: u32 = 16;
/// Where `probe.next` leaves its (pointer, length).
pub const STATE_RET: u32 = 24;
/// Where `take-log` leaves its (pointer, length).
pub const STATE_TAKE: u32 = 32;
/// The next spare block of `realloc` (0 before the first).
pub const STATE_SPARE_NEXT: u32 = 40;

/// Where the script starts; entries follow one another.
pub const SCRIPT_BASE: u32 = 64;
pub const ENTRY_SIZE: u32 = 32;
// Fields of a script entry: the first three come from the host, the rest
// are the log `realloc` writes.
/// What the entry does: [`MODE_SERVE`], [`MODE_TRAP`] or [`MODE_FRESH`].
pub const ENTRY_MODE: u32 = 0;
/// Return the entry's pointer.
pub const MODE_SERVE: u32 = 0;
/// Trap (after logging the call).
pub const MODE_TRAP: u32 = 1;
/// Return a spare block past what was the end of memory (a spare entry, so
/// that an unexpected call goes on and shows in the log).
pub const MODE_FRESH: u32 = 2;
/// Grow the ABI memory to this many pages first.
pub const ENTRY_PAGES: u32 = 4;
/// The pointer to return.
pub const ENTRY_PTR: u32 = 8;
/// Set to 1 when `realloc` took the entry.
pub const ENTRY_USED: u32 = 12;
pub const ENTRY_OLD_PTR: u32 = 16;
pub const ENTRY_OLD_SIZE: u32 = 20;
pub const ENTRY_ALIGN: u32 = 24;
pub const ENTRY_NEW_SIZE: u32 = 28;

// The step header, at the start of the list `probe.next` returns.
/// [`STEP_OP_CALL`] or [`STEP_OP_RETURN`].
pub const STEP_OP: u32 = 0;
/// Grow the ABI memory to this many pages.
pub const STEP_PAGES: u32 = 4;
/// Bytes of the image, copied to address 0 of the ABI memory.
pub const STEP_IMAGE_LEN: u32 = 8;
/// Where the image starts, from the header's start.
pub const STEP_IMAGE_OFFSET: u32 = 12;
/// The flat values (8 bytes each): `upstream.f`'s arguments or `f`'s results.
pub const STEP_FLAT: u32 = 16;
pub const STEP_OP_RETURN: u32 = 0;
pub const STEP_OP_CALL: u32 = 1;
