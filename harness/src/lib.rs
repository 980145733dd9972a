//! witness: a test harness and fuzzer for the WebAssembly Component Model's
//! plugin boundary.
//!
//! The pipeline, one module per stage:
//! - [`ty`]: the type model of one echo case (types and function signatures);
//! - [`smith`]: random cases from `arbitrary` bytes, under a swarm [`smith::Config`];
//! - [`wit_text`] / [`wit_import`]: cases printed as an echo package, and derived from user WIT;
//! - [`value`]: random values of a case's types, comparison with paths, WAVE text;
//! - [`guest`]: guests built in each language with its real bindings generator;
//! - [`host`]: the sandboxed wasmtime host that drives the echo protocol;
//! - [`campaign`] and [`finding`]: runs over many worlds and the findings they write;
//! - [`abi`]: an independent reference of the canonical ABI;
//! - [`bench`]: the benchmark guests and the performance report.

pub mod abi;
pub mod bench;
pub mod campaign;
pub mod disk;
pub mod finding;
pub mod guest;
pub mod host;
pub mod replay;
pub mod seed;
pub mod smith;
pub mod suppress;
pub mod toolchain;
pub mod ty;
pub mod value;
pub mod wit_import;
pub mod wit_text;
