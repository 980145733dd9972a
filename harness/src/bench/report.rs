//! The performance report, `reports/perf.md` and its SVG plots, written from
//! criterion's estimates ([`Results`]) and the run's record ([`RunInfo`]).
//!
//! Every figure in it is computed here from those two inputs; nothing is
//! typed in. Rows that were not measured are shown as `—` and listed at the
//! end, so an incomplete run cannot pass for a complete one.

use super::plot::{self, PlotError, Series};
use super::results::Results;
use super::run_info::{LanguageInfo, RunInfo};
use super::{Artifact, BenchId, Shape, Way, human_bytes, memcpy_sizes};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The report's file name under the output directory.
pub const REPORT_FILE: &str = "perf.md";

/// A rendered report: the markdown and its plots, not yet on disk.
#[derive(Debug, Clone)]
pub struct Report {
    pub markdown: String,
    /// `(file name, SVG text)`.
    pub plots: Vec<(String, String)>,
    /// The measurements a complete run would have made but this one lacks.
    pub missing: Vec<BenchId>,
}

/// The claims of the project's seed that the report answers.
pub const SIZE_CLAIM: &str = "binary size overhead ~5-15% over a raw module";
pub const POLYGLOT_CLAIM: &str = "the price of polyglot interop";
/// The claimed size range, in percent.
const SIZE_CLAIM_RANGE: (f64, f64) = (5.0, 15.0);

/// Renders the report. `source` says where the results came from.
pub fn render(results: &Results, info: &RunInfo, source: &str) -> Result<Report, PlotError> {
    let r = Renderer { results, info };
    let mut md = String::new();
    r.intro(&mut md, source);
    r.glance(&mut md);
    r.claims(&mut md);
    r.setup(&mut md);
    r.calls(&mut md);
    let plots = r.bandwidth(&mut md)?;
    r.baselines(&mut md);
    r.sizes(&mut md);
    r.instantiation(&mut md);
    let missing = r.missing();
    r.missing_section(&mut md, &missing);
    Ok(Report {
        markdown: md,
        plots,
        missing,
    })
}

