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
//! - [`pipeline`] and [`verdict`]: the one echo pipeline (build, compile, link,
//!   instantiate, call) and the classification of every way it fails;
//! - [`campaign`], [`recorder`] and [`finding`]: runs over many worlds, the
//!   recorder every campaign counts and writes findings through, and the typed
//!   finding records;
//! - [`abi`]: an independent reference of the canonical ABI;
//! - [`rawguest`]: guests written byte by byte by witness, puppets of the host;
//! - [`abi_oracle`]: wasmtime's lifting and lowering against [`abi`], through raw guests;
//! - [`resources`]: resource lifetimes (own/borrow, drop orders) against a reference model;
//! - [`reproduce`] and [`shrink`]: one case replayed and classified, and findings reduced
//!   to their smallest reproducer;
//! - [`fuzzing`]: the `cargo fuzz` targets as library functions;
//! - [`bench`]: the benchmark guests and the performance report.

pub mod abi;
pub mod abi_oracle;
pub mod bench;
pub mod campaign;
pub mod disk;
pub mod finding;
pub mod fuzzing;
pub mod guest;
pub mod host;
pub mod limits;
pub mod pipeline;
pub mod rawguest;
pub mod recorder;
pub mod rediscover;
pub mod reproduce;
pub mod resources;
pub mod runtime;
pub mod seed;
pub mod shrink;
pub mod smith;
pub mod suppress;
pub mod text_table;
pub mod toolchain;
pub mod ty;
pub mod value;
pub mod verdict;
pub mod wit_import;
pub mod wit_text;
