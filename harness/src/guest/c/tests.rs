//! Tests of the C driver. Most build real C guests (with the zig the driver
//! installs) and run them in the real host, alone, in a chain with Rust and
//! as resources guests.

use super::*;
use crate::campaign::{self, CampaignConfig, CaseSource, Summary};
use crate::guest::GuestBuilder;
use crate::host::echo::{CallOutcome, EchoGuest, FailureKind, Hop};
use crate::host::{Host, HostConfig};
use crate::suppress::Suppressions;
use crate::ty::CaseWorld;
use crate::value::ValueConfig;
use std::sync::OnceLock;
use wasmtime::component::Val;

/// One builder (and so one toolchain check) for every test in the process.
fn builder() -> &'static GuestBuilder {
    static BUILDER: OnceLock<GuestBuilder> = OnceLock::new();
    BUILDER.get_or_init(|| {
        GuestBuilder::new(Box::new(CGuest::new()), Cache::from_env())
            .unwrap_or_else(|e| panic!("the C toolchain is not usable: {e}"))
    })
}

fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| Host::new(HostConfig::default(), &Cache::from_env()).expect("a host"))
}

fn known_bugs() -> Suppressions {
    Suppressions::load(&crate::disk::workspace_root().join("corpus/suppressions.toml")).unwrap()
}

fn campaign(target: &[&str], source: CaseSource, calls: u64) -> Summary {
    let dir = tempfile::tempdir().unwrap();
    let config = CampaignConfig {
        source,
        calls,
        targets: vec![target.iter().map(|s| s.to_string()).collect()],
        values: ValueConfig::default(),
        host: HostConfig::default(),
        findings_dir: dir.path().to_path_buf(),
        suppressions: known_bugs(),
        command_prefix: "witness".into(),
        fresh: true,
        progress: false,
        leak_cycles: 0,
    };
    campaign::run(&config, &Cache::from_env()).unwrap()
}

fn assert_all_passed(summary: &Summary, calls: u64) {
    assert_eq!(
        summary.failed(),
        0,
        "{}{:?}",
        summary.table(),
        summary.known_lines()
    );
    assert_eq!(
        summary.passed() + summary.suppressed(),
        calls,
        "{}",
        summary.table()
    );
}

// ---- echo guests ------------------------------------------------------------

#[test]
fn the_every_type_world_round_trips_through_a_c_guest() {
    let path = crate::disk::workspace_root().join("wit/every-type.wit");
    let world = crate::wit_import::import_wit(&path).unwrap().world;
    let source = CaseSource::Fixed {
        seed: 5,
        world,
        origin: "wit/every-type.wit".into(),
    };
    let summary = campaign(&["c"], source, 300);
    assert_all_passed(&summary, 300);
    assert_eq!(summary.suppressed(), 0, "{}", summary.table());
}

#[test]
fn random_worlds_round_trip_through_c_guests() {
    let (worlds, calls) = (4, 40);
    let source = CaseSource::Seeded {
        seed: 1,
        worlds,
        config: None,
        resources: false,
    };
    let summary = campaign(&["c"], source, calls);
    assert_all_passed(&summary, worlds * calls);
    assert!(
        summary.passed() >= (worlds - 1) * calls,
        "{}",
        summary.table()
    );
}

#[test]
fn random_worlds_round_trip_through_a_rust_c_chain() {
    let (worlds, calls) = (3, 30);
    let source = CaseSource::Seeded {
        seed: 2,
        worlds,
        config: None,
        resources: false,
    };
    let summary = campaign(&["rust", "c"], source, calls);
    assert_all_passed(&summary, worlds * calls);
}

fn s(text: &str) -> Val {
    Val::String(text.into())
}

fn point(x: f64, y: f64) -> Val {
    Val::Record(vec![
        ("x".into(), Val::Float64(x)),
        ("y".into(), Val::Float64(y)),
    ])
}

/// `wit/echo.wit` as the driver sees it.
fn echo_case() -> (CaseWorld, String) {
    let path = crate::disk::workspace_root().join("wit/echo.wit");
    let world = crate::wit_import::import_wit(&path).unwrap().world;
    let wit = wit_text::echo_package(&world);
    (world, wit)
}