/// Writes the report's files into `dir` (each atomically) and returns their
/// paths.
pub fn write(report: &Report, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let path = dir.join(REPORT_FILE);
    crate::disk::write_atomic(&path, report.markdown.as_bytes())?;
    written.push(path);
    for (name, svg) in &report.plots {
        let path = dir.join(name);
        crate::disk::write_atomic(&path, svg.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

struct Renderer<'a> {
    results: &'a Results,
    info: &'a RunInfo,
}

const ON_OFF: [bool; 2] = [false, true];

fn conc_words(on: bool) -> &'static str {
    if on {
        "concurrency support on"
    } else {
        "concurrency support off"
    }
}

fn lang_name(lang: &str) -> String {
    match lang {
        "rust" => "Rust".into(),
        "go" => "Go".into(),
        "python" => "Python".into(),
        "c" => "C".into(),
        other => other.to_string(),
    }
}

/// `12.3 ns`, `4.56 µs`, `7.89 ms`, three significant digits.
pub fn format_time(ns: f64) -> String {
    let (value, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    format!("{} {unit}", three_digits(value))
}

fn three_digits(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// `1.23×`, `45.6×`, `789×`.
pub fn format_ratio(x: f64) -> String {
    format!("{}×", three_digits(x))
}

/// `12%`, `3.4%`, `0.12%`.
pub fn format_percent(fraction: f64) -> String {
    format!("{}%", three_digits(fraction * 100.0))
}

/// `1 234 567` (a thin space between thousands).
pub fn format_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

fn signed_bytes(delta: i64) -> String {
    let sign = if delta < 0 { "−" } else { "+" };
    format!("{sign}{}", format_count(delta.unsigned_abs()))
}

fn signed_percent(delta: i64, base: u64) -> String {
    if base == 0 {
        return "—".into();
    }
    let pct = delta as f64 / base as f64 * 100.0;
    let sign = if pct < 0.0 { "−" } else { "+" };
    format!("{sign}{}%", three_digits(pct.abs()))
}

fn cell(value: Option<String>) -> String {
    value.unwrap_or_else(|| "—".into())
}

fn row(out: &mut String, cells: &[String]) {
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

fn header(out: &mut String, cells: &[&str]) {
    let _ = writeln!(out, "| {} |", cells.join(" | "));
    let _ = writeln!(
        out,
        "|{}",
        cells
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { "---|" } else { "---:|" })
            .collect::<String>()
    );
}

impl Renderer<'_> {
    fn langs(&self) -> impl Iterator<Item = &LanguageInfo> {
        self.info.languages.iter()
    }

    fn call(&self, lang: &str, way: Way, concurrency: bool, shape: Shape) -> Option<f64> {
        self.results.mean(&BenchId::Call {
            lang: lang.into(),
            way,
            concurrency,
            shape,
        })
    }

    fn memcpy(&self, bytes: usize) -> Option<f64> {
        self.results.mean(&BenchId::Memcpy { bytes })
    }

    fn intro(&self, md: &mut String, source: &str) {
        let info = self.info;
        let _ = writeln!(md, "# witness performance report\n");
        let _ = writeln!(
            md,
            "What the WebAssembly Component Model's canonical ABI costs per guest language, beside a raw core \
             module and the physical limits. Written by `witness report` from criterion's results in `{source}`; \
             run started {}{}. Regenerate with `cargo bench -p witness-benches -- --quick` (or without `--quick` \
             for longer measurements) and `cargo run --release -p witness -- report`.\n",
            info.started,
            if info.quick {
                ", criterion `--quick` mode"
            } else {
                ""
            }
        );
        let _ = writeln!(
            md,
            "Times are criterion's mean time per call (or per instantiation); ratios divide two such means. \
             Every call result is given with wasmtime's concurrency support off and on \
             (`Config::concurrency_support`). The three ways of calling a guest:\n\n\
             - **raw**: a core module with pointer-and-length exports; the host calls its `alloc(len)`, writes \
             the payload into its linear memory and calls the function, as a hand-rolled plugin system would;\n\
             - **typed**: the component through wasmtime's typed API (`bindgen!`);\n\
             - **dynamic**: the component through `Func::call` with `Val`s.\n\n\
             Set-up, argument construction and drops are outside the timed loop. The guest's work is the same in \
             every way: the length of a string or list, the sum of the records' ids, the area of the variant, \
             one increment of the counter behind the resource handle (`wit/bench.wit`).\n"
        );
    }

    fn glance(&self, md: &mut String) {
        let _ = writeln!(md, "## At a glance\n");
        let _ = writeln!(md, "Concurrency support off unless said.\n");
        for lang in self.langs() {
            let l = lang.lang.as_str();
            let mut parts = Vec::new();
            // Against the language's own raw module, or Rust's where it has none.
            let (raw_lang, whose) = if lang.sizes.raw.is_some() {
                (l, "the")
            } else {
                ("rust", "Rust's")
            };
            if let (Some(raw), Some(typed)) = (
                self.call(raw_lang, Way::Raw, false, Shape::Empty),
                self.call(l, Way::Typed, false, Shape::Empty),
            ) {
                parts.push(format!(
                    "an empty typed call takes {} ({} {whose} raw module's {})",
                    format_time(typed),
                    format_ratio(typed / raw),
                    format_time(raw)
                ));
            }
            let big = Shape::Bytes(64 << 10);
            if let (Some(typed), Some(copy)) =
                (self.call(l, Way::Typed, false, big), self.memcpy(64 << 10))
            {
                parts.push(format!(
                    "64 KiB of `list<u8>` cross at {} of memcpy's bandwidth (typed)",
                    format_percent(copy / typed)
                ));
            }
            if let (Some(off), Some(on)) = (
                self.call(l, Way::Typed, false, Shape::Empty),
                self.call(l, Way::Typed, true, Shape::Empty),
            ) {
                parts.push(format!(
                    "concurrency support makes the empty typed call {} as long",
                    format_ratio(on / off)
                ));
            }
            let s = lang.sizes;
            parts.push(format!(
                "the component is {} bytes, {} over its core module (custom sections stripped)",
                format_count(s.component_stripped),
                signed_percent(
                    s.component_stripped as i64 - s.core_stripped as i64,
                    s.core_stripped
                )
            ));
            let _ = writeln!(md, "- **{}**: {}.", lang_name(l), parts.join("; "));
        }
        for (lang, why) in &self.info.unavailable {
            let _ = writeln!(md, "- **{}**: not measured ({why}).", lang_name(lang));
        }
        md.push('\n');
    }

    fn claims(&self, md: &mut String) {
        let _ = writeln!(md, "## The seed's claims\n");
        let _ = writeln!(md, "### \"{SIZE_CLAIM}\"\n");
        let _ = writeln!(
            md,
            "Two readings of \"raw module\": the core module inside the component (what the language's compiler \
             made; the component adds the type information, the canonical ABI glue and, for Go, the WASI \
             preview1 adapter), and the hand-written raw module of the same work with pointer-and-length exports \
             (no bindings at all). Custom sections (names, producers, debug info) stripped; see the size tables \
             below for sizes as built.\n"
        );
        header(
            md,
            &[
                "language",
                "component over its core module",
                "component over the raw module",
                "claim (5-15%, vs the core module)",
            ],
        );
        for lang in self.langs() {
            let s = lang.sizes;
            let vs_core = s.component_stripped as i64 - s.core_stripped as i64;
            let pct = vs_core as f64 / s.core_stripped.max(1) as f64 * 100.0;
            let verdict = if pct < SIZE_CLAIM_RANGE.0 {
                "below the range".to_string()
            } else if pct <= SIZE_CLAIM_RANGE.1 {
                "within the range".to_string()
            } else {
                "above the range".to_string()
            };
            let vs_raw = s.raw_stripped.map(|raw| {
                let d = s.component_stripped as i64 - raw as i64;
                format!("{} bytes ({})", signed_bytes(d), signed_percent(d, raw))
            });
            row(
                md,
                &[
                    lang_name(&lang.lang),
                    format!(
                        "{} bytes ({})",
                        signed_bytes(vs_core),
                        signed_percent(vs_core, s.core_stripped)
                    ),
                    cell(vs_raw),
                    verdict,
                ],
            );
        }
        md.push('\n');
        let _ = writeln!(
            md,
            "The component wrapper itself is a fixed cost of some kilobytes, so in percent it depends on the size \
             of the guest: small for a large runtime (Go), large for a small Rust guest. Against a hand-written \
             module, the bindings' code (lifting, lowering, `cabi_realloc`) and the standard library pieces it \
             pulls in add to it.\n"
        );
        let _ = writeln!(md, "### \"{POLYGLOT_CLAIM}\"\n");
        let _ = writeln!(
            md,
            "What a call costs when host and guest are in different languages, per payload, against the \
             cheapest plugin boundary measured here: the hand-written Rust raw module. Typed API, concurrency \
             support off.\n"
        );
        let shapes = [
            Shape::Empty,
            Shape::U32,
            Shape::String(1 << 10),
            Shape::Bytes(64 << 10),
            Shape::Records(super::RECORD_COUNT),
            Shape::Resource,
        ];
        let mut cols: Vec<String> = vec!["payload".into(), "Rust raw".into()];
        for lang in self.langs() {
            cols.push(format!("{} typed", lang_name(&lang.lang)));
            cols.push(format!("{} / Rust raw", lang_name(&lang.lang)));
        }
        let col_refs: Vec<&str> = cols.iter().map(String::as_str).collect();
        header(md, &col_refs);
        for shape in shapes {
            let base = self.call("rust", Way::Raw, false, shape);
            let mut cells = vec![shape.label(), cell(base.map(format_time))];
            for lang in self.langs() {
                let typed = self.call(&lang.lang, Way::Typed, false, shape);
                cells.push(cell(typed.map(format_time)));
                cells.push(cell(base.zip(typed).map(|(b, t)| format_ratio(t / b))));
            }
            row(md, &cells);
        }
        md.push('\n');
        let mut notes = Vec::new();
        for lang in self.langs() {
            let l = lang.lang.as_str();
            let inst = self.results.mean(&BenchId::Instantiate {
                lang: l.into(),
                artifact: Artifact::Component,
                pooling: false,
                concurrency: false,
            });
            if let Some(inst) = inst {
                notes.push(format!(
                    "{} component instantiation {}",
                    lang_name(l),
                    format_time(inst)
                ));
            }
        }
        if !notes.is_empty() {
            let _ = writeln!(
                md,
                "Beyond calls, the price includes instantiation ({}) and size (above).\n",
                notes.join(", ")
            );
        }
        if !self.info.unavailable.is_empty() {
            let names: Vec<String> = self
                .info
                .unavailable
                .iter()
                .map(|(l, _)| lang_name(l))
                .collect();
            let _ = writeln!(md, "Not measured in this run: {}.\n", names.join(", "));
        }
    }

    fn setup(&self, md: &mut String) {
        let info = self.info;
        let m = &info.machine;
        let _ = writeln!(md, "## Set-up\n");
        let _ = writeln!(
            md,
            "- machine: {} ({} cores), {} GiB memory, {}",
            m.cpu, m.cores, m.memory_gib, m.os
        );
        if !m.load_average.is_empty() {
            let _ = writeln!(
                md,
                "- load average when the run started: {} (1, 5, 15 min); other work on the machine makes \
                 the times longer and noisier",
                m.load_average
            );
        }
        let _ = writeln!(
            md,
            "- witness {}, wasmtime {}",
            info.witness_version, info.wasmtime_version
        );
        let _ = writeln!(md, "- wasmtime `Config`:");
        for line in &info.engine_config {
            let _ = writeln!(md, "  - {line}");
        }
        let _ = writeln!(
            md,
            "- criterion mode: {}",
            if info.quick { "`--quick`" } else { "full" }
        );
        md.push('\n');
        for lang in self.langs() {
            let _ = writeln!(md, "**{}**", lang_name(&lang.lang));
            let _ = writeln!(md, "- component: {}", lang.component_how);
            let _ = writeln!(md, "- raw module: {}", lang.raw_how);
            let versions: Vec<String> = lang
                .toolchain
                .iter()
                .map(|(k, v)| format!("{k} `{v}`"))
                .collect();
            let _ = writeln!(md, "- toolchain: {}\n", versions.join(", "));
        }
        for (lang, why) in &info.unavailable {
            let _ = writeln!(md, "**{}**: not built: {why}\n", lang_name(lang));
        }
    }

    fn calls(&self, md: &mut String) {
        let _ = writeln!(md, "## Calls\n");
        let _ = writeln!(
            md,
            "Mean time per call. `typed / raw` and `dynamic / raw` compare with the same language's raw module; \
             `on / off` compares with the same call under concurrency support off.\n"
        );
        for lang in self.langs() {
            let l = lang.lang.as_str();
            for concurrency in ON_OFF {
                let _ = writeln!(md, "### {}, {}\n", lang_name(l), conc_words(concurrency));
                let mut cols = vec![
                    "payload",
                    "raw",
                    "typed",
                    "dynamic",
                    "typed / raw",
                    "dynamic / raw",
                ];
                if concurrency {
                    cols.extend(["raw on / off", "typed on / off", "dynamic on / off"]);
                }
                header(md, &cols);
                for shape in Shape::all() {
                    let t = |way| self.call(l, way, concurrency, shape);
                    let (raw, typed, dynamic) = (t(Way::Raw), t(Way::Typed), t(Way::Dynamic));
                    let mut cells = vec![
                        shape.label(),
                        cell(raw.map(format_time)),
                        cell(typed.map(format_time)),
                        cell(dynamic.map(format_time)),
                        cell(typed.zip(raw).map(|(a, b)| format_ratio(a / b))),
                        cell(dynamic.zip(raw).map(|(a, b)| format_ratio(a / b))),
                    ];
                    if concurrency {
                        for way in Way::ALL {
                            let on = self.call(l, way, true, shape);
                            let off = self.call(l, way, false, shape);
                            cells.push(cell(on.zip(off).map(|(a, b)| format_ratio(a / b))));
                        }
                    }
                    row(md, &cells);
                }
                md.push('\n');
            }
        }
    }

    fn bandwidth(&self, md: &mut String) -> Result<Vec<(String, String)>, PlotError> {
        let _ = writeln!(md, "## `list<u8>` bandwidth\n");
        let _ = writeln!(
            md,
            "Payload bytes per second of call time, in GB/s (10⁹ bytes), and as a fraction of the host's own \
             memcpy of the same bytes (the physical limit: every way has to copy them at least once).\n"
        );
        let gbps = |bytes: usize, ns: f64| bytes as f64 / ns;
        for lang in self.langs() {
            let l = lang.lang.as_str();
            for concurrency in ON_OFF {
                let _ = writeln!(md, "### {}, {}\n", lang_name(l), conc_words(concurrency));
                header(
                    md,
                    &[
                        "size",
                        "memcpy",
                        "raw",
                        "typed",
                        "dynamic",
                        "raw / memcpy",
                        "typed / memcpy",
                        "dynamic / memcpy",
                    ],
                );
                for &n in &super::BYTES_SIZES {
                    let copy = self.memcpy(n);
                    let t = |way| self.call(l, way, concurrency, Shape::Bytes(n));
                    let ways = [t(Way::Raw), t(Way::Typed), t(Way::Dynamic)];
                    let mut cells = vec![
                        human_bytes(n),
                        cell(copy.map(|c| plot::format_gbps(gbps(n, c)))),
                    ];
                    for w in ways {
                        cells.push(cell(w.map(|ns| plot::format_gbps(gbps(n, ns)))));
                    }
                    for w in ways {
                        cells.push(cell(w.zip(copy).map(|(ns, c)| format_percent(c / ns))));
                    }
                    row(md, &cells);
                }
                md.push('\n');
            }
        }
        let memcpy_series = || Series {
            name: "host memcpy".into(),
            points: super::BYTES_SIZES
                .iter()
                .filter_map(|&n| self.memcpy(n).map(|c| (n as f64, gbps(n, c))))
                .collect(),
            color: 5,
            dashed: false,
        };
        let series = |lang: &str, way: Way, concurrency: bool, name: String, color: usize| Series {
            name,
            points: super::BYTES_SIZES
                .iter()
                .filter_map(|&n| {
                    self.call(lang, way, concurrency, Shape::Bytes(n))
                        .map(|ns| (n as f64, gbps(n, ns)))
                })
                .collect(),
            color,
            dashed: concurrency,
        };
        let mut plots = Vec::new();
        let mut add = |md: &mut String,
                       file: String,
                       title: String,
                       mut lines: Vec<Series>|
         -> Result<(), PlotError> {
            lines.retain(|s| !s.points.is_empty());
            if lines.iter().all(|s| s.name == "host memcpy") {
                return Ok(());
            }
            let svg = plot::bandwidth_svg(&title, &lines)?;
            let _ = writeln!(md, "![{title}]({file})\n");
            plots.push((file, svg));
            Ok(())
        };
        let _ = writeln!(md, "### Plots\n");
        let _ = writeln!(md, "Solid lines: concurrency support off; dashed: on.\n");
        for lang in self.langs() {
            let l = lang.lang.as_str();
            let mut lines = vec![memcpy_series()];
            for (i, way) in Way::ALL.into_iter().enumerate() {
                for concurrency in ON_OFF {
                    lines.push(series(
                        l,
                        way,
                        concurrency,
                        format!(
                            "{} ({})",
                            way.id(),
                            if concurrency { "conc. on" } else { "conc. off" }
                        ),
                        i,
                    ));
                }
            }
            add(
                md,
                format!("perf-bandwidth-{l}.svg"),
                format!("list<u8> bandwidth, {}, by way of calling", lang_name(l)),
                lines,
            )?;
        }
        for (i_way, way) in Way::ALL.into_iter().enumerate() {
            let mut lines = vec![memcpy_series()];
            for (i, lang) in self.langs().enumerate() {
                for concurrency in ON_OFF {
                    let name = format!(
                        "{} ({})",
                        lang_name(&lang.lang),
                        if concurrency { "conc. on" } else { "conc. off" }
                    );
                    lines.push(series(&lang.lang, way, concurrency, name, i));
                }
            }
            let _ = i_way;
            add(
                md,
                format!("perf-bandwidth-{}.svg", way.id()),
                format!("list<u8> bandwidth, {} calls, by language", way.id()),
                lines,
            )?;
        }
        Ok(plots)
    }

    fn baselines(&self, md: &mut String) {
        let _ = writeln!(md, "## Baselines\n");
        let _ = writeln!(
            md,
            "Measured in the same run: an empty export of a minimal core module (one function, no imports; \
             `TypedFunc<(), ()>::call`), and the host copying each payload size with `copy_from_slice`.\n"
        );
        header(
            md,
            &[
                "baseline",
                "concurrency support off",
                "concurrency support on",
            ],
        );
        let core = |c| self.results.mean(&BenchId::CoreCall { concurrency: c });
        row(
            md,
            &[
                "empty core call".into(),
                cell(core(false).map(format_time)),
                cell(core(true).map(format_time)),
            ],
        );
        md.push('\n');
        header(md, &["memcpy", "time", "GB/s"]);
        for n in memcpy_sizes() {
            let t = self.memcpy(n);
            row(
                md,
                &[
                    human_bytes(n),
                    cell(t.map(format_time)),
                    cell(t.map(|ns| plot::format_gbps(n as f64 / ns))),
                ],
            );
        }
        md.push('\n');
    }

    fn sizes(&self, md: &mut String) {
        let _ = writeln!(md, "## Sizes\n");
        let _ = writeln!(
            md,
            "Bytes of each artifact: the hand-written raw module, the main core module inside the component \
             (the largest one: what the language's compiler made, before componentization), every core module \
             inside the component together (adapters, shims, and the libraries Python links), and the \
             component. Δ is the component minus the other; the component minus all its core modules is the \
             component model's own wrapping (types, canonical functions, instance wiring).\n"
        );
        for stripped in [false, true] {
            let _ = writeln!(
                md,
                "### {}\n",
                if stripped {
                    "Custom sections stripped"
                } else {
                    "As built"
                }
            );
            header(
                md,
                &[
                    "language",
                    "raw module",
                    "core module",
                    "all core modules",
                    "component",
                    "Δ vs core",
                    "Δ vs core %",
                    "Δ vs all core",
                    "Δ vs raw",
                    "Δ vs raw %",
                ],
            );
            for lang in self.langs() {
                let s = lang.sizes;
                let (component, core, all_core, raw) = if stripped {
                    (
                        s.component_stripped,
                        s.core_stripped,
                        s.all_core_stripped,
                        s.raw_stripped,
                    )
                } else {
                    (s.component, s.core, s.all_core, s.raw)
                };
                let d_core = component as i64 - core as i64;
                let d_raw = raw.map(|r| (component as i64 - r as i64, r));
                row(
                    md,
                    &[
                        lang_name(&lang.lang),
                        cell(raw.map(format_count)),
                        format_count(core),
                        format_count(all_core),
                        format_count(component),
                        signed_bytes(d_core),
                        signed_percent(d_core, core),
                        signed_bytes(component as i64 - all_core as i64),
                        cell(d_raw.map(|(d, _)| signed_bytes(d))),
                        cell(d_raw.map(|(d, r)| signed_percent(d, r))),
                    ],
                );
            }
            md.push('\n');
        }
    }

    fn instantiation(&self, md: &mut String) {
        let _ = writeln!(md, "## Instantiation\n");
        let _ = writeln!(
            md,
            "Mean time of one `InstancePre::instantiate` into a fresh store (the store is made and dropped \
             outside the timing), with the on-demand and the pooling instance allocator. A raw module's time \
             includes its `_initialize` (Go's runtime start), which a component runs as part of instantiation.\n"
        );
        header(
            md,
            &[
                "language",
                "artifact",
                "on-demand, conc. off",
                "pooling, conc. off",
                "on-demand, conc. on",
                "pooling, conc. on",
                "pooling / on-demand (off)",
            ],
        );
        for lang in self.langs() {
            for artifact in [Artifact::Module, Artifact::Component] {
                if artifact == Artifact::Module && lang.sizes.raw.is_none() {
                    continue;
                }
                let t = |pooling, concurrency| {
                    self.results.mean(&BenchId::Instantiate {
                        lang: lang.lang.clone(),
                        artifact,
                        pooling,
                        concurrency,
                    })
                };
                let name = match artifact {
                    Artifact::Module => "raw module",
                    Artifact::Component => "component",
                };
                row(
                    md,
                    &[
                        lang_name(&lang.lang),
                        name.into(),
                        cell(t(false, false).map(format_time)),
                        cell(t(true, false).map(format_time)),
                        cell(t(false, true).map(format_time)),
                        cell(t(true, true).map(format_time)),
                        cell(
                            t(true, false)
                                .zip(t(false, false))
                                .map(|(p, o)| format_ratio(p / o)),
                        ),
                    ],
                );
            }
        }
        md.push('\n');
    }

    fn missing(&self) -> Vec<BenchId> {
        let mut langs: Vec<&str> = self.langs().map(|l| l.lang.as_str()).collect();
        langs.extend(self.info.unavailable.iter().map(|(l, _)| l.as_str()));
        let raw = self.info.raw_languages();
        BenchId::expected(&langs, &raw)
            .into_iter()
            .filter(|id| !self.results.estimates.contains_key(id))
            .collect()
    }

    fn missing_section(&self, md: &mut String, missing: &[BenchId]) {
        let _ = writeln!(md, "## Missing measurements\n");
        if missing.is_empty() {
            let _ = writeln!(md, "None: every row above was measured.");
            return;
        }
        let _ = writeln!(
            md,
            "{} measurements of a complete run are not in the results:\n",
            missing.len()
        );
        for id in missing.iter().take(60) {
            let _ = writeln!(md, "- `{id}`");
        }
        if missing.len() > 60 {
            let _ = writeln!(md, "- … and {} more", missing.len() - 60);
        }
    }
}

#[cfg(test)]
mod tests;
