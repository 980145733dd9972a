//! Performance reports: what the canonical ABI costs per guest language,
//! beside a raw core module and the physical limits.
//!
//! This module owns the fixed benchmark world (`wit/bench.wit`) and the
//! matrix of measurements ([`BenchId`]: payload shape × way of calling ×
//! language × wasmtime's concurrency support, plus baselines and
//! instantiation), the benchmark guests ([`guests`]), binary sizes
//! ([`sizes`]), what a benchmark run records beside criterion's estimates
//! ([`run_info`]), reading those results back ([`results`]) and the report
//! written from them ([`report`], [`plot`]). The measuring itself is the
//! `witness-benches` crate (`cargo bench -p witness-benches`); `witness
//! report` writes `reports/perf.md` from what it left.

pub mod guests;
pub mod plot;
pub mod report;
pub mod results;
pub mod run_info;
pub mod sizes;

use std::fmt;
use std::path::PathBuf;

/// `wit/bench.wit`: the world every benchmark guest implements.
pub const WORLD_WIT: &str = include_str!("../../../wit/bench.wit");
/// Its world's name.
pub const WORLD: &str = "bench";
/// The exported interface, as the host looks it up.
pub const API: &str = "witness:bench/api";

/// Sizes of the `string` payloads, in bytes.
pub const STRING_SIZES: [usize; 3] = [16, 1 << 10, 64 << 10];
/// Sizes of the `list<u8>` payloads, in bytes: 64 B to 1 MiB.
pub const BYTES_SIZES: [usize; 8] = [
    64,
    256,
    1 << 10,
    4 << 10,
    16 << 10,
    64 << 10,
    256 << 10,
    1 << 20,
];
/// Readings in the `list<reading>` payload.
pub const RECORD_COUNT: usize = 100;
/// Bytes of one `reading` in the canonical ABI (and in the raw modules' C
/// layout).
pub const READING_SIZE: usize = 24;

/// The guest languages the benchmarks cover, in report order.
pub const LANGUAGES: &[&str] = &["rust", "go", "python", "c"];

/// One payload shape: a function of the benchmark world and its argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Shape {
    /// `nop()`: no payload, no result.
    Empty,
    /// `add-one(u32) -> u32`.
    U32,
    /// `string-len(string) -> u32`, a string of this many ASCII bytes.
    String(usize),
    /// `bytes-len(list<u8>) -> u32`, this many bytes.
    Bytes(usize),
    /// `sum-ids(list<reading>) -> u32`, this many readings.
    Records(usize),
    /// `area(shape) -> f64` with `rect`.
    Variant,
    /// `bump(borrow<counter>) -> u32`.
    Resource,
}

impl Shape {
    /// Every shape that is measured, in report order.
    pub fn all() -> Vec<Shape> {
        let mut out = vec![Shape::Empty, Shape::U32];
        out.extend(STRING_SIZES.iter().map(|&n| Shape::String(n)));
        out.extend(BYTES_SIZES.iter().map(|&n| Shape::Bytes(n)));
        out.extend([
            Shape::Records(RECORD_COUNT),
            Shape::Variant,
            Shape::Resource,
        ]);
        out
    }

    /// The shape's part of a benchmark id: `bytes-65536`.
    pub fn id(self) -> String {
        match self {
            Shape::Empty => "empty".into(),
            Shape::U32 => "u32".into(),
            Shape::String(n) => format!("string-{n}"),
            Shape::Bytes(n) => format!("bytes-{n}"),
            Shape::Records(n) => format!("records-{n}"),
            Shape::Variant => "variant".into(),
            Shape::Resource => "resource".into(),
        }
    }

    pub fn parse(id: &str) -> Option<Shape> {
        let sized = |prefix: &str| {
            id.strip_prefix(prefix)
                .and_then(|n| n.parse::<usize>().ok())
        };
        Some(match id {
            "empty" => Shape::Empty,
            "u32" => Shape::U32,
            "variant" => Shape::Variant,
            "resource" => Shape::Resource,
            _ => {
                if let Some(n) = sized("string-") {
                    Shape::String(n)
                } else if let Some(n) = sized("bytes-") {
                    Shape::Bytes(n)
                } else {
                    Shape::Records(sized("records-")?)
                }
            }
        })
    }