/// Builds `wit/echo.wit` with one override and checks that the overridden
/// function fails at `hop` on a path under `path_root`, while the other one
/// still passes.
fn check_faulty_guest(faulty: &str, source: &str, healthy: &str, hop: Hop, path_root: &str) {
    let (world, wit) = echo_case();
    let overrides = vec![(faulty.to_string(), source.to_string())];
    let spec = GuestSpec {
        world: &world,
        wit: &wit,
        overrides: &overrides,
    };
    let built = builder().build(&spec).unwrap_or_else(|e| panic!("{e}"));
    let component = host().compile(&built.component).unwrap();
    let linked = EchoGuest::new(host(), &component, &world).unwrap();
    let mut instance = linked.instantiate(7).unwrap();
    let calls = |name: &str| -> (Vec<Val>, Val) {
        match name {
            "area" => (
                vec![Val::Variant(
                    "polygon".into(),
                    Some(Box::new(Val::List(vec![point(1.0, -2.5)]))),
                )],
                Val::Float64(3.5),
            ),
            _ => (
                vec![point(1.0, -2.5), s("héllo")],
                Val::Result(Err(Some(Box::new(Val::U32(7))))),
            ),
        }
    };
    let (args, result) = calls(healthy);
    let outcome = instance.call(healthy, &args, Some(&result));
    assert!(
        matches!(outcome, CallOutcome::Passed),
        "`{healthy}` is not overridden (sources in {})",
        built.source_dir.display()
    );
    let (args, result) = calls(faulty);
    match instance.call(faulty, &args, Some(&result)) {
        CallOutcome::Failed(f) => {
            assert_eq!(f.hop, hop, "{}", f.summary());
            let FailureKind::Mismatch(d) = &f.kind else {
                panic!("not a mismatch: {}", f.summary())
            };
            assert!(d.path.starts_with(path_root), "{}", f.summary());
        }
        CallOutcome::Passed => panic!("the faulty `{faulty}` passed"),
    }
}

#[test]
fn a_c_guest_that_alters_an_argument_field_is_caught_at_the_import() {
    // The parameters as generated: `p`, `name`, and the flattened result's
    // out-parameters `ret` and `err`.
    let source = "  p->x += 1;\n  \
                  bool r = witness_case_upstream_label(p, name, ret, err);\n  \
                  echo_string_free(name);\n  return r;";
    check_faulty_guest("label", source, "area", Hop::GuestToHostImport, "p");
}

#[test]
fn a_c_guest_that_alters_its_result_is_caught_at_the_export() {
    let source = "  double r = witness_case_upstream_area(s);\n  \
                  witness_case_types_shape_free(s);\n  return r * 2;";
    check_faulty_guest("area", source, "label", Hop::ExportResult, "result");
}

// ---- resources guests ---------------------------------------------------------

#[test]
fn c_resources_sequences_pass_and_the_leak_check_sees_no_growth() {
    use crate::resources::{self, ResourcesConfig};
    let dir = tempfile::tempdir().unwrap();
    let config = ResourcesConfig {
        languages: vec!["c".into()],
        sequences: 40,
        cycles: 2_000,
        findings_dir: dir.path().to_path_buf(),
        ..ResourcesConfig::default()
    };
    let summary = resources::run(&config, &Cache::from_env()).unwrap();
    let c = &summary.languages[0];
    assert_eq!(c.sequences, 40, "{}", summary.table());
    assert_eq!(c.tally.failed, 0, "{}", summary.table());
    // The sequences and one leak check per cycle kind.
    assert_eq!(
        c.tally.passed,
        40 + c.leak_checks.len() as u64,
        "{}",
        summary.table()
    );
    assert!(c.leak_checks.len() >= 3, "{}", summary.table());
    for report in &c.leak_checks {
        assert!(
            report.completed && report.violations.is_empty(),
            "{report:#?}"
        );
        // The C guest counts its allocations (generated code included).
        assert!(report.after.heap_objects.is_some(), "{report:#?}");
    }
}

#[test]
fn a_faulty_c_resources_guest_is_caught() {
    use crate::resources::runner::ViolationClass;
    use crate::resources::step::parse_steps;
    use crate::resources::test_support::guest;
    let run = |fault, text: &str| {
        guest("c", fault)
            .runner
            .run(&parse_steps(text).unwrap())
            .unwrap()
    };
    let healthy = run(None, "new t1\nhold [t1]\npoke t1\nrelease t1");
    assert!(healthy.violation.is_none(), "{:#?}", healthy.violation);
    let never = run(
        Some(crate::resources::Fault::NeverDestroy),
        "new t1\ndrop t1",
    );
    let v = never
        .violation
        .expect("a thing whose destructor never runs passed");
    assert_eq!(v.class, ViolationClass::Leak, "{v:#?}");
    let wrong = run(Some(crate::resources::Fault::WrongId), "new t1\nmethod t1");
    let v = wrong.violation.expect("a wrong id passed");
    assert_eq!(v.class, ViolationClass::WrongResult, "{v:#?}");
}

