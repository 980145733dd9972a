//! Tests of the generator: validity of many worlds (wit-parser resolves
//! them and they encode as valid components), determinism, coverage of every
//! kind and shape, the switches, and the config's validation.

use std::collections::{BTreeSet, HashSet};

use arbitrary::{Arbitrary, Unstructured};

use super::*;
use crate::seed;
use crate::ty::{MAX_FLAGS, TypeKind};
use crate::wit_text::{self, test_support::encode_echo_component};

/// Seed bytes per world, as a campaign draws them.
const SEED_BYTES: usize = 4096;

/// The config and world drawn from seed `n` (config first, swarm style).
fn swarm_world(n: u64) -> (Config, CaseWorld) {
    let bytes = seed::bytes(n, &[0xC0DE], SEED_BYTES);
    let mut u = Unstructured::new(&bytes);
    let config = Config::arbitrary(&mut u).expect("config draws never fail");
    config.validate().expect("drawn configs are valid");
    let world = smith(&config, &mut u).expect("smith never fails on a valid config");
    (config, world)
}

fn world_with(config: &Config, n: u64, len: usize) -> CaseWorld {
    let bytes = seed::bytes(n, &[0xF00D], len);
    smith(config, &mut Unstructured::new(&bytes)).expect("smith never fails on a valid config")
}

