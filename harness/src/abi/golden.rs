//! Golden vectors: text files under `harness/tests/abi/` that pin what the
//! reference computes (layouts, flat types, memory images, `realloc` call
//! sequences, core values, loaded values, traps), one file per group.
//!
//! A file is a list of cases separated by blank lines. Each case is
//! `key: value` lines; `#` lines are comments. Input keys are written by
//! hand; every other key is an output, recomputed by [`render`] and
//! rewritten with `BLESS=1`. Outputs that span lines continue on lines
//! indented by two spaces.
//!
//! Input keys:
//! - `case:` a name, unique in the file;
//! - `type:` a type ([`super::text`]);
//! - `encoding:` the `string-encoding` option (`utf8` unless given);
//! - `source:` the encoding strings come from (`utf8`, as host strings;
//!   `latin1+utf16, tagged` for UTF-16 that a producer chose even where
//!   Latin-1 fits);
//! - `realloc:` pointers a scripted `realloc` returns in order (otherwise a
//!   bump allocator from [`heap_start`]);
//! - `memsize:` the memory's initial size in bytes (65536 unless given);
//! - `value:` a value: the case stores it at address 0 and lowers it flat
//!   (outputs `layout`, `flat-types`, `stored`, `store-reallocs`,
//!   `lowered`), and checks that loading and lifting give it back (with a
//!   scripted `realloc:`, what reads back instead is recorded as `reloaded`
//!   / `relifted`);
//! - `memory:` bytes in hex, optionally after `@ADDR` (repeatable), and
//!   `load-at:` an address (0 unless given): the case loads a value there
//!   (output `loaded`);
//! - `flat:` core values: the case lifts a value from them (output `lifted`);
//! - `func:` a signature `(T, U) -> R` or `(T, U)`: outputs `core-lift` and
//!   `core-lower`; with `args:` values `(a, b)` also the lowered arguments
//!   of a call into a lifted function (`args-lowered`, `args-memory`,
//!   `args-reallocs`), checked to lift back.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use wasmtime::component::Val;

use super::flat::{FlattenContext, lift_flat, lift_flat_values, lower_flat, lower_flat_values};
use super::layout::Abi;
use super::memory::{BumpRealloc, LiftCx, LowerCx, Memory, Realloc, ReallocCall, ScriptedRealloc};
use super::text::{self, print_core_vals, print_val};
use super::{AbiError, StringEncoding, load, store};
use crate::ty::{CaseWorld, MAX_FLAT_PARAMS, Ty};

const INPUT_KEYS: [&str; 12] = [
    "case", "type", "encoding", "source", "realloc", "memsize", "value", "memory", "load-at",
    "flat", "func", "args",
];

const OUTPUT_KEYS: [&str; 15] = [
    "layout",
    "flat-types",
    "stored",
    "reloaded",
    "store-reallocs",
    "lowered",
    "relifted",
    "loaded",
    "lifted",
    "core-lift",
    "core-lower",
    "args-lowered",
    "args-memory",
    "args-reallocs",
    "note",
];

/// Outputs always written as indented blocks (memory images, call lists).
const BLOCK_KEYS: [&str; 4] = ["stored", "store-reallocs", "args-memory", "args-reallocs"];

const DEFAULT_MEMSIZE: usize = 65536;

/// A golden file that cannot be used as it is: which file and line, what
/// is wrong, and how to fix it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}:{line}: {msg}", path.display())]
pub struct GoldenError {
    pub path: PathBuf,
    pub line: usize,
    pub msg: String,
}

/// Where a bump allocator starts for a value of `size` bytes at address 0:
/// the next multiple of 16 (at least 16), so allocations follow the value.
pub fn heap_start(size: u32) -> u32 {
    size.div_ceil(16).max(1) * 16
}

/// One line of a case: `key: value` (with its continuation lines), or a
/// comment.
#[derive(Debug, Clone)]
struct Line {
    number: usize,
    key: Option<String>,
    value: String,
    raw: String,
}

/// The inputs of one case, parsed.
#[derive(Default)]
struct Inputs {
    first_line: usize,
    name: Option<String>,
    ty: Option<(String, usize)>,
    encoding: StringEncoding,
    source: StringEncoding,
    source_tagged: bool,
    realloc: Option<Vec<u32>>,
    memsize: usize,
    value: Option<(String, usize)>,
    memory: Vec<(u64, Vec<u8>, usize)>,
    load_at: Option<u32>,
    flat: Option<(String, usize)>,
    func: Option<(String, usize)>,
    args: Option<(String, usize)>,
}