#[test]
fn the_c_leak_check_sees_memory_a_faulty_guest_leaks() {
    use crate::resources::runner::{Cycle, ViolationClass};
    use crate::resources::test_support::guest;
    let runner = &guest("c", Some(crate::resources::Fault::LeakMemory)).runner;
    let report = runner.leak_check(Cycle::NewDrop, 2_000).unwrap();
    let classes: Vec<ViolationClass> = report.violations.iter().map(|v| v.class).collect();
    assert!(
        classes.contains(&ViolationClass::MemoryGrowth),
        "{report:#?}"
    );
    let grown = report.after.heap_bytes.unwrap() - report.before.heap_bytes.unwrap();
    assert!(grown >= 2_000 * 256, "{}", report.growth_text());
}

// ---- generation, without a toolchain -------------------------------------------

#[test]
fn prototypes_are_read_from_the_header() {
    let header = "extern bool witness_case_upstream_label(witness_case_types_point_t *p, \
                  echo_string_t *name, echo_string_t *ret, uint32_t *err);\n\
                  void exports_witness_case_api_nothing(void);\n\
                  void echo_string_free(echo_string_t *ptr);\n";
    let label = CProto::find(header, "witness_case_upstream_label").unwrap();
    assert_eq!(label.ret, "bool");
    assert_eq!(label.params.len(), 4);
    assert_eq!(
        label.params[1],
        CParam {
            ty: "echo_string_t".into(),
            pointer: true,
            name: "name".into()
        }
    );
    let nothing = CProto::find(header, "exports_witness_case_api_nothing").unwrap();
    assert!(nothing.params.is_empty());
    assert_eq!(
        nothing.signature(),
        "void exports_witness_case_api_nothing(void)"
    );
    assert_eq!(
        free_function(header, "echo_string_t").as_deref(),
        Some("echo_string_free")
    );
    assert_eq!(free_function(header, "witness_case_types_point_t"), None);
    assert!(CProto::find(header, "witness_case_upstream_area").is_err());
}

#[test]
fn the_echo_frees_the_arguments_after_the_call_and_returns_the_result() {
    let header = "extern bool witness_case_upstream_f(echo_string_t *s, uint8_t *maybe_o, \
                  uint32_t n, echo_string_t *ret);\n\
                  bool exports_witness_case_api_f(echo_string_t *s, uint8_t *maybe_o, \
                  uint32_t n, echo_string_t *ret);\n\
                  void echo_string_free(echo_string_t *ptr);\n";
    let export = CProto::find(header, "exports_witness_case_api_f").unwrap();
    let import = CProto::find(header, "witness_case_upstream_f").unwrap();
    let body = echo_body(&export, &import, 3, header, "");
    assert_eq!(
        body,
        "  bool witness__result = witness_case_upstream_f(s, maybe_o, n, ret);\n  \
         echo_string_free(s);\n  return witness__result;"
    );
}