    /// How the report names it: `list<u8> 64 KiB`.
    pub fn label(self) -> String {
        match self {
            Shape::Empty => "empty call".into(),
            Shape::U32 => "u32".into(),
            Shape::String(n) => format!("string {}", human_bytes(n)),
            Shape::Bytes(n) => format!("list<u8> {}", human_bytes(n)),
            Shape::Records(n) => format!("list<record> ×{n}"),
            Shape::Variant => "variant".into(),
            Shape::Resource => "resource handle".into(),
        }
    }

    /// The WIT function it calls.
    pub fn function(self) -> &'static str {
        match self {
            Shape::Empty => "nop",
            Shape::U32 => "add-one",
            Shape::String(_) => "string-len",
            Shape::Bytes(_) => "bytes-len",
            Shape::Records(_) => "sum-ids",
            Shape::Variant => "area",
            Shape::Resource => "bump",
        }
    }

    /// Bytes of payload in the guest's memory per call, where that is what
    /// the shape is about.
    pub fn payload_bytes(self) -> Option<usize> {
        match self {
            Shape::String(n) | Shape::Bytes(n) => Some(n),
            Shape::Records(n) => Some(n * READING_SIZE),
            _ => None,
        }
    }
}

/// `64 B`, `1 KiB`, `1 MiB`.
pub fn human_bytes(n: usize) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} B")
    }
}

/// How the host calls the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Way {
    /// A raw core module: the host writes bytes into the guest's memory and
    /// calls an export with pointer and length.
    Raw,
    /// A component through wasmtime's typed API (`bindgen!`).
    Typed,
    /// A component through the dynamic `Val` API.
    Dynamic,
}

impl Way {
    pub const ALL: [Way; 3] = [Way::Raw, Way::Typed, Way::Dynamic];

    pub fn id(self) -> &'static str {
        match self {
            Way::Raw => "raw",
            Way::Typed => "typed",
            Way::Dynamic => "dynamic",
        }
    }

    pub fn parse(id: &str) -> Option<Way> {
        Way::ALL.into_iter().find(|w| w.id() == id)
    }
}

/// wasmtime's `Config::concurrency_support`, in ids: `conc-on`.
pub fn concurrency_id(on: bool) -> &'static str {
    if on { "conc-on" } else { "conc-off" }
}

fn parse_concurrency(id: &str) -> Option<bool> {
    match id {
        "conc-on" => Some(true),
        "conc-off" => Some(false),
        _ => None,
    }
}

/// What was instantiated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Artifact {
    /// The raw core module.
    Module,
    /// The component.
    Component,
}

impl Artifact {
    pub fn id(self) -> &'static str {
        match self {
            Artifact::Module => "module",
            Artifact::Component => "component",
        }
    }
}

/// One measurement, named the same way by the benchmarks (criterion's id)
/// and by the report.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BenchId {
    /// `call/<lang>/<way>/<conc>/<shape>`: one call of a shape.
    Call {
        lang: String,
        way: Way,
        concurrency: bool,
        shape: Shape,
    },
    /// `memcpy/<bytes>`: copying the payload on the host, the physical limit.
    Memcpy { bytes: usize },
    /// `core-call/<conc>`: an empty export of a minimal core module.
    CoreCall { concurrency: bool },
    /// `instantiate/<lang>/<artifact>/<pool>/<conc>`: instantiating from an
    /// `InstancePre`, with the pooling allocator on or off.
    Instantiate {
        lang: String,
        artifact: Artifact,
        pooling: bool,
        concurrency: bool,
    },
}

impl fmt::Display for BenchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BenchId::Call {
                lang,
                way,
                concurrency,
                shape,
            } => {
                write!(
                    f,
                    "call/{lang}/{}/{}/{}",
                    way.id(),
                    concurrency_id(*concurrency),
                    shape.id()
                )
            }
            BenchId::Memcpy { bytes } => write!(f, "memcpy/{bytes}"),
            BenchId::CoreCall { concurrency } => {
                write!(f, "core-call/{}", concurrency_id(*concurrency))
            }
            BenchId::Instantiate {
                lang,
                artifact,
                pooling,
                concurrency,
            } => write!(
                f,
                "instantiate/{lang}/{}/{}/{}",
                artifact.id(),
                if *pooling { "pool-on" } else { "pool-off" },
                concurrency_id(*concurrency)
            ),
        }
    }
}

