//! The report writer against fixtures of criterion's files: tables, ratios,
//! and that every required row is there (and that a missing one shows).

use super::*;
use crate::bench::results::write_fixture;
use crate::bench::run_info::{Machine, Sizes};

/// A made-up, easily checked time for every measurement: raw calls take
/// 100 ns plus 1 ns per 10 payload bytes, typed twice that, dynamic ten
/// times; concurrency support on costs 1.5×; memcpy takes 1 ns per 10
/// bytes; instantiation 50 µs, pooling half.
fn fixture_time(id: &BenchId) -> f64 {
    match id {
        BenchId::Call {
            way,
            concurrency,
            shape,
            ..
        } => {
            let raw = 100.0 + shape.payload_bytes().unwrap_or(0) as f64 / 10.0;
            let way = match way {
                Way::Raw => 1.0,
                Way::Typed => 2.0,
                Way::Dynamic => 10.0,
            };
            raw * way * if *concurrency { 1.5 } else { 1.0 }
        }
        BenchId::Memcpy { bytes } => *bytes as f64 / 10.0,
        BenchId::CoreCall { concurrency } => {
            if *concurrency {
                12.0
            } else {
                8.0
            }
        }
        BenchId::Instantiate { pooling, .. } => {
            if *pooling {
                25_000.0
            } else {
                50_000.0
            }
        }
    }
}

fn lang(name: &str, component_stripped: u64) -> LanguageInfo {
    LanguageInfo {
        lang: name.into(),
        toolchain: vec![("compiler".into(), format!("{name}c 1.0"))],
        component_how: format!("{name} bindings"),
        raw_how: format!("{name} by hand"),
        sizes: Sizes {
            component: component_stripped + 1000,
            component_stripped,
            core: 100_500,
            core_stripped: 100_000,
            all_core: 104_500,
            all_core_stripped: 104_000,
            raw: Some(60_000),
            raw_stripped: Some(50_000),
        },
    }
}

fn info() -> RunInfo {
    RunInfo {
        started: "2026-11-25 14:00 UTC".into(),
        quick: true,
        witness_version: "0.1.0".into(),
        wasmtime_version: "48.0.8".into(),
        engine_config: vec!["`concurrency_support(on|off)`".into()],
        machine: Machine {
            cpu: "Test CPU".into(),
            cores: 2,
            memory_gib: 24.0,
            os: "linux".into(),
            load_average: "0.50 0.40 0.30".into(),
        },
        // Rust's component is 10% over its core module, Go's 40%.
        languages: vec![lang("rust", 110_000), lang("go", 140_000)],
        unavailable: vec![],
    }
}

/// Criterion's files for every id of a complete run, less `skip`.
fn results(info: &RunInfo, skip: &[BenchId]) -> Results {
    let dir = tempfile::tempdir().unwrap();
    let langs: Vec<&str> = info.languages.iter().map(|l| l.lang.as_str()).collect();
    for id in BenchId::expected(&langs, &info.raw_languages()) {
        if !skip.contains(&id) {
            write_fixture(dir.path(), &id, fixture_time(&id)).unwrap();
        }
    }
    Results::read(dir.path()).unwrap()
}

/// The table under the heading `### title`, as rows of cells.
fn table(md: &str, title: &str) -> Vec<Vec<String>> {
    let start = md
        .find(&format!("### {title}\n"))
        .unwrap_or_else(|| panic!("no section `{title}`"));
    md[start..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

fn find_row<'a>(rows: &'a [Vec<String>], first: &str) -> &'a [String] {
    rows.iter()
        .find(|r| r[0] == first)
        .unwrap_or_else(|| panic!("no row `{first}`"))
}

#[test]
fn a_complete_run_has_every_row_and_nothing_missing() {
    let info = info();
    let report = render(&results(&info, &[]), &info, "fixture").unwrap();
    assert!(report.missing.is_empty(), "{:?}", report.missing);
    let md = &report.markdown;
    assert!(md.contains("None: every row above was measured."));
    for lang in ["Rust", "Go"] {
        for conc in ["off", "on"] {
            let calls = table(md, &format!("{lang}, concurrency support {conc}"));
            let labels: Vec<&str> = calls.iter().map(|r| r[0].as_str()).collect();
            let expected: Vec<String> = Shape::all().into_iter().map(Shape::label).collect();
            assert_eq!(labels, expected, "{lang} {conc}");
            assert!(
                calls.iter().all(|r| !r.contains(&"—".to_string())),
                "{lang} {conc}: {calls:?}"
            );
        }
    }
    for needle in [
        "0.50 0.40 0.30",
        "empty core call",
        "## Instantiation",
        "## Sizes",
        SIZE_CLAIM,
        POLYGLOT_CLAIM,
        "Test CPU",
        "48.0.8",
        "rustc 1.0",
    ] {
        assert!(md.contains(needle), "`{needle}` is not in the report");
    }
    // A plot per language and per way, each linked from the report.
    let names: Vec<&str> = report.plots.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "perf-bandwidth-rust.svg",
            "perf-bandwidth-go.svg",
            "perf-bandwidth-raw.svg",
            "perf-bandwidth-typed.svg",
            "perf-bandwidth-dynamic.svg"
        ]
    );
    for name in names {
        assert!(md.contains(&format!("]({name})")), "{name} is not linked");
    }
}