#[test]
fn generated_echo_sources_define_every_function_and_apply_overrides() {
    let (world, wit) = echo_case();
    let overrides = vec![("area".to_string(), "  return 1.0;".to_string())];
    let spec = GuestSpec {
        world: &world,
        wit: &wit,
        overrides: &overrides,
    };
    let dir = tempfile::tempdir().unwrap();
    CGuest::new().generate(&spec, dir.path()).unwrap();
    let echo = std::fs::read_to_string(dir.path().join(ECHO_FILE)).unwrap();
    assert!(echo.contains("#include \"echo.h\""), "{echo}");
    assert!(
        echo.contains("witness_case_upstream_label(p, name, ret, err);"),
        "{echo}"
    );
    assert!(echo.contains("echo_string_free(name);"), "{echo}");
    assert!(echo.contains("  return 1.0;"), "{echo}");
    assert!(!echo.contains("witness_case_upstream_area("), "{echo}");
    for file in ["echo.h", "echo.c", "echo_component_type.o", WORLD_FILE] {
        assert!(dir.path().join(file).is_file(), "no {file}");
    }
    let bad = vec![("nope".to_string(), String::new())];
    let err = CGuest::new()
        .generate(
            &GuestSpec {
                overrides: &bad,
                ..spec
            },
            tempfile::tempdir().unwrap().path(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("`nope`"), "{err}");
}

// ---- toolchain -----------------------------------------------------------------

#[test]
fn without_python_the_error_names_the_fix() {
    let empty = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let Err(err) = GuestBuilder::new(
        Box::new(CGuest::with_search_path(empty.path())),
        Cache::at(cache.path()),
    ) else {
        panic!("prepared zig without python3")
    };
    let GuestError::Toolchain(ToolchainError::Missing { what, fix }) = &err else {
        panic!("{err}")
    };
    assert!(what.contains(ZIGLANG_VERSION), "{what}");
    assert!(
        fix.contains("python3") && fix.contains(&format!("ziglang=={ZIGLANG_VERSION}")),
        "{fix}"
    );
}

#[test]
fn the_toolchain_reports_the_pinned_versions() {
    let versions = &builder().toolchain().versions;
    let get = |k: &str| {
        versions
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {k} in {versions:?}"))
    };
    assert!(
        get("zig").starts_with(&format!("zig {ZIGLANG_VERSION}")),
        "{versions:?}"
    );
    assert_eq!(get("wit-bindgen-c"), WIT_BINDGEN_C_VERSION);
    assert!(get("target").contains(TARGET));
    let lock = std::fs::read_to_string(crate::disk::workspace_root().join("Cargo.lock")).unwrap();
    let entry = format!("name = \"wit-bindgen-c\"\nversion = \"{WIT_BINDGEN_C_VERSION}\"");
    assert!(lock.contains(&entry), "Cargo.lock does not pin {entry}");
}

/// The wit-bindgen-c bug in corpus/findings/c-build-c62a968f: `typeof` (a
/// keyword of GNU C and C23) is not escaped, so the generated header does
/// not compile. When this fails, the bug is fixed: drop its suppression.
#[test]
fn a_case_named_typeof_breaks_the_generated_c() {
    let wit = std::fs::read_to_string(
        crate::disk::workspace_root().join("corpus/findings/c-build-c62a968f/world.wit"),
    )
    .unwrap();
    let world = crate::wit_import::echo_case(&wit).unwrap();
    let spec = GuestSpec {
        world: &world,
        wit: &wit,
        overrides: &[],
    };
    let err = builder().build(&spec).unwrap_err();
    assert!(err.is_finding(), "{err}");
    assert!(
        matches!(&err, GuestError::Build { log, .. } if log.contains("'typeof'")),
        "{err}"
    );
}

/// The wit-bindgen-c 0.63 gap the echo works around: for
/// `f1: func(a1: tuple<borrow<t1>, tuple<string>>)` the import's tuple type
/// has a `_free` helper and the export's (same layout) has none, so an
/// export could not free its argument's string with generated code (the
/// leak check found it: 830 bytes a call). When this fails, the generator
/// writes the helper: drop the fallback in `echo_body`.
#[test]
fn export_free_helper_gap() {
    let wit = "package witness:case;\n\
        interface types { resource t1; }\n\
        interface api { use types.{t1}; f1: func(a1: tuple<borrow<t1>, tuple<string>>); }\n\
        interface upstream { use types.{t1}; f1: func(a1: tuple<borrow<t1>, tuple<string>>); }\n\
        world echo { import upstream; export api; }\n";
    let (resolve, world) = crate::wit_text::resolve_echo(wit).unwrap();
    let files = generate_bindings(&resolve, world).unwrap();
    let header = String::from_utf8(files["echo.h"].clone()).unwrap();
    let import_ty = "witness_case_upstream_tuple2_borrow_t1_tuple1_string_t";
    let export_ty = "exports_witness_case_api_tuple2_borrow_t1_tuple1_string_t";
    assert!(free_function(&header, import_ty).is_some());
    assert!(free_function(&header, export_ty).is_none());
    // The echo frees the export's argument with the import's helper.
    let export = CProto::find(&header, "exports_witness_case_api_f1").unwrap();
    let import = CProto::find(&header, "witness_case_upstream_f1").unwrap();
    let body = echo_body(&export, &import, 1, &header, "");
    assert!(
        body.contains(&format!(
            "witness_case_upstream_tuple2_borrow_t1_tuple1_string_free(({import_ty} *) a1);"
        )),
        "{body}"
    );
}