/// Recomputes every output of the golden file `text` (read from `path`,
/// which errors name) and returns the file as it should be.
pub fn render(text: &str, path: &Path) -> Result<String, GoldenError> {
    let mut out = String::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    let mut names = std::collections::HashSet::new();
    while i < lines.len() {
        if lines[i].trim().is_empty() {
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && !lines[i].trim().is_empty() {
            i += 1;
        }
        let block = parse_block(&lines[start..i], start + 1, path)?;
        if !out.is_empty() {
            out.push('\n');
        }
        render_block(&block, path, &mut out, &mut names)?;
    }
    Ok(out)
}

fn parse_block(lines: &[&str], first: usize, path: &Path) -> Result<Vec<Line>, GoldenError> {
    let mut out: Vec<Line> = Vec::new();
    for (k, raw) in lines.iter().enumerate() {
        let number = first + k;
        let err = |msg: String| GoldenError {
            path: path.into(),
            line: number,
            msg,
        };
        if raw.starts_with('#') {
            out.push(Line {
                number,
                key: None,
                value: String::new(),
                raw: raw.to_string(),
            });
        } else if raw.starts_with(' ') {
            match out.last_mut() {
                Some(l) if l.key.is_some() => {
                    l.value.push('\n');
                    l.value.push_str(raw.trim());
                    l.raw.push('\n');
                    l.raw.push_str(raw);
                }
                _ => {
                    return Err(err(
                        "an indented line continues a `key:` line, but none precedes it; \
                         remove the indentation or the line"
                            .into(),
                    ));
                }
            }
        } else {
            let Some((key, value)) = raw.split_once(':') else {
                return Err(err(format!(
                    "`{raw}` is not `key: value`; write it as `key: value`, or start it with `#` \
                     to make it a comment"
                )));
            };
            let key = key.trim();
            if !INPUT_KEYS.contains(&key) && !OUTPUT_KEYS.contains(&key) {
                return Err(err(format!(
                    "unknown key `{key}`; input keys are {}, and the outputs ({}) are rewritten \
                     by running the test with BLESS=1",
                    INPUT_KEYS.join(", "),
                    OUTPUT_KEYS.join(", ")
                )));
            }
            out.push(Line {
                number,
                key: Some(key.to_string()),
                value: value.trim().to_string(),
                raw: raw.to_string(),
            });
        }
    }
    Ok(out)
}

fn parse_inputs(block: &[Line], path: &Path) -> Result<Inputs, GoldenError> {
    let mut inp = Inputs {
        first_line: block.first().map_or(0, |l| l.number),
        memsize: DEFAULT_MEMSIZE,
        ..Inputs::default()
    };
    for line in block {
        let Some(key) = line.key.as_deref() else {
            continue;
        };
        let err = |msg: String| GoldenError {
            path: path.into(),
            line: line.number,
            msg,
        };
        let v = line.value.clone();
        let at = (v.clone(), line.number);
        let encoding = |v: &str| {
            StringEncoding::parse(v).ok_or_else(|| {
                err(format!(
                    "`{v}` is not a string encoding; write utf8, utf16 or latin1+utf16"
                ))
            })
        };
        let number = |v: &str| -> Result<u64, GoldenError> {
            let t = v.replace('_', "");
            let n = match t.strip_prefix("0x") {
                Some(h) => u64::from_str_radix(h, 16).ok(),
                None => t.parse().ok(),
            };
            n.ok_or_else(|| err(format!("`{v}` is not a number; write decimal or 0x hex")))
        };
        match key {
            "case" => inp.name = Some(v),
            "type" => inp.ty = Some(at),
            "encoding" => inp.encoding = encoding(&v)?,
            "source" => match v.strip_suffix(", tagged") {
                Some("latin1+utf16") => {
                    inp.source = StringEncoding::Latin1Utf16;
                    inp.source_tagged = true;
                }
                _ => inp.source = encoding(&v)?,
            },
            "realloc" => {
                let ptrs = v
                    .split_whitespace()
                    .map(|p| number(p).map(|n| n as u32))
                    .collect::<Result<_, _>>()?;
                inp.realloc = Some(ptrs);
            }
            "memsize" => inp.memsize = number(&v)? as usize,
            "value" => inp.value = Some(at),
            "memory" => {
                let (addr, hex) = match v.strip_prefix('@') {
                    Some(rest) => {
                        let (a, h) = rest.split_once(' ').unwrap_or((rest, ""));
                        (number(a)?, h)
                    }
                    None => (0, v.as_str()),
                };
                let digits: String = hex.chars().filter(|c| !c.is_whitespace()).collect();
                let bytes = hex::decode(&digits).map_err(|e| {
                    err(format!(
                        "`{hex}` is not hex bytes ({e}); write pairs of hex digits such as `01 ff`"
                    ))
                })?;
                inp.memory.push((addr, bytes, line.number));
            }
            "load-at" => inp.load_at = Some(number(&v)? as u32),
            "flat" => inp.flat = Some(at),
            "func" => inp.func = Some(at),
            "args" => inp.args = Some(at),
            _ => {}
        }
    }
    Ok(inp)
}

fn render_block(
    block: &[Line],
    path: &Path,
    out: &mut String,
    names: &mut std::collections::HashSet<String>,
) -> Result<(), GoldenError> {
    for line in block {
        if line.key.as_deref().is_none_or(|k| INPUT_KEYS.contains(&k)) {
            out.push_str(&line.raw);
            out.push('\n');
        }
    }
    if block.iter().all(|l| l.key.is_none()) {
        return Ok(());
    }
    let inp = parse_inputs(block, path)?;
    let err = |line: usize, msg: String| GoldenError {
        path: path.into(),
        line,
        msg,
    };
    let Some(name) = &inp.name else {
        return Err(err(
            inp.first_line,
            "this case has no `case:` line; give it one with a unique name".into(),
        ));
    };
    if !names.insert(name.clone()) {
        return Err(err(
            inp.first_line,
            format!("case `{name}` appears twice in the file; give it another name"),
        ));
    }
    let mut outputs = Vec::new();
    if let Some((sig, line)) = &inp.func {
        render_func(&inp, sig, *line, path, &mut outputs)?;
    } else {
        let Some((ty_src, ty_line)) = &inp.ty else {
            return Err(err(
                inp.first_line,
                format!("case `{name}` has no `type:` (or `func:`) line; add one"),
            ));
        };
        let mut world = CaseWorld::default();
        let ty = text::parse_ty(ty_src, &mut world)
            .map_err(|e| err(*ty_line, format!("bad type `{ty_src}`: {e}")))?;
        let abi = Abi::new(&world)
            .map_err(|e| err(*ty_line, format!("type `{ty_src}` is not valid: {e}")))?;
        abi.check(&ty)
            .map_err(|e| err(*ty_line, format!("type `{ty_src}` is not valid: {e}")))?;
        let case = Case {
            inp: &inp,
            abi: &abi,
            ty: &ty,
            path,
        };
        match (&inp.value, &inp.flat) {
            (Some(_), Some(_)) => {
                return Err(err(
                    inp.first_line,
                    "a case has `value:` (store and lower it) or `flat:` (lift it), not both; \
                     split it in two cases"
                        .into(),
                ));
            }
            (Some((v, line)), None) => case.render_value(v, *line, &mut outputs)?,
            (None, Some((f, line))) => case.render_lift(f, *line, &mut outputs)?,
            (None, None) => case.render_load(&mut outputs)?,
        }
    }
    for (key, value) in outputs {
        let block = BLOCK_KEYS.contains(&key) && !value.starts_with("trap ");
        if block || value.contains('\n') {
            let _ = writeln!(out, "{key}:");
            for l in value.lines() {
                let _ = writeln!(out, "  {l}");
            }
        } else {
            let _ = writeln!(out, "{key}: {value}");
        }
    }
    Ok(())
}

fn trap_or_fail<T>(
    r: Result<T, AbiError>,
    err: impl Fn(String) -> GoldenError,
) -> Result<Result<T, String>, GoldenError> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(AbiError::Trap(t)) => Ok(Err(format!("trap {}", t.kind))),
        Err(e) => Err(err(format!(
            "{e}; fix the case so that the value and type agree"
        ))),
    }
}

