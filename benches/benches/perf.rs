//! witness's benchmarks: every payload shape called the three ways (raw
//! core module, typed component API, dynamic `Val` API) in every guest
//! language, with wasmtime's concurrency support off and on; the baselines
//! (host memcpy, an empty core call); instantiation with and without the
//! pooling allocator. Also records the run ([`witness::bench::run_info`]:
//! machine, versions, sizes) for `witness report`.
//!
//! `cargo bench -p witness-benches` (add `-- --quick` for a short run, or a
//! criterion filter such as `-- call/rust`). `WITNESS_BENCH_LANGS=rust,go`
//! picks the guest languages (default: all).

use criterion::{BatchSize, Criterion};
use std::hint::black_box;
use std::time::Duration;
use witness::bench::run_info::{LanguageInfo, Machine, RunInfo, utc_timestamp};
use witness::bench::{Artifact, BenchId, Shape, Way, guests};
use witness::disk::Cache;
use witness_benches::{
    ComponentGuest, ComponentPre, EMPTY_CORE_MODULE, EngineSettings, Guest, ModulePre, Payloads,
    RawGuest, describe_config, engine,
};

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
        .nresamples(10_000)
        .configure_from_args();

    let cache = Cache::from_env();
    let langs: Vec<String> = match std::env::var("WITNESS_BENCH_LANGS") {
        Ok(list) => list
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        Err(_) => witness::bench::languages()
            .iter()
            .map(|s| s.to_string())
            .collect(),
    };
    let mut built = Vec::new();
    let mut unavailable = Vec::new();
    for lang in &langs {
        eprintln!("witness-benches: building the {lang} benchmark guests");
        match guests::build(lang, &cache) {
            Ok(g) => built.push(g),
            Err(e) => {
                eprintln!("witness-benches: {lang} is left out: {e}");
                unavailable.push((lang.clone(), e.to_string()));
            }
        }
    }
    let info = RunInfo {
        started: utc_timestamp(std::time::SystemTime::now()),
        quick,
        witness_version: env!("CARGO_PKG_VERSION").to_string(),
        wasmtime_version: witness::host::WASMTIME_VERSION.to_string(),
        engine_config: describe_config(),
        machine: Machine::this(),
        languages: built
            .iter()
            .map(|g| LanguageInfo::of(g).expect("the guests are valid wasm"))
            .collect(),
        unavailable,
    };
    let dir = witness::bench::criterion_dir();
    info.write(&dir)
        .unwrap_or_else(|e| panic!("recording the run: {e}"));

    let payloads = Payloads::new();
    for concurrency in [false, true] {
        let engine = engine(EngineSettings {
            concurrency,
            pooling: false,
        })
        .expect("an engine");
        let core = ModulePre::new(&engine, EMPTY_CORE_MODULE).expect("the empty core module");
        let mut store = core.store();
        let instance = core
            .instantiate(&mut store)
            .expect("instantiating the empty core module");
        let nop = instance
            .get_typed_func::<(), ()>(&mut store, "nop")
            .expect("its export");
        c.bench_function(&BenchId::CoreCall { concurrency }.to_string(), |b| {
            b.iter(|| nop.call(&mut store, ()).unwrap())
        });
        for g in &built {
            let mut guests = Vec::new();
            if let Some(raw) = &g.raw {
                let pre = ModulePre::new(&engine, raw).expect("the raw module compiles");
                guests.push((
                    vec![Way::Raw],
                    Guest::Raw(Box::new(
                        RawGuest::new(&pre).expect("the raw module instantiates"),
                    )),
                ));
            }
            let pre = ComponentPre::new(&engine, &g.component).expect("the component compiles");
            let component = ComponentGuest::new(&pre).expect("the component instantiates");
            guests.push((
                vec![Way::Typed, Way::Dynamic],
                Guest::Component(Box::new(component)),
            ));
            for (ways, guest) in &mut guests {
                for &way in ways.iter() {
                    for shape in Shape::all() {
                        let id = BenchId::Call {
                            lang: g.lang.clone(),
                            way,
                            concurrency,
                            shape,
                        };
                        c.bench_function(&id.to_string(), |b| {
                            let mut call = guest.call(way, shape, &payloads);
                            b.iter(&mut call);
                        });
                    }
                }
            }
        }
    }

    for bytes in witness::bench::memcpy_sizes() {
        let src: Vec<u8> = (0..bytes).map(|i| i as u8).collect();
        let mut dst = vec![0u8; bytes];
        c.bench_function(&BenchId::Memcpy { bytes }.to_string(), |b| {
            b.iter(|| {
                dst.copy_from_slice(black_box(&src));
                black_box(&mut dst);
            })
        });
    }

    for concurrency in [false, true] {
        for pooling in [false, true] {
            let engine = engine(EngineSettings {
                concurrency,
                pooling,
            })
            .expect("an engine");
            for g in &built {
                let id = |artifact| BenchId::Instantiate {
                    lang: g.lang.clone(),
                    artifact,
                    pooling,
                    concurrency,
                };
                if let Some(raw) = &g.raw {
                    let pre = ModulePre::new(&engine, raw).expect("the raw module compiles");
                    c.bench_function(&id(Artifact::Module).to_string(), |b| {
                        b.iter_batched(
                            || pre.store(),
                            |mut store| {
                                let instance = pre.instantiate(&mut store).unwrap();
                                (store, instance)
                            },
                            BatchSize::PerIteration,
                        )
                    });
                }
                let pre = ComponentPre::new(&engine, &g.component).expect("the component compiles");
                c.bench_function(&id(Artifact::Component).to_string(), |b| {
                    b.iter_batched(
                        || pre.store(),
                        |mut store| {
                            let instance = pre.pre.instance_pre().instantiate(&mut store).unwrap();
                            (store, instance)
                        },
                        BatchSize::PerIteration,
                    )
                });
            }
        }
    }
    c.final_summary();
}
