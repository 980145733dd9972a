//! Values of a case's types: random values that stress the canonical ABI,
//! comparison of an expected and an actual value down to the first
//! divergence, and WAVE text for reports and reproducers.
//!
//! Values are wasmtime's dynamic [`Val`](wasmtime::component::Val); types are
//! the witness model ([`crate::ty`]) when making values and wasmtime's
//! [`Type`](wasmtime::component::Type) when reading text back.
//!
//! - [`generate`]: [`arbitrary_val`] under a [`ValueConfig`], and
//!   [`val_weight`], the size measure that keeps reproducers small;
//! - [`compare`](mod@compare): [`compare()`] and the [`Divergence`] it reports;
//! - [`wave`]: [`to_wave`] / [`from_wave`] for every value kind (maps and
//!   fixed-length lists included), and the call files of findings
//!   ([`write_call`] / [`read_call`]).

pub mod compare;
pub mod generate;
pub mod wave;

#[cfg(test)]
mod test_worlds;

pub use compare::{Divergence, MismatchKind, compare};
pub use generate::{ValueConfig, arbitrary_val, val_weight};
pub use wave::{CallValues, WaveError, from_wave, read_call, to_wave, write_call};
