//! Each benchmark guest answers correctly once, every way it is called,
//! under both concurrency settings: correctness of what the benchmarks
//! time, not speed.

use witness::bench::{Shape, Way, guests};
use witness::disk::Cache;
use witness_benches::{
    ComponentGuest, ComponentPre, EMPTY_CORE_MODULE, EngineSettings, Guest, ModulePre, Payloads,
    RawGuest, engine,
};

/// The answer `got` of a call of `shape` against the expected one.
fn check(lang: &str, way: Way, shape: Shape, got: u64, payloads: &Payloads) -> Result<(), String> {
    let want = payloads.expected(shape);
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "{lang} {way:?} {}: answered {got}, expected {want}",
            shape.id()
        ))
    }
}

#[test]
fn every_guest_answers_every_shape_every_way() {
    let cache = Cache::from_env();
    let payloads = Payloads::new();
    let mut failures = Vec::new();
    for lang in witness::bench::languages() {
        let built = guests::build(lang, &cache).unwrap_or_else(|e| panic!("{e}"));
        for concurrency in [false, true] {
            let engine = engine(EngineSettings {
                concurrency,
                pooling: false,
            })
            .unwrap();
            let raw = built
                .raw
                .as_ref()
                .map(|raw| ModulePre::new(&engine, raw).unwrap());
            assert_eq!(
                raw.is_some(),
                lang != "python",
                "{lang}: which languages have a raw module"
            );
            let component = ComponentPre::new(&engine, &built.component).unwrap();
            for way in Way::ALL {
                // A fresh instance per way: the counter starts over.
                let mut guest = match (way, &raw) {
                    (Way::Raw, Some(raw)) => Guest::Raw(Box::new(RawGuest::new(raw).unwrap())),
                    (Way::Raw, None) => continue,
                    _ => Guest::Component(Box::new(ComponentGuest::new(&component).unwrap())),
                };
                for shape in Shape::all() {
                    let got = guest.call(way, shape, &payloads)();
                    if let Err(e) = check(lang, way, shape, got, &payloads) {
                        failures.push(format!("{e} (concurrency {concurrency})"));
                    }
                }
                // The oracle sees a wrong answer: the counter has moved on.
                let again = guest.call(way, Shape::Resource, &payloads)();
                assert!(
                    check(lang, way, Shape::Resource, again, &payloads).is_err(),
                    "{lang} {way:?}"
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_oracle_tells_payloads_apart() {
    let payloads = Payloads::new();
    let small = payloads.expected(Shape::Bytes(64));
    assert!(check("x", Way::Raw, Shape::Bytes(256), small, &payloads).is_err());
    assert!(check("x", Way::Raw, Shape::Bytes(64), small, &payloads).is_ok());
}

#[test]
fn the_empty_core_module_is_valid_and_callable() {
    wasmparser::Validator::new()
        .validate_all(EMPTY_CORE_MODULE)
        .unwrap();
    let engine = engine(EngineSettings {
        concurrency: false,
        pooling: true,
    })
    .unwrap();
    let pre = ModulePre::new(&engine, EMPTY_CORE_MODULE).unwrap();
    let mut store = pre.store();
    let instance = pre.instantiate(&mut store).unwrap();
    instance
        .get_typed_func::<(), ()>(&mut store, "nop")
        .unwrap()
        .call(&mut store, ())
        .unwrap();
}