impl BenchId {
    /// The inverse of `to_string`.
    pub fn parse(id: &str) -> Option<BenchId> {
        let parts: Vec<&str> = id.split('/').collect();
        Some(match parts.as_slice() {
            ["call", lang, way, conc, shape] => BenchId::Call {
                lang: lang.to_string(),
                way: Way::parse(way)?,
                concurrency: parse_concurrency(conc)?,
                shape: Shape::parse(shape)?,
            },
            ["memcpy", bytes] => BenchId::Memcpy {
                bytes: bytes.parse().ok()?,
            },
            ["core-call", conc] => BenchId::CoreCall {
                concurrency: parse_concurrency(conc)?,
            },
            ["instantiate", lang, artifact, pool, conc] => BenchId::Instantiate {
                lang: lang.to_string(),
                artifact: match *artifact {
                    "module" => Artifact::Module,
                    "component" => Artifact::Component,
                    _ => return None,
                },
                pooling: match *pool {
                    "pool-on" => true,
                    "pool-off" => false,
                    _ => return None,
                },
                concurrency: parse_concurrency(conc)?,
            },
            _ => return None,
        })
    }

    /// Every measurement a complete run of `langs` makes; `raw_langs` are
    /// the languages that have a raw core module.
    pub fn expected(langs: &[&str], raw_langs: &[&str]) -> Vec<BenchId> {
        let mut out = Vec::new();
        for &concurrency in &[false, true] {
            for &lang in langs {
                for way in Way::ALL {
                    if way == Way::Raw && !raw_langs.contains(&lang) {
                        continue;
                    }
                    for shape in Shape::all() {
                        out.push(BenchId::Call {
                            lang: lang.into(),
                            way,
                            concurrency,
                            shape,
                        });
                    }
                }
            }
            out.push(BenchId::CoreCall { concurrency });
            for &lang in langs {
                for &pooling in &[false, true] {
                    for artifact in [Artifact::Module, Artifact::Component] {
                        if artifact == Artifact::Module && !raw_langs.contains(&lang) {
                            continue;
                        }
                        out.push(BenchId::Instantiate {
                            lang: lang.into(),
                            artifact,
                            pooling,
                            concurrency,
                        });
                    }
                }
            }
        }
        for &bytes in &memcpy_sizes() {
            out.push(BenchId::Memcpy { bytes });
        }
        out
    }
}

/// Every payload size the host-side memcpy baseline is measured at.
pub fn memcpy_sizes() -> Vec<usize> {
    let mut sizes: Vec<usize> = Shape::all()
        .into_iter()
        .filter_map(Shape::payload_bytes)
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

/// Where criterion writes its results, as criterion itself decides it:
/// `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else the
/// workspace's `target/criterion`.
pub fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    crate::disk::workspace_root()
        .join("target")
        .join("criterion")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_back() {
        let ids = BenchId::expected(&["rust", "go"], &["rust"]);
        for id in &ids {
            assert_eq!(BenchId::parse(&id.to_string()).as_ref(), Some(id), "{id}");
        }
        assert!(BenchId::parse("call/rust/typed/conc-maybe/u32").is_none());
        assert!(BenchId::parse("call/rust/typed/conc-on/bytes-x").is_none());
        assert!(BenchId::parse("memcpy").is_none());
    }

    #[test]
    fn the_matrix_has_every_shape_way_and_setting() {
        let ids = BenchId::expected(&["rust", "go"], &["rust", "go"]);
        let calls = ids
            .iter()
            .filter(|id| matches!(id, BenchId::Call { .. }))
            .count();
        assert_eq!(calls, Shape::all().len() * 3 * 2 * 2);
        assert_eq!(Shape::all().len(), 2 + 3 + 8 + 3);
        // Without a raw module there are no raw calls and no module instantiation.
        let ids = BenchId::expected(&["python"], &[]);
        assert!(
            !ids.iter()
                .any(|id| matches!(id, BenchId::Call { way: Way::Raw, .. }))
        );
        assert!(!ids.iter().any(|id| matches!(
            id,
            BenchId::Instantiate {
                artifact: Artifact::Module,
                ..
            }
        )));
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_bytes(64), "64 B");
        assert_eq!(human_bytes(1024), "1 KiB");
        assert_eq!(human_bytes(1 << 20), "1 MiB");
        assert_eq!(human_bytes(1536), "1536 B");
        assert_eq!(Shape::Bytes(65536).label(), "list<u8> 64 KiB");
    }

    #[test]
    fn the_world_names_every_function_a_shape_calls() {
        for shape in Shape::all() {
            assert!(
                WORLD_WIT.contains(&format!("{}: func(", shape.function())),
                "{}",
                shape.function()
            );
        }
    }
}
