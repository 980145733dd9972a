//! The raw core module of witness's benchmarks: what a hand-rolled plugin
//! system does instead of the component model. The host calls `alloc(len)`,
//! writes the payload's bytes at the pointer it gets, and calls the function
//! with pointer and length; the function owns the buffer and frees it (as a
//! component's function owns its lowered arguments). Records arrive in their
//! C layout (`Reading`, 24 bytes), the variant as its discriminant and two
//! `f64`s, a resource as an index into the module's own table.

use std::alloc::{Layout, alloc as allocate, dealloc};
use std::cell::RefCell;

/// Alignment of every buffer the host asks for (enough for `Reading`).
const ALIGN: usize = 8;

/// Memory for the host to write a payload into.
#[unsafe(no_mangle)]
pub extern "C" fn alloc(len: usize) -> *mut u8 {
    if len == 0 {
        return ALIGN as *mut u8;
    }
    // SAFETY: `len` is not zero and the layout is valid.
    unsafe { allocate(Layout::from_size_align(len, ALIGN).expect("a valid layout")) }
}

/// Frees what `alloc` gave, once the payload is used.
fn free(ptr: *mut u8, len: usize) {
    if len != 0 {
        // SAFETY: `ptr` came from `alloc(len)`.
        unsafe { dealloc(ptr, Layout::from_size_align(len, ALIGN).expect("a valid layout")) }
    }
}

/// The payload `alloc(len)` gave, handed back to the module.
fn payload(ptr: *mut u8, len: usize) -> &'static [u8] {
    if len == 0 {
        return &[];
    }
    // SAFETY: the host wrote `len` bytes at `ptr`, which `alloc` returned.
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

#[unsafe(no_mangle)]
pub extern "C" fn nop() {}

#[unsafe(no_mangle)]
pub extern "C" fn add_one(x: u32) -> u32 {
    x.wrapping_add(1)
}

/// The byte length of a UTF-8 string (not validated again: neither does a
/// release build of wit-bindgen's guest code).
#[unsafe(no_mangle)]
pub extern "C" fn string_len(ptr: *mut u8, len: usize) -> u32 {
    let n = payload(ptr, len).len() as u32;
    free(ptr, len);
    n
}

#[unsafe(no_mangle)]
pub extern "C" fn bytes_len(ptr: *mut u8, len: usize) -> u32 {
    let n = payload(ptr, len).len() as u32;
    free(ptr, len);
    n
}

/// `wit/bench.wit`'s `reading`, in the C layout the host writes.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Reading {
    pub id: u32,
    pub value: f64,
    pub ok: u8,
}

/// `count` readings at `ptr` (`count * 24` bytes).
#[unsafe(no_mangle)]
pub extern "C" fn sum_ids(ptr: *mut u8, count: usize) -> u32 {
    let len = count * size_of::<Reading>();
    let readings = if count == 0 {
        &[][..]
    } else {
        // SAFETY: the host wrote `count` readings at `ptr`, aligned to 8.
        unsafe { std::slice::from_raw_parts(ptr as *const Reading, count) }
    };
    let sum = readings.iter().fold(0u32, |sum, r| sum.wrapping_add(r.id));
    free(ptr, len);
    sum
}

/// `shape`: 0 dot, 1 circle(a), 2 rect(a, b).
#[unsafe(no_mangle)]
pub extern "C" fn area(tag: u32, a: f64, b: f64) -> f64 {
    match tag {
        0 => 0.0,
        1 => std::f64::consts::PI * a * a,
        2 => a * b,
        _ => core::arch::wasm32::unreachable(),
    }
}

thread_local! {
    /// The counters the host holds handles to: a handle is an index.
    static COUNTERS: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
}

#[unsafe(no_mangle)]
pub extern "C" fn counter_new(start: u32) -> u32 {
    COUNTERS.with_borrow_mut(|c| {
        c.push(start);
        (c.len() - 1) as u32
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn bump(handle: u32) -> u32 {
    COUNTERS.with_borrow_mut(|c| {
        let value = &mut c[handle as usize];
        *value = value.wrapping_add(1);
        *value
    })
}