/// A memory image: rows of 16 bytes with addresses, `..` for bytes nothing
/// wrote, rows with nothing written left out. It runs at least to `min_end`
/// (the end of the value, so trailing padding shows).
pub fn memory_image(m: &Memory, min_end: u64) -> String {
    let end = m.written_end().max(min_end.min(m.len()));
    let mut s = String::new();
    let mut row = 0u64;
    while row < end {
        if (row..(row + 16).min(end)).any(|a| m.was_written(a) || a < min_end) {
            let _ = write!(s, "{row:04x}:");
            for a in row..(row + 16).min(end) {
                if a % 8 == 0 && a != row {
                    s.push(' ');
                }
                if m.was_written(a) {
                    let _ = write!(s, " {:02x}", m.bytes()[a as usize]);
                } else {
                    s.push_str(" ..");
                }
            }
            s.push('\n');
        }
        row += 16;
    }
    s.trim_end().to_string()
}

fn reallocs_text(calls: &[ReallocCall]) -> String {
    calls
        .iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

struct Case<'a> {
    inp: &'a Inputs,
    abi: &'a Abi<'a>,
    ty: &'a Ty,
    path: &'a Path,
}

impl Case<'_> {
    fn err(&self, line: usize, msg: String) -> GoldenError {
        GoldenError {
            path: self.path.into(),
            line,
            msg,
        }
    }

    fn realloc(&self, heap: u32) -> Box<dyn Realloc> {
        match &self.inp.realloc {
            Some(ptrs) => Box::new(ScriptedRealloc::new(ptrs.iter().copied())),
            None => Box::new(BumpRealloc::new(heap)),
        }
    }

    fn layout_text(&self) -> String {
        let l = self.abi.layout(self.ty);
        let mut s = format!("size {}, align {}", l.size, l.align);
        if let Some(offsets) = self.abi.field_offsets(self.ty) {
            let o: Vec<String> = offsets.iter().map(u32::to_string).collect();
            let _ = write!(s, ", fields at {}", o.join(" "));
        }
        if let Some(v) = self.abi.variant_layout(self.ty) {
            let _ = write!(
                s,
                ", discriminant {}, payload at {}",
                v.discriminant, v.payload_offset
            );
        }
        if let Some(f) = self.abi.flags_repr(self.ty) {
            let _ = write!(s, ", flags in {f}");
        }
        s
    }

    /// Stores and lowers the value; checks that it loads and lifts back and
    /// that both lowerings allocate alike.
    fn render_value(
        &self,
        src: &str,
        line: usize,
        outputs: &mut Vec<(&'static str, String)>,
    ) -> Result<(), GoldenError> {
        let world = self.abi.world();
        let val = text::parse_val(src, world, self.ty)
            .map_err(|e| self.err(line, format!("bad value `{src}`: {e}")))?;
        let fail = |m: String| self.err(line, m);
        let size = self.abi.layout(self.ty).size;
        let heap = heap_start(size);
        outputs.push(("layout", self.layout_text()));
        let flat_types: Vec<&str> = self
            .abi
            .flatten_type(self.ty)
            .iter()
            .map(|t| t.as_str())
            .collect();
        outputs.push(("flat-types", flat_types.join(" ")));

        let mut stored_mem = Memory::new(self.inp.memsize);
        let mut realloc = self.realloc(heap);
        let mut cx = LowerCx::new(
            self.abi,
            self.inp.encoding,
            &mut stored_mem,
            realloc.as_mut(),
        );
        cx.source = self.inp.source;
        cx.source_tagged_utf16 = self.inp.source_tagged;
        let stored = trap_or_fail(store(&mut cx, &val, self.ty, 0), fail)?;
        let store_calls = std::mem::take(&mut cx.reallocs);
        drop(cx);
        match &stored {
            Ok(()) => {
                outputs.push(("stored", memory_image(&stored_mem, u64::from(size))));
                let lift = LiftCx::new(self.abi, self.inp.encoding, &stored_mem);
                let back = load(&lift, self.ty, 0);
                self.check_back("reloaded", back, &val, src, line, outputs)?;
            }
            Err(trap) => outputs.push(("stored", trap.clone())),
        }
        if !store_calls.is_empty() {
            outputs.push(("store-reallocs", reallocs_text(&store_calls)));
        }

        let mut lowered_mem = Memory::new(self.inp.memsize);
        let mut realloc = self.realloc(heap);
        let mut cx = LowerCx::new(
            self.abi,
            self.inp.encoding,
            &mut lowered_mem,
            realloc.as_mut(),
        );
        cx.source = self.inp.source;
        cx.source_tagged_utf16 = self.inp.source_tagged;
        let lowered = trap_or_fail(lower_flat(&mut cx, &val, self.ty), fail)?;
        let lower_calls = std::mem::take(&mut cx.reallocs);
        drop(cx);
        match &lowered {
            Ok(flat) => {
                outputs.push(("lowered", print_core_vals(flat)));
                let lift = LiftCx::new(self.abi, self.inp.encoding, &lowered_mem);
                let back = lift_flat(&lift, self.ty, flat);
                self.check_back("relifted", back, &val, src, line, outputs)?;
            }
            Err(trap) => outputs.push(("lowered", trap.clone())),
        }
        // Storing and lowering allocate in the same order, so they must
        // make the same calls and write the same out-of-line bytes.
        if stored.is_ok() && lowered.is_ok() && self.inp.realloc.is_none() {
            let outside = |m: &Memory| {
                let end = m.written_end().max(u64::from(size));
                (u64::from(size)..end)
                    .map(|a| (m.was_written(a), m.bytes()[a as usize]))
                    .collect::<Vec<_>>()
            };
            if store_calls != lower_calls || outside(&stored_mem) != outside(&lowered_mem) {
                return Err(fail(
                    "storing and lowering this value allocate differently; the reference is \
                     inconsistent, fix it"
                        .into(),
                ));
            }
        }
        Ok(())
    }

    /// Checks that a stored (or lowered) value reads back. With a scripted
    /// `realloc:` it may not: a misbehaving allocator can hand out blocks
    /// that overlap, or (since the spec deflates latin1+utf16 with a realloc
    /// of alignment 1 and no alignment check) a block its own load rejects;
    /// then what reads back is recorded under `key`. Otherwise a difference
    /// is a bug in the reference.
    fn check_back(
        &self,
        key: &'static str,
        back: Result<Val, AbiError>,
        val: &Val,
        src: &str,
        line: usize,
        outputs: &mut Vec<(&'static str, String)>,
    ) -> Result<(), GoldenError> {
        if back.as_ref() == Ok(val) {
            return Ok(());
        }
        let got = match &back {
            Ok(v) => print_val(v),
            Err(AbiError::Trap(t)) => format!("trap {}", t.kind),
            Err(e) => e.to_string(),
        };
        if self.inp.realloc.is_some()
            && !matches!(back, Err(AbiError::Mismatch(_) | AbiError::InvalidType(_)))
        {
            outputs.push((key, got));
            return Ok(());
        }
        Err(self.err(
            line,
            format!(
                "the value does not read back ({key}: {got}, want {src}); the reference is \
                 inconsistent, fix it"
            ),
        ))
    }

    fn memory(&self) -> Result<Memory, GoldenError> {
        let mut m = Memory::new(self.inp.memsize);
        for (addr, bytes, line) in &self.inp.memory {
            m.write(*addr, bytes).map_err(|_| {
                self.err(
                    *line,
                    format!(
                        "{} bytes at {addr:#x} do not fit the memory of {} bytes; raise \
                         `memsize:` or move them",
                        bytes.len(),
                        m.len()
                    ),
                )
            })?;
        }
        Ok(m)
    }

    fn render_load(&self, outputs: &mut Vec<(&'static str, String)>) -> Result<(), GoldenError> {
        if self.inp.memory.is_empty() {
            return Err(self.err(
                self.inp.first_line,
                "this case has no `value:`, `flat:` or `memory:` line, so there is nothing to \
                 check; add one"
                    .into(),
            ));
        }
        let m = self.memory()?;
        let cx = LiftCx::new(self.abi, self.inp.encoding, &m);
        let loaded = load(&cx, self.ty, self.inp.load_at.unwrap_or(0));
        let line = self.inp.first_line;
        let text = trap_or_fail(loaded, |msg| self.err(line, msg))?;
        outputs.push(("loaded", text.map_or_else(|t| t, |v| print_val(&v))));
        Ok(())
    }

    fn render_lift(
        &self,
        src: &str,
        line: usize,
        outputs: &mut Vec<(&'static str, String)>,
    ) -> Result<(), GoldenError> {
        let flat = text::parse_core_vals(src)
            .map_err(|e| self.err(line, format!("bad core values `{src}`: {e}")))?;
        let m = self.memory()?;
        let cx = LiftCx::new(self.abi, self.inp.encoding, &m);
        let lifted = trap_or_fail(lift_flat(&cx, self.ty, &flat), |msg| self.err(line, msg))?;
        outputs.push(("lifted", lifted.map_or_else(|t| t, |v| print_val(&v))));
        Ok(())
    }
}

fn render_func(
    inp: &Inputs,
    sig: &str,
    line: usize,
    path: &Path,
    outputs: &mut Vec<(&'static str, String)>,
) -> Result<(), GoldenError> {
    let err = |msg: String| GoldenError {
        path: path.into(),
        line,
        msg,
    };
    let mut world = CaseWorld::default();
    let (params_src, result_src) = match sig.split_once("->") {
        Some((p, r)) => (p.trim(), Some(r.trim())),
        None => (sig.trim(), None),
    };
    let bad = |e: text::TextError| {
        err(format!(
            "bad signature `{sig}`: {e}; write `(T, U) -> R` or `(T, U)`"
        ))
    };
    let params = text::parse_ty_list(params_src, &mut world).map_err(bad)?;
    let result = result_src
        .map(|r| text::parse_ty(r, &mut world))
        .transpose()
        .map_err(bad)?;
    let abi = Abi::new(&world).map_err(|e| err(format!("signature `{sig}` is not valid: {e}")))?;
    for t in params.iter().chain(result.iter()) {
        abi.check(t)
            .map_err(|e| err(format!("signature `{sig}` is not valid: {e}")))?;
    }
    let lift = abi.flatten_functype(&params, result.as_ref(), FlattenContext::Lift);
    let lower = abi.flatten_functype(&params, result.as_ref(), FlattenContext::Lower);
    outputs.push(("core-lift", lift.to_string()));
    outputs.push(("core-lower", lower.to_string()));
    let Some((args_src, args_line)) = &inp.args else {
        return Ok(());
    };
    let err = |msg: String| GoldenError {
        path: path.into(),
        line: *args_line,
        msg,
    };
    let args = text::parse_val_list(args_src, &world, &params)
        .map_err(|e| err(format!("bad arguments `{args_src}`: {e}")))?;
    let mut m = Memory::new(inp.memsize);
    let mut realloc: Box<dyn Realloc> = match &inp.realloc {
        Some(ptrs) => Box::new(ScriptedRealloc::new(ptrs.iter().copied())),
        None => Box::new(BumpRealloc::new(16)),
    };
    let mut cx = LowerCx::new(&abi, inp.encoding, &mut m, realloc.as_mut());
    cx.source = inp.source;
    cx.source_tagged_utf16 = inp.source_tagged;
    let lowered = trap_or_fail(
        lower_flat_values(&mut cx, MAX_FLAT_PARAMS, &args, &params, None),
        err,
    )?;
    let calls = std::mem::take(&mut cx.reallocs);
    drop(cx);
    match lowered {
        Ok(flat) => {
            outputs.push(("args-lowered", print_core_vals(&flat)));
            if m.written_end() > 0 {
                outputs.push(("args-memory", memory_image(&m, 0)));
            }
            let lift = LiftCx::new(&abi, inp.encoding, &m);
            let back = lift_flat_values(&lift, MAX_FLAT_PARAMS, &flat, &params);
            if back.as_ref() != Ok(&args) {
                return Err(err(format!(
                    "the lowered arguments do not lift back ({back:?}); the reference is \
                     inconsistent, fix it"
                )));
            }
        }
        Err(trap) => outputs.push(("args-lowered", trap)),
    }
    if !calls.is_empty() {
        outputs.push(("args-reallocs", reallocs_text(&calls)));
    }
    Ok(())
}

/// The golden files, sorted.
pub fn golden_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/abi");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    files
}

/// The first line where `got` and `want` differ, for a readable failure.
pub fn first_difference(want: &str, got: &str) -> Option<(usize, String, String)> {
    let (mut w, mut g) = (want.lines(), got.lines());
    let mut n = 0;
    loop {
        n += 1;
        match (w.next(), g.next()) {
            (None, None) => return None,
            (a, b) if a == b => continue,
            (a, b) => {
                return Some((
                    n,
                    a.unwrap_or("<end>").to_string(),
                    b.unwrap_or("<end>").into(),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_files_match_the_reference() {
        let bless = std::env::var_os("BLESS").is_some();
        let files = golden_files();
        assert!(
            files.len() >= 8,
            "expected the golden files under tests/abi"
        );
        let mut stale = Vec::new();
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let fresh = render(&text, &path).unwrap_or_else(|e| panic!("{e}"));
            if fresh == text {
                continue;
            }
            if bless {
                std::fs::write(&path, &fresh).unwrap();
            } else {
                let (line, want, got) = first_difference(&text, &fresh).expect("texts differ");
                stale.push(format!(
                    "{}:{line}:\n  file:      {want}\n  reference: {got}",
                    path.display()
                ));
            }
        }
        assert!(
            stale.is_empty(),
            "golden files differ from the reference (rerun with BLESS=1 if the change is \
             intended):\n{}",
            stale.join("\n")
        );
    }

    const SAMPLE: &str = "\
case: padded record
type: record { a: u8, b: u32 }
value: {a: 1, b: 2}
";

    #[test]
    fn a_tampered_expectation_is_caught() {
        let path = Path::new("sample.txt");
        let good = render(SAMPLE, path).unwrap();
        assert!(
            good.contains("stored:\n  0000: 01 .. .. .. 02 00 00 00\n"),
            "{good}"
        );
        assert_eq!(render(&good, path).unwrap(), good);
        // b at offset 1 (a packed layout) instead of 4.
        let packed = good.replace("0000: 01 .. .. .. 02 00 00 00", "0000: 01 02 00 00 00");
        assert_ne!(render(&packed, path).unwrap(), packed);
        let wrong_flat = good.replace("lowered: i32:1 i32:2", "lowered: i32:2 i32:1");
        assert_ne!(render(&wrong_flat, path).unwrap(), wrong_flat);
    }

    #[test]
    fn bad_input_names_the_file_and_line() {
        let path = Path::new("bad.txt");
        let e = render("case: x\ntype: list<u8\nvalue: []\n", path).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.to_string().starts_with("bad.txt:2: bad type"), "{e}");
        let e = render("case: x\ntype: u8\nvalue: 300\n", path).unwrap_err();
        assert_eq!(e.line, 3);
        let e = render(
            "case: x\ntype: u8\nvalue: 1\n\ncase: x\ntype: u8\nvalue: 2\n",
            path,
        )
        .unwrap_err();
        assert_eq!(e.line, 5);
        let e = render("case: x\nwhat: 1\n", path).unwrap_err();
        assert!(e.msg.contains("unknown key `what`"), "{e}");
        let e = render("case: x\ntype: flags<33>\nvalue: {}\n", path).unwrap_err();
        assert!(e.msg.contains("1 to 32"), "{e}");
    }

    #[test]
    fn hand_made_bytes_with_a_wrong_field_offset_differ() {
        // record { a: u8, b: u32 } = {a: 1, b: 2}, laid out packed (b at 1)
        // by hand, against the reference's store.
        let mut world = CaseWorld::default();
        let ty = text::parse_ty("record { a: u8, b: u32 }", &mut world).unwrap();
        let abi = Abi::new(&world).unwrap();
        let val = text::parse_val("{a: 1, b: 2}", &world, &ty).unwrap();
        let mut m = Memory::new(16);
        let mut r = BumpRealloc::new(16);
        store(
            &mut LowerCx::new(&abi, StringEncoding::Utf8, &mut m, &mut r),
            &val,
            &ty,
            0,
        )
        .unwrap();
        let hand_made = [1u8, 2, 0, 0, 0, 0, 0, 0];
        let reference: Vec<u8> = m.bytes()[..8].to_vec();
        let differing: Vec<usize> = (0..8)
            .filter(|&i| m.was_written(i as u64) && reference[i] != hand_made[i])
            .collect();
        // Byte 1 is padding, which the reference leaves unwritten and a
        // comparison ignores; byte 4 is where `b` starts.
        assert_eq!(
            differing,
            vec![4],
            "the comparison sees the misplaced field"
        );
        // And the hand-made bytes do not load as the value.
        let hm = Memory::from_bytes(hand_made.to_vec());
        let loaded = load(&LiftCx::new(&abi, StringEncoding::Utf8, &hm), &ty, 0).unwrap();
        assert_ne!(loaded, val);
    }
}