/// The structural promises of `ty.rs` and of this generator, checked on a
/// finished world: the first broken one, described.
fn check_invariants(world: &CaseWorld) -> Result<(), String> {
    fn valid_name(name: &str) -> bool {
        name.split('-').all(|w| {
            w.starts_with(|c: char| c.is_ascii_lowercase())
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
    }
    fn unique<'a>(what: &str, names: impl IntoIterator<Item = &'a String>) -> Result<(), String> {
        let mut seen = HashSet::new();
        for name in names {
            if !valid_name(name) {
                return Err(format!("{what}: `{name}` is not a valid WIT name"));
            }
            if !seen.insert(name) {
                return Err(format!("{what}: `{name}` appears twice"));
            }
        }
        Ok(())
    }
    fn refs_before(ty: &Ty, limit: usize, at: &str) -> Result<(), String> {
        let mut names = Vec::new();
        CaseWorld::direct_names(ty, &mut names);
        match names.iter().find(|&&i| i >= limit) {
            Some(i) => Err(format!("{at} refers to type {i}, not before {limit}")),
            None => Ok(()),
        }
    }
    unique(
        "package",
        world
            .types
            .iter()
            .map(|t| &t.name)
            .chain(world.funcs.iter().map(|f| &f.name)),
    )?;
    for (i, def) in world.types.iter().enumerate() {
        let at = format!("type {i} `{}`", def.name);
        match &def.kind {
            TypeDefKind::Record(fields) => {
                if fields.is_empty() {
                    return Err(format!("{at}: empty record"));
                }
                unique(&at, fields.iter().map(|f| &f.name))?;
                for f in fields {
                    refs_before(&f.ty, i, &at)?;
                }
            }
            TypeDefKind::Variant(cases) => {
                if cases.is_empty() {
                    return Err(format!("{at}: empty variant"));
                }
                unique(&at, cases.iter().map(|c| &c.name))?;
                for t in cases.iter().filter_map(|c| c.ty.as_ref()) {
                    refs_before(t, i, &at)?;
                }
            }
            TypeDefKind::Enum(cases) => {
                if cases.is_empty() {
                    return Err(format!("{at}: empty enum"));
                }
                unique(&at, cases)?;
            }
            TypeDefKind::Flags(flags) => {
                if flags.is_empty() || flags.len() > MAX_FLAGS {
                    return Err(format!("{at}: {} flags", flags.len()));
                }
                unique(&at, flags)?;
            }
            TypeDefKind::Alias(t) => refs_before(t, i, &at)?,
            TypeDefKind::Resource(members) | TypeDefKind::GuestResource(members) => {
                unique(&at, members.iter().map(|m| &m.name))?;
                for m in members {
                    if world.member_of(&m.echo).map(|(r, _)| r) != Some(i) {
                        return Err(format!(
                            "{at}: member `{}` has no echo of its shape",
                            m.name
                        ));
                    }
                }
            }
        }
    }
    let n = world.types.len();
    for func in &world.funcs {
        let at = format!("function `{}`", func.name);
        if func.result.as_ref().is_some_and(|r| world.has_borrows(r)) {
            return Err(format!("{at}: a borrow in the result"));
        }
        unique(&at, func.params.iter().map(|p| &p.name))?;
        for ty in func.params.iter().map(|p| &p.ty).chain(&func.result) {
            refs_before(ty, n, &at)?;
        }
    }
    if world.funcs.is_empty() {
        return Err("no functions".into());
    }
    Ok(())
}

#[test]
fn invariant_check_catches_broken_worlds() {
    let (_, good) = (0..)
        .map(swarm_world)
        .find(|(_, w)| w.types.len() >= 2)
        .unwrap();
    check_invariants(&good).unwrap();

    let mut forward = good.clone();
    forward.types[0].kind = TypeDefKind::Alias(Ty::Named(1));
    assert!(
        check_invariants(&forward)
            .unwrap_err()
            .contains("refers to type 1")
    );

    let mut clash = good.clone();
    clash.funcs[0].name = clash.types[0].name.clone();
    assert!(
        check_invariants(&clash)
            .unwrap_err()
            .contains("appears twice")
    );

    let mut bad_name = good.clone();
    bad_name.types[1].name = "Bad_Name".into();
    assert!(
        check_invariants(&bad_name)
            .unwrap_err()
            .contains("not a valid WIT name")
    );

    let mut many_flags = good;
    many_flags.types[0].kind = TypeDefKind::Flags((0..33).map(|i| format!("f{i}")).collect());
    assert!(
        check_invariants(&many_flags)
            .unwrap_err()
            .contains("33 flags")
    );
}

/// The main validity test: 3,000 swarm worlds from 4 KiB seeds each resolve
/// with wit-parser, encode as a component that wasmparser validates (with
/// the component model features a wasmtime 48 host has by default), keep
/// the generator's invariants, and come out the same from the same seed.
#[test]
fn thousands_of_seeds_give_valid_deterministic_worlds() {
    for n in 0..3_000u64 {
        let (config, world) = swarm_world(n);
        check_invariants(&world).unwrap_or_else(|e| panic!("seed {n}: {e}\n{world:#?}"));
        let text = wit_text::echo_package(&world);
        let (resolve, world_id) =
            wit_text::resolve_echo(&text).unwrap_or_else(|e| panic!("seed {n}: {e}\n{text}"));
        encode_echo_component(&resolve, world_id, &world)
            .unwrap_or_else(|e| panic!("seed {n}: {e:?}\n{text}"));
        if n % 10 == 0 {
            let (config2, world2) = swarm_world(n);
            assert_eq!(config, config2, "seed {n}: config differs between runs");
            assert_eq!(
                text,
                wit_text::echo_package(&world2),
                "seed {n}: text differs"
            );
        }
    }
}

/// Campaigns give each world 64 KiB, so generation never runs out of
/// bytes and worlds reach their configured sizes: those are valid too.
#[test]
fn campaign_sized_seeds_give_valid_worlds() {
    for n in 0..300u64 {
        let bytes = seed::bytes(n, &[0xCA4], 64 * 1024);
        let mut u = Unstructured::new(&bytes);
        let config = Config::arbitrary(&mut u).unwrap();
        let world = smith(&config, &mut u).unwrap();
        check_invariants(&world).unwrap_or_else(|e| panic!("seed {n}: {e}"));
        let text = wit_text::echo_package(&world);
        let (resolve, id) =
            wit_text::resolve_echo(&text).unwrap_or_else(|e| panic!("seed {n}: {e}\n{text}"));
        encode_echo_component(&resolve, id, &world)
            .unwrap_or_else(|e| panic!("seed {n}: {e:?}\n{text}"));
    }
}

/// wasmtime 48 itself (not only the validator) loads generated worlds:
/// dummy components compile with an engine configured as the host's is,
/// the proposals switched on only where the world uses them.
#[test]
fn wasmtime_loads_generated_worlds() {
    let engine = |fixed_lists: bool, maps: bool| {
        let mut config = wasmtime::Config::new();
        config.wasm_component_model_fixed_length_lists(fixed_lists);
        config.wasm_component_model_map(maps);
        wasmtime::Engine::new(&config).unwrap()
    };
    let engines = [
        [engine(false, false), engine(false, true)],
        [engine(true, false), engine(true, true)],
    ];
    let proposals = Config {
        fixed_length_lists: true,
        maps: true,
        ..Config::default()
    };
    let worlds = (0..60u64)
        .map(|n| swarm_world(n).1)
        .chain((0..20).map(|n| world_with(&proposals, n, SEED_BYTES)))
        .chain((0..2).map(|n| world_with(&Config::extremes(), n, 256 * 1024)));
    for (n, world) in worlds.enumerate() {
        let text = wit_text::echo_package(&world);
        let (resolve, id) = wit_text::resolve_echo(&text).unwrap();
        let component = wit_text::test_support::dummy_component(&resolve, id).unwrap();
        let (fixed_lists, maps) = wit_text::test_support::uses_proposals(&world);
        let engine = &engines[usize::from(fixed_lists)][usize::from(maps)];
        wasmtime::component::Component::new(engine, &component)
            .unwrap_or_else(|e| panic!("world {n}: wasmtime rejects it: {e:?}\n{text}"));
    }
}

#[test]
fn same_seed_same_world_different_seeds_differ() {
    let texts: Vec<String> = (0..50)
        .map(|n| wit_text::echo_package(&swarm_world(n).1))
        .collect();
    for (n, text) in texts.iter().enumerate() {
        assert_eq!(*text, wit_text::echo_package(&swarm_world(n as u64).1));
    }
    let distinct: HashSet<&String> = texts.iter().collect();
    assert!(
        distinct.len() >= 45,
        "only {} distinct worlds of 50",
        distinct.len()
    );
}

/// Everything on, every limit at its cap, keyword names on, large seeds:
/// still resolves, encodes and validates (with the fixed-length-list and map
/// features on, as the world uses them).
#[test]
fn extreme_config_gives_valid_worlds() {
    let config = Config::extremes();
    config.validate().unwrap();
    let (mut most_funcs, mut longest_text) = (0, 0);
    for n in 0..12u64 {
        let world = world_with(&config, n, 256 * 1024);
        check_invariants(&world).unwrap_or_else(|e| panic!("seed {n}: {e}"));
        let text = wit_text::echo_package(&world);
        let (resolve, id) =
            wit_text::resolve_echo(&text).unwrap_or_else(|e| panic!("seed {n}: {e}"));
        encode_echo_component(&resolve, id, &world).unwrap_or_else(|e| panic!("seed {n}: {e:?}"));
        most_funcs = most_funcs.max(world.funcs.len());
        longest_text = longest_text.max(text.len());
    }
    // The extremes really are extreme: beyond what a default world can be.
    assert!(
        most_funcs > Config::default().max_funcs,
        "at most {most_funcs} functions"
    );
    assert!(
        longest_text > 20_000,
        "longest echo package: {longest_text} bytes"
    );
}

/// What a set of worlds exercised, for the coverage tests.
#[derive(Default, Debug)]
struct Coverage {
    kinds: BTreeSet<TypeKind>,
    aliases: bool,
    result_shapes: BTreeSet<(bool, bool)>,
    case_with_payload: bool,
    case_without_payload: bool,
    wide_params: bool,
    spilled_result: bool,
    flat_result: bool,
    no_params: bool,
    no_result: bool,
    long_enum: bool,
    full_flags: bool,
    keyword_name: bool,
    escaped_keyword: bool,
}

impl Coverage {
    fn add(&mut self, world: &CaseWorld) {
        let mut names: Vec<&String> = Vec::new();
        for def in &world.types {
            names.push(&def.name);
            match &def.kind {
                TypeDefKind::Record(fields) => {
                    fields.iter().for_each(|f| {
                        names.push(&f.name);
                        self.ty(world, &f.ty);
                    });
                }
                TypeDefKind::Variant(cases) => {
                    for case in cases {
                        names.push(&case.name);
                        match &case.ty {
                            Some(t) => {
                                self.case_with_payload = true;
                                self.ty(world, t);
                            }
                            None => self.case_without_payload = true,
                        }
                    }
                }
                TypeDefKind::Enum(cases) => {
                    self.long_enum |= cases.len() >= 100;
                    names.extend(cases);
                }
                TypeDefKind::Flags(flags) => {
                    self.full_flags |= flags.len() == MAX_FLAGS;
                    names.extend(flags);
                }
                TypeDefKind::Alias(t) => {
                    self.aliases = true;
                    self.ty(world, t);
                }
                TypeDefKind::Resource(_) | TypeDefKind::GuestResource(_) => {}
            }
        }
        for func in &world.funcs {
            names.push(&func.name);
            let flat: usize = func.params.iter().map(|p| world.flat_count(&p.ty)).sum();
            self.wide_params |= flat > MAX_FLAT_PARAMS;
            self.no_params |= func.params.is_empty();
            for p in &func.params {
                names.push(&p.name);
                self.ty(world, &p.ty);
            }
            match &func.result {
                Some(r) => {
                    self.ty(world, r);
                    let spilled = world.flat_count(r) > crate::ty::MAX_FLAT_RESULTS;
                    self.spilled_result |= spilled;
                    self.flat_result |= !spilled;
                }
                None => self.no_result = true,
            }
        }
        for name in names {
            if keyword_names().contains(&name.as_str()) {
                self.keyword_name = true;
                self.escaped_keyword |= wit_text::escape_ident(name).starts_with('%');
            }
        }
    }

    fn ty(&mut self, world: &CaseWorld, ty: &Ty) {
        self.kinds.insert(world.kind(ty));
        match ty {
            Ty::List(t) | Ty::FixedList(t, _) | Ty::Option(t) => self.ty(world, t),
            Ty::Map(k, v) => {
                self.ty(world, k);
                self.ty(world, v);
            }
            Ty::Tuple(ts) => ts.iter().for_each(|t| self.ty(world, t)),
            Ty::Result { ok, err } => {
                self.result_shapes.insert((ok.is_some(), err.is_some()));
                ok.iter().chain(err).for_each(|t| self.ty(world, t));
            }
            _ => {}
        }
    }

    /// What is missing, by name: empty when everything was seen.
    fn missing(&self, with_proposals: bool) -> Vec<String> {
        let mut missing = Vec::new();
        let mut want = vec![
            TypeKind::Bool,
            TypeKind::Int,
            TypeKind::Float,
            TypeKind::Char,
            TypeKind::String,
            TypeKind::List,
            TypeKind::Tuple,
            TypeKind::Option,
            TypeKind::Result,
            TypeKind::Record,
            TypeKind::Variant,
            TypeKind::Enum,
            TypeKind::Flags,
        ];
        if with_proposals {
            want.extend([TypeKind::FixedList, TypeKind::Map]);
        }
        for kind in want {
            if !self.kinds.contains(&kind) {
                missing.push(format!("kind {kind}"));
            }
        }
        for shape in [(false, false), (true, false), (false, true), (true, true)] {
            if !self.result_shapes.contains(&shape) {
                missing.push(format!("result shape {shape:?}"));
            }
        }
        for (seen, what) in [
            (self.aliases, "alias"),
            (self.case_with_payload, "variant case with payload"),
            (self.case_without_payload, "variant case without payload"),
            (self.wide_params, "more than 16 flat params"),
            (self.spilled_result, "spilled result"),
            (self.flat_result, "flat result"),
            (self.no_params, "function without params"),
            (self.no_result, "function without result"),
            (self.long_enum, "enum with >= 100 cases"),
            (self.full_flags, "flags with 32 members"),
            (self.keyword_name, "keyword name"),
            (self.escaped_keyword, "WIT keyword name (printed with %)"),
        ] {
            if !seen {
                missing.push(what.to_string());
            }
        }
        missing
    }
}

#[test]
fn swarm_worlds_cover_every_kind_and_shape() {
    let mut coverage = Coverage::default();
    for n in 0..300 {
        coverage.add(&swarm_world(n).1);
    }
    let missing = coverage.missing(false);
    assert!(missing.is_empty(), "never generated: {missing:?}");
    // The proposals stay off in drawn configs.
    assert!(!coverage.kinds.contains(&TypeKind::FixedList));
    assert!(!coverage.kinds.contains(&TypeKind::Map));
}

#[test]
fn proposal_switches_add_fixed_lists_and_maps() {
    let config = Config {
        fixed_length_lists: true,
        maps: true,
        ..Config::default()
    };
    let mut coverage = Coverage::default();
    for n in 0..300 {
        let world = world_with(&config, n, SEED_BYTES);
        coverage.add(&world);
        if n < 40 {
            let text = wit_text::echo_package(&world);
            let (resolve, id) = wit_text::resolve_echo(&text).unwrap();
            encode_echo_component(&resolve, id, &world).unwrap();
        }
    }
    let missing = coverage.missing(true);
    assert!(missing.is_empty(), "never generated: {missing:?}");
}

/// The coverage check itself fails when a switch is broken: with enums and
/// keyword names off it reports both missing.
#[test]
fn coverage_check_reports_what_is_missing() {
    let config = Config {
        enums: false,
        keyword_names: false,
        ..Config::default()
    };
    let mut coverage = Coverage::default();
    for n in 0..100 {
        coverage.add(&world_with(&config, n, SEED_BYTES));
    }
    let missing = coverage.missing(false);
    assert!(missing.contains(&"kind enum".to_string()), "{missing:?}");
    assert!(
        missing.contains(&"enum with >= 100 cases".to_string()),
        "{missing:?}"
    );
    assert!(missing.contains(&"keyword name".to_string()), "{missing:?}");
}

/// Every switch switches its kind off: over many worlds with one switch off
/// that kind never appears, while it does appear with the switch on.
#[test]
fn each_switch_turns_its_kind_off() {
    type Switch = fn(&mut Config) -> &mut bool;
    let switches: [(Switch, &str); 13] = [
        (|c| &mut c.bools, "kind bool"),
        (|c| &mut c.ints, "kind int"),
        (|c| &mut c.floats, "kind float"),
        (|c| &mut c.chars, "kind char"),
        (|c| &mut c.strings, "kind string"),
        (|c| &mut c.lists, "kind list"),
        (|c| &mut c.tuples, "kind tuple"),
        (|c| &mut c.options, "kind option"),
        (|c| &mut c.results, "kind result"),
        (|c| &mut c.records, "kind record"),
        (|c| &mut c.variants, "kind variant"),
        (|c| &mut c.enums, "kind enum"),
        (|c| &mut c.flags, "kind flags"),
    ];
    for (switch, what) in switches {
        let on = Config::default();
        let mut off = Config::default();
        *switch(&mut off) = false;
        let (mut seen_on, mut seen_off) = (Coverage::default(), Coverage::default());
        for n in 0..60 {
            seen_on.add(&world_with(&on, n, SEED_BYTES));
            seen_off.add(&world_with(&off, n, SEED_BYTES));
        }
        assert!(
            !seen_on.missing(false).contains(&what.to_string()),
            "{what} never on"
        );
        assert!(
            seen_off.missing(false).contains(&what.to_string()),
            "{what} still seen when off"
        );
    }
    let no_alias = Config {
        aliases: false,
        ..Config::default()
    };
    let mut seen = Coverage::default();
    for n in 0..60 {
        seen.add(&world_with(&no_alias, n, SEED_BYTES));
    }
    assert!(!seen.aliases);
}

#[test]
fn keyword_names_off_means_no_keyword_names() {
    let config = Config {
        keyword_names: false,
        ..Config::default()
    };
    let mut coverage = Coverage::default();
    for n in 0..200 {
        coverage.add(&world_with(&config, n, SEED_BYTES));
    }
    assert!(!coverage.keyword_name);
}

#[test]
fn limits_are_respected() {
    let config = Config {
        max_named_types: 3,
        max_record_fields: 2,
        max_variant_cases: 2,
        max_enum_cases: 3,
        max_flags: 2,
        max_tuple_arity: 2,
        max_funcs: 2,
        max_params: 3,
        max_type_depth: 3,
        max_type_size: 10,
        ..Config::default()
    };
    fn depth(world: &CaseWorld, ty: &Ty) -> usize {
        match ty {
            Ty::List(t) | Ty::FixedList(t, _) | Ty::Option(t) => 1 + depth(world, t),
            Ty::Map(k, v) => 1 + depth(world, k).max(depth(world, v)),
            Ty::Tuple(ts) => 1 + ts.iter().map(|t| depth(world, t)).max().unwrap_or(0),
            Ty::Result { ok, err } => {
                1 + ok
                    .iter()
                    .chain(err)
                    .map(|t| depth(world, t))
                    .max()
                    .unwrap_or(0)
            }
            Ty::Named(i) => match &world.types[*i].kind {
                TypeDefKind::Record(fs) => {
                    1 + fs.iter().map(|f| depth(world, &f.ty)).max().unwrap_or(0)
                }
                TypeDefKind::Variant(cs) => {
                    1 + cs
                        .iter()
                        .filter_map(|c| c.ty.as_ref())
                        .map(|t| depth(world, t))
                        .max()
                        .unwrap_or(0)
                }
                TypeDefKind::Alias(t) => depth(world, t),
                _ => 1,
            },
            _ => 1,
        }
    }
    for n in 0..300 {
        let w = world_with(&config, n, SEED_BYTES);
        assert!(w.types.len() <= 3 && w.funcs.len() <= 2 && !w.funcs.is_empty());
        for def in &w.types {
            match &def.kind {
                TypeDefKind::Record(f) => assert!(f.len() <= 2),
                TypeDefKind::Variant(c) => assert!(c.len() <= 2),
                TypeDefKind::Enum(c) => assert!(c.len() <= 3),
                TypeDefKind::Flags(f) => assert!(f.len() <= 2),
                TypeDefKind::Alias(_)
                | TypeDefKind::Resource(_)
                | TypeDefKind::GuestResource(_) => {}
            }
        }
        for f in &w.funcs {
            assert!(f.params.len() <= 3);
            for ty in f.params.iter().map(|p| &p.ty).chain(&f.result) {
                assert!(depth(&w, ty) <= 3, "seed {n}: too deep: {ty:?}");
                if let Ty::Tuple(ts) = ty {
                    assert!(ts.len() <= 2);
                }
            }
        }
    }
}

#[test]
fn config_validation_rejects_bad_limits() {
    Config::default().validate().unwrap();
    Config::extremes().validate().unwrap();
    let too_many_flags = Config {
        max_flags: MAX_FLAGS + 1,
        ..Config::default()
    };
    let err = too_many_flags.validate().unwrap_err();
    assert_eq!(err, ConfigError::Flags(33));
    assert!(err.to_string().contains("1..=32"), "{err}");
    assert_eq!(
        Config {
            max_flags: 0,
            ..Config::default()
        }
        .validate(),
        Err(ConfigError::Flags(0))
    );
    let deep = Config {
        max_type_depth: caps::MAX_TYPE_DEPTH + 1,
        ..Config::default()
    };
    assert!(matches!(
        deep.validate(),
        Err(ConfigError::OutOfRange {
            name: "max_type_depth",
            ..
        })
    ));
    let no_funcs = Config {
        max_funcs: 0,
        ..Config::default()
    };
    assert!(matches!(
        no_funcs.validate(),
        Err(ConfigError::OutOfRange {
            name: "max_funcs",
            ..
        })
    ));
    let no_scalars = Config {
        bools: false,
        ints: false,
        floats: false,
        chars: false,
        strings: false,
        ..Config::default()
    };
    assert_eq!(no_scalars.validate(), Err(ConfigError::NoScalarKind));
    // An invalid config makes smith fail cleanly instead of generating.
    let bytes = seed::bytes(1, &[], 256);
    assert!(smith(&too_many_flags, &mut Unstructured::new(&bytes)).is_err());
}

#[test]
fn drawn_configs_are_always_valid_even_from_no_bytes() {
    for n in 0..2_000u64 {
        let bytes = seed::bytes(n, &[7], (n % 64) as usize);
        let config = Config::arbitrary(&mut Unstructured::new(&bytes)).unwrap();
        config
            .validate()
            .unwrap_or_else(|e| panic!("seed {n}: {e}"));
    }
    let config = Config::arbitrary(&mut Unstructured::new(&[])).unwrap();
    config.validate().unwrap();
    // Running out of bytes still gives a (small) valid world.
    let world = smith(&config, &mut Unstructured::new(&[])).unwrap();
    check_invariants(&world).unwrap();
}

/// With resources on, every world is valid, its echo package resolves, and
/// across seeds every shape the issue asks for appears: constructors,
/// methods and statics; `own` and `borrow` alone and inside each compound
/// type; several handles in one call. Off, no world has a resource.
#[test]
fn resources_appear_in_every_shape_and_only_when_switched_on() {
    use crate::ty::MemberKind;
    let mut seen: std::collections::BTreeSet<String> = Default::default();
    fn inside(
        world: &CaseWorld,
        ty: &Ty,
        parent: &str,
        seen: &mut std::collections::BTreeSet<String>,
    ) {
        let kind = |t: &Ty| match t {
            Ty::Own(_) => Some("own"),
            Ty::Borrow(_) => Some("borrow"),
            _ => None,
        };
        let mut children: Vec<&Ty> = Vec::new();
        let mut here = parent.to_string();
        match ty {
            Ty::List(t) | Ty::Option(t) => {
                here = if matches!(ty, Ty::List(_)) {
                    "list"
                } else {
                    "option"
                }
                .into();
                children.push(t)
            }
            Ty::Tuple(ts) => {
                here = "tuple".into();
                children.extend(ts)
            }
            Ty::Result { ok, err } => {
                here = "result".into();
                children.extend(ok.iter().chain(err.iter()).map(|b| &**b))
            }
            Ty::Named(i) => match &world.types[*i].kind {
                TypeDefKind::Record(fs) => {
                    here = "record".into();
                    children.extend(fs.iter().map(|f| &f.ty))
                }
                TypeDefKind::Variant(cs) => {
                    here = "variant".into();
                    children.extend(cs.iter().filter_map(|c| c.ty.as_ref()))
                }
                TypeDefKind::Alias(t) => children.push(t),
                _ => {}
            },
            _ => {}
        }
        for c in children {
            if let Some(k) = kind(c) {
                seen.insert(format!("{k} in {here}"));
            }
            inside(world, c, &here, seen);
        }
    }
    for n in 0..1_500u64 {
        let bytes = seed::bytes(n, &[0x7e5], 8192);
        let mut u = Unstructured::new(&bytes);
        let mut config = Config::arbitrary(&mut u).unwrap();
        let off = smith(&config, &mut Unstructured::new(&bytes)).unwrap();
        assert!(
            !off.has_resources(),
            "seed {n}: resources while switched off"
        );
        config.resources = true;
        let world = smith(&config, &mut u).unwrap();
        check_invariants(&world).unwrap_or_else(|e| panic!("seed {n}: {e}"));
        crate::wit_text::resolve_echo(&crate::wit_text::echo_package(&world))
            .unwrap_or_else(|e| panic!("seed {n}: {e}"));
        for f in &world.funcs {
            if let Some((_, m)) = world.member_of(&f.name) {
                seen.insert(format!("{:?}", m.kind));
            }
            let mut handles = 0;
            for p in &f.params {
                match p.ty {
                    Ty::Own(_) => {
                        seen.insert("own param".into());
                    }
                    Ty::Borrow(_) => {
                        seen.insert("borrow param".into());
                    }
                    _ => {}
                }
                handles += usize::from(world.has_handles(&p.ty));
                inside(&world, &p.ty, "param", &mut seen);
            }
            if let Some(r) = &f.result {
                if matches!(r, Ty::Own(_))
                    && world
                        .member_of(&f.name)
                        .is_none_or(|(_, m)| m.kind != MemberKind::Constructor)
                {
                    seen.insert("own result".into());
                }
                inside(&world, r, "result", &mut seen);
            }
            if handles >= 2 {
                seen.insert("several handles".into());
            }
        }
    }
    let mut wanted = vec![
        "Constructor".to_string(),
        "Method".into(),
        "Static".into(),
        "own param".into(),
        "borrow param".into(),
        "own result".into(),
        "several handles".into(),
    ];
    for k in ["own", "borrow"] {
        for c in ["list", "option", "tuple", "result", "record", "variant"] {
            wanted.push(format!("{k} in {c}"));
        }
    }
    let missing: Vec<_> = wanted.iter().filter(|w| !seen.contains(*w)).collect();
    assert!(
        missing.is_empty(),
        "never generated: {missing:?}; seen {seen:?}"
    );
}

#[test]
fn guest_resources_have_constructors_and_their_handles_stay_in_signatures() {
    use crate::ty::MemberKind;
    let mut seen: std::collections::BTreeSet<String> = Default::default();
    /// Where a guest handle sits: alone, or in which anonymous type.
    fn guest_places(world: &CaseWorld, ty: &Ty, parent: &str, out: &mut Vec<String>) {
        let (here, children): (&str, Vec<&Ty>) = match ty {
            Ty::Own(g) | Ty::Borrow(g) if world.is_guest_resource(*g) => {
                let k = if matches!(ty, Ty::Own(_)) {
                    "own"
                } else {
                    "borrow"
                };
                out.push(format!("{k} in {parent}"));
                return;
            }
            Ty::List(t) => ("list", vec![t]),
            Ty::Option(t) => ("option", vec![t]),
            Ty::Tuple(ts) => ("tuple", ts.iter().collect()),
            Ty::Result { ok, err } => (
                "result",
                ok.iter().chain(err.iter()).map(|b| &**b).collect(),
            ),
            _ => return,
        };
        for c in children {
            guest_places(world, c, here, out);
        }
    }
    let mut with_guest = 0;
    for n in 0..1_000u64 {
        let bytes = seed::bytes(n, &[0x9e5], 8192);
        let mut u = Unstructured::new(&bytes);
        let mut config = Config::arbitrary(&mut u).unwrap();
        config.resources = true;
        let host_only = smith(&config, &mut Unstructured::new(&bytes)).unwrap();
        assert!(
            !host_only.has_guest_resources(),
            "seed {n}: guest resources while switched off"
        );
        config.guest_resources = true;
        let world = smith(&config, &mut u).unwrap();
        check_invariants(&world).unwrap_or_else(|e| panic!("seed {n}: {e}"));
        crate::wit_text::resolve_echo(&crate::wit_text::echo_package(&world))
            .unwrap_or_else(|e| panic!("seed {n}: {e}\n{}", crate::wit_text::echo_package(&world)));
        with_guest += usize::from(world.has_guest_resources());
        for g in world.guest_resources() {
            assert!(
                world.constructor_of(g).is_some(),
                "seed {n}: guest resource without constructor"
            );
        }
        for def in &world.types {
            let inner: Vec<&Ty> = match &def.kind {
                TypeDefKind::Record(fs) => fs.iter().map(|f| &f.ty).collect(),
                TypeDefKind::Variant(cs) => cs.iter().filter_map(|c| c.ty.as_ref()).collect(),
                TypeDefKind::Alias(t) => vec![t],
                _ => vec![],
            };
            assert!(
                inner.iter().all(|t| !world.has_guest_handles(t)),
                "seed {n}: a guest handle in named type `{}`",
                def.name
            );
        }
        for f in &world.funcs {
            let host_member = world.host_member_of(&f.name).is_some();
            let guest_member = world
                .member_of(&f.name)
                .filter(|(g, _)| world.is_guest_resource(*g));
            if let Some((_, m)) = guest_member {
                seen.insert(format!("guest {:?}", m.kind));
            }
            let mut places = Vec::new();
            for (i, p) in f.params.iter().enumerate() {
                // A guest method's receiver is its own.
                if i == 0 && matches!(guest_member, Some((_, m)) if m.kind == MemberKind::Method) {
                    continue;
                }
                guest_places(&world, &p.ty, "param", &mut places);
                if world.has_guest_handles(&p.ty) {
                    assert!(
                        !world.has_host_handles(&p.ty),
                        "seed {n}: mixed handles in `{}`",
                        f.name
                    );
                }
            }
            let constructor =
                matches!(guest_member, Some((_, m)) if m.kind == MemberKind::Constructor);
            if let Some(r) = f.result.as_ref().filter(|_| !constructor) {
                guest_places(&world, r, "result", &mut places);
            }
            assert!(
                !host_member || places.is_empty(),
                "seed {n}: a guest handle in host member `{}`",
                f.name
            );
            if constructor {
                assert!(
                    f.params.iter().all(|p| !world.has_guest_handles(&p.ty)),
                    "seed {n}: a guest handle in constructor `{}`",
                    f.name
                );
            }
            seen.extend(places);
        }
    }
    assert!(
        with_guest > 300,
        "only {with_guest} of 1000 worlds have guest resources"
    );
    let mut wanted = vec![
        "guest Constructor".to_string(),
        "guest Method".into(),
        "guest Static".into(),
        "own in param".into(),
        "borrow in param".into(),
        "own in result".into(),
    ];
    for k in ["own", "borrow"] {
        for c in ["list", "option", "tuple", "result"] {
            wanted.push(format!("{k} in {c}"));
        }
    }
    let missing: Vec<_> = wanted.iter().filter(|w| !seen.contains(*w)).collect();
    assert!(
        missing.is_empty(),
        "never generated: {missing:?}; seen {seen:?}"
    );
}