#[test]
fn ratios_are_computed_from_the_estimates() {
    let info = info();
    let md = render(&results(&info, &[]), &info, "fixture")
        .unwrap()
        .markdown;
    let off = table(&md, "Rust, concurrency support off");
    let empty = find_row(&off, "empty call");
    assert_eq!(
        empty[1..],
        ["100 ns", "200 ns", "1.00 µs", "2.00×", "10.0×"]
    );
    let on = table(&md, "Go, concurrency support on");
    let u32_row = find_row(&on, "u32");
    assert_eq!(u32_row[1..4], ["150 ns", "300 ns", "1.50 µs"]);
    assert_eq!(u32_row[6..], ["1.50×", "1.50×", "1.50×"]);
    // 64 KiB: memcpy 6553.6 ns, raw 100 + 6553.6 ns: 98.5% of memcpy's
    // bandwidth; typed twice as slow.
    let section = &md[md.find("## `list<u8>` bandwidth").unwrap()..];
    let bw = table(section, "Rust, concurrency support off");
    let row = find_row(&bw, "64 KiB");
    assert_eq!(row[1], "10");
    assert_eq!(row[5..], ["98.5%", "49.2%", "9.85%"]);
    // Sizes: 10% and 40% over the core module; 120% and 180% over raw.
    let sizes = table(&md, "Custom sections stripped");
    assert_eq!(
        find_row(&sizes, "Rust")[5..],
        [
            "+10\u{202f}000",
            "+10.0%",
            "+6\u{202f}000",
            "+60\u{202f}000",
            "+120%"
        ]
    );
    assert_eq!(find_row(&sizes, "Go")[6], "+40.0%");
    // The wrapping alone: the component minus all its core modules.
    assert_eq!(find_row(&sizes, "Go")[7], "+36\u{202f}000");
    let claim = &md[md.find(SIZE_CLAIM).unwrap()..];
    let claim_rows = table(
        &format!("### x\n{}", &claim[claim.find('|').unwrap()..]),
        "x",
    );
    assert_eq!(find_row(&claim_rows, "Rust")[3], "within the range");
    assert_eq!(find_row(&claim_rows, "Go")[3], "above the range");
    let inst = table(
        &format!(
            "### x\n{}",
            &md[md.find("| language | artifact").unwrap()..]
        ),
        "x",
    );
    assert_eq!(
        inst[0][2..],
        ["50.0 µs", "25.0 µs", "50.0 µs", "25.0 µs", "0.50×"]
    );
}

#[test]
fn a_missing_measurement_shows_as_a_dash_and_is_listed() {
    let info = info();
    let gone = BenchId::Call {
        lang: "go".into(),
        way: Way::Typed,
        concurrency: true,
        shape: Shape::Variant,
    };
    let report = render(
        &results(&info, std::slice::from_ref(&gone)),
        &info,
        "fixture",
    )
    .unwrap();
    assert_eq!(report.missing, std::slice::from_ref(&gone));
    let row = table(&report.markdown, "Go, concurrency support on")
        .into_iter()
        .find(|r| r[0] == "variant")
        .unwrap();
    assert_eq!(row[2], "—");
    assert_eq!(row[4], "—");
    assert!(report.markdown.contains(&format!("- `{gone}`")));
    assert!(
        !report
            .markdown
            .contains("None: every row above was measured.")
    );
}

#[test]
fn a_language_that_could_not_be_built_is_said_and_its_rows_are_missing() {
    let mut info = info();
    info.unavailable
        .push(("python".into(), "componentize-py is not installed".into()));
    let report = render(&results(&info, &[]), &info, "fixture").unwrap();
    assert!(
        report
            .markdown
            .contains("**Python**: not measured (componentize-py is not installed)")
    );
    let expected_missing = BenchId::expected(&["python"], &[])
        .iter()
        .filter(|id| !matches!(id, BenchId::Memcpy { .. } | BenchId::CoreCall { .. }))
        .count();
    assert_eq!(report.missing.len(), expected_missing);
    assert!(
        report
            .missing
            .iter()
            .all(|id| id.to_string().contains("python"))
    );
}

#[test]
fn numbers_read_as_people_write_them() {
    assert_eq!(format_time(12.345), "12.3 ns");
    assert_eq!(format_time(4_560.0), "4.56 µs");
    assert_eq!(format_time(7_890_000.0), "7.89 ms");
    assert_eq!(format_ratio(1.234), "1.23×");
    assert_eq!(format_ratio(123.4), "123×");
    assert_eq!(format_percent(0.0012), "0.12%");
    assert_eq!(format_count(1_234_567), "1\u{202f}234\u{202f}567");
    assert_eq!(format_count(999), "999");
    assert_eq!(signed_percent(-5, 100), "−5.00%");
}

#[test]
fn the_report_is_written_with_its_plots() {
    let info = info();
    let report = render(&results(&info, &[]), &info, "fixture").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let written = write(&report, dir.path()).unwrap();
    assert_eq!(written.len(), 1 + report.plots.len());
    assert_eq!(
        std::fs::read_to_string(dir.path().join(REPORT_FILE)).unwrap(),
        report.markdown
    );
    assert!(
        std::fs::read_to_string(dir.path().join("perf-bandwidth-go.svg"))
            .unwrap()
            .starts_with("<svg")
    );
}
