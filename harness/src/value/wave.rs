//! WAVE text of values, and the call files that record the arguments (and
//! the result) of one call in a finding.
//!
//! wasmtime 48's own `Val::to_wave` panics on a `map` and its
//! `Val::from_wave` rejects maps and fixed-length lists, so this module
//! writes and reads WAVE itself, reusing wasm-wave's parser (through
//! wasmtime's re-export) for the syntax:
//!
//! - [`to_wave`] writes the same text as wasm-wave for every value it
//!   supports: variant and enum cases named like a WAVE keyword (`none`,
//!   `ok`, `true`, `inf`, ...) get a `%` (`%none`); `none` record fields are
//!   left out; NaNs are written `nan` (their payload is not kept). A map is
//!   written as the list of its entries, `[(key, value), ...]`, the shape the
//!   canonical ABI gives it.
//! - A resource handle (`own<r>`, `borrow<r>`) is the number of the host
//!   resource it carries, as in witness's values ([`crate::host::handles`]):
//!   a `u32`, written and read as one.
//! - [`from_wave`] reads that text against a wasmtime `Type`. It also takes
//!   what other WAVE writers produce: keyword cases without `%`, flattened
//!   `option`/`result` payloads, omitted `none` fields, flags in any order.
//!   Flags come back in declaration order, as a component gives them. The
//!   parser refuses values nested more than 100 deep.
//!
//! A call file holds one value per line:
//!
//! ```text
//! // witness call: api.f from world.wit
//! x: {a: 1, b: "hi"}
//! rows: [{cell: {text: "x"}}]
//! -> ok(3)
//! ```
//!
//! Lines starting with `//` are comments (the first `// witness call:` one
//! names the function), `name: value` gives a parameter by its WIT name
//! (unescaped; a leading `%` is accepted), `-> value` gives the result.
//! Parameter names are plain labels, so the first `:` ends the name whatever
//! the name is (`type: 3` is the parameter `type`).

use std::fmt::{self, Write as _};

use wasmtime::component::wasm_wave::ast::{Node, NodeType};
use wasmtime::component::wasm_wave::lex::Keyword;
use wasmtime::component::wasm_wave::parser::ParserError;
use wasmtime::component::wasm_wave::untyped::UntypedValue;
use wasmtime::component::{Type, Val};

/// What goes wrong writing or reading WAVE text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WaveError {
    /// A value that does not parse, or does not fit its type.
    #[error(
        "line {line}, column {column}: {message}; write the value in WAVE syntax for its type \
         (the same text `to_wave` writes)"
    )]
    Value {
        line: usize,
        column: usize,
        message: String,
    },
    /// A call-file line that is not a comment, `name: value` or `-> value`,
    /// or that names a parameter that does not exist or is given twice.
    #[error(
        "line {line}: {message}; a call file holds `//` comments, one `name: <WAVE value>` line \
         per parameter and at most one `-> <WAVE value>` result line"
    )]
    Line { line: usize, message: String },
    /// A parameter with no line in the call file.
    #[error("no line gives the parameter `{name}`: add a line `{name}: <WAVE value>`")]
    MissingParam { name: String },
    /// A value that WAVE cannot express.
    #[error("a {what} cannot be written as WAVE: only plain data values can be recorded")]
    Unsupported { what: &'static str },
}

impl WaveError {
    /// The 1-based line the error is on, where it is on one.
    pub fn line(&self) -> Option<usize> {
        match self {
            WaveError::Value { line, .. } | WaveError::Line { line, .. } => Some(*line),
            WaveError::MissingParam { .. } | WaveError::Unsupported { .. } => None,
        }
    }
}

/// The values read from a call file.
#[derive(Debug, Clone)]
pub struct CallValues {
    /// What the `// witness call:` comment names, if there is one.
    pub func: Option<String>,
    /// The parameters, in the order of the signature.
    pub params: Vec<(String, Val)>,
    /// The result, if the file has a `->` line.
    pub result: Option<Val>,
}

/// The WAVE text of `v`. Fails only for handles (resources, futures,
/// streams, error contexts), which have no text.
pub fn to_wave(v: &Val) -> Result<String, WaveError> {
    let mut out = String::new();
    let mut writer = Writer::new(&mut out, usize::MAX);
    writer.val(v);
    match writer.unsupported {
        Some(what) => Err(WaveError::Unsupported { what }),
        None => Ok(out),
    }
}

/// The WAVE text of `v` cut after about `max_chars` characters (with `…`
/// when cut). Handles are written as `<resource>`, `<future>`, ...
pub(crate) fn to_wave_cut(v: &Val, max_chars: usize) -> String {
    let mut out = String::new();
    let mut writer = Writer::new(&mut out, max_chars);
    writer.val(v);
    if writer.cut {
        out.push('…');
    }
    out
}

/// Appends the WAVE escape of the string contents `s` (without quotes) to
/// `out`, stopping before `max_chars` characters would be exceeded. Returns
/// whether all of `s` was written.
pub(crate) fn escape_str_into(out: &mut String, s: &str, max_chars: usize) -> bool {
    let mut writer = Writer::new(out, max_chars);
    for c in s.chars() {
        writer.escaped_char(c);
    }
    !writer.cut
}

/// A value of type `ty` read from WAVE `text`.
pub fn from_wave(ty: &Type, text: &str) -> Result<Val, WaveError> {
    read_value(ty, text).map_err(|e| {
        let before = &text[..e.offset.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        WaveError::Value {
            line,
            column: before[line_start..].chars().count() + 1,
            message: e.message,
        }
    })
}

/// The call file of a call to `func` (a free-form description, such as
/// `api.f from world.wit`). Handles, which have no WAVE text, are written
/// as `<resource>` and the like, which [`read_call`] rejects.
pub fn write_call(func: &str, params: &[(String, Val)], result: Option<&Val>) -> String {
    let mut out = String::new();
    let func: String = func
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    writeln!(out, "// witness call: {func}").expect("writing to a String");
    for (name, v) in params {
        out.push_str(name);
        out.push_str(": ");
        Writer::new(&mut out, usize::MAX).val(v);
        out.push('\n');
    }
    if let Some(v) = result {
        out.push_str("-> ");
        Writer::new(&mut out, usize::MAX).val(v);
        out.push('\n');
    }
    out
}

/// Reads a call file written by [`write_call`] (or by hand) against the
/// parameter types and the result type of the function. Every parameter
/// needs a line; the result line is optional, and an error when `result`
/// is `None`.
pub fn read_call(
    text: &str,
    params: &[(String, Type)],
    result: Option<&Type>,
) -> Result<CallValues, WaveError> {
    let mut func = None;
    let mut values: Vec<Option<(usize, Val)>> = vec![None; params.len()];
    let mut result_val: Option<(usize, Val)> = None;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let body = raw.trim_start();
        if body.is_empty() {
            continue;
        }
        if let Some(comment) = body.strip_prefix("//") {
            if func.is_none()
                && let Some(name) = comment.trim().strip_prefix("witness call:")
            {
                func = Some(name.trim().to_string());
            }
            continue;
        }
        if let Some(value) = body.strip_prefix("->") {
            let Some(ty) = result else {
                return Err(WaveError::Line {
                    line,
                    message: "the function has no result, but this line gives one".into(),
                });
            };
            if let Some((first, _)) = &result_val {
                return Err(WaveError::Line {
                    line,
                    message: format!("a second result line (the first is line {first})"),
                });
            }
            let v = read_on_line(ty, raw, value, line, "the result")?;
            result_val = Some((line, v));
            continue;
        }
        let Some((name, value)) = body.split_once(':') else {
            return Err(WaveError::Line {
                line,
                message: format!("expected `name: value`, found `{}`", excerpt(body)),
            });
        };
        let name = name.trim();
        let name = name.strip_prefix('%').unwrap_or(name);
        let Some(slot) = params.iter().position(|(n, _)| n == name) else {
            let known: Vec<&str> = params.iter().map(|(n, _)| n.as_str()).collect();
            return Err(WaveError::Line {
                line,
                message: format!(
                    "unknown parameter `{}`; the function's parameters are: {}",
                    excerpt(name),
                    if known.is_empty() {
                        "(none)".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            });
        };
        if let Some((first, _)) = &values[slot] {
            return Err(WaveError::Line {
                line,
                message: format!("the parameter `{name}` is given twice (first on line {first})"),
            });
        }
        let what = format!("the parameter `{name}`");
        let v = read_on_line(&params[slot].1, raw, value, line, &what)?;
        values[slot] = Some((line, v));
    }
    let params = params
        .iter()
        .zip(values)
        .map(|((name, _), v)| match v {
            Some((_, v)) => Ok((name.clone(), v)),
            None => Err(WaveError::MissingParam { name: name.clone() }),
        })
        .collect::<Result<_, _>>()?;
    Ok(CallValues {
        func,
        params,
        result: result_val.map(|(_, v)| v),
    })
}

/// Reads `value`, a suffix of the line `raw`, reporting errors at their
/// column in the line.
fn read_on_line(
    ty: &Type,
    raw: &str,
    value: &str,
    line: usize,
    what: &str,
) -> Result<Val, WaveError> {
    read_value(ty, value).map_err(|e| {
        let offset = raw.len() - value.len() + e.offset.min(value.len());
        WaveError::Value {
            line,
            column: raw[..offset].chars().count() + 1,
            message: format!("{what}: {}", e.message),
        }
    })
}

/// A read failure at a byte offset of the text being read.
struct ReadError {
    offset: usize,
    message: String,
}

impl ReadError {
    fn at(node: &Node, message: String) -> Self {
        ReadError {
            offset: node.span().start,
            message,
        }
    }

    fn parser(e: ParserError) -> Self {
        let message = match e.detail() {
            Some(detail) => format!("{}: {detail}", e.kind()),
            None => e.kind().to_string(),
        };
        ReadError {
            offset: e.span().start,
            message,
        }
    }
}

fn read_value(ty: &Type, text: &str) -> Result<Val, ReadError> {
    let untyped = UntypedValue::parse(text).map_err(ReadError::parser)?;
    val_of(untyped.node(), ty, text)
}

/// The start of `s`, for messages.
fn excerpt(s: &str) -> String {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

/// What a value of `ty` looks like, for messages.
fn expected(ty: &Type) -> String {
    match ty {
        Type::Bool => "a bool (`true` or `false`)".into(),
        Type::S8 => "an s8".into(),
        Type::U8 => "a u8".into(),
        Type::S16 => "an s16".into(),
        Type::U16 => "a u16".into(),
        Type::S32 => "an s32".into(),
        Type::U32 => "a u32".into(),
        Type::S64 => "an s64".into(),
        Type::U64 => "a u64".into(),
        Type::Float32 => "an f32 (a number, `inf`, `-inf` or `nan`)".into(),
        Type::Float64 => "an f64 (a number, `inf`, `-inf` or `nan`)".into(),
        Type::Char => "a char (`'x'`)".into(),
        Type::String => "a string (`\"...\"`)".into(),
        Type::List(_) => "a list (`[a, b, ...]`)".into(),
        Type::FixedLengthList(f) => format!("a list of exactly {} elements", f.len()),
        Type::Map(_) => "a map as a list of entries (`[(key, value), ...]`)".into(),
        Type::Record(_) => "a record (`{field: value, ...}`)".into(),
        Type::Tuple(t) => format!("a tuple of {} elements (`(a, b, ...)`)", t.types().len()),
        Type::Variant(v) => {
            let cases: Vec<&str> = v.cases().map(|c| c.name).collect();
            format!("a variant case (one of {})", cases.join(", "))
        }
        Type::Enum(e) => {
            let cases: Vec<&str> = e.names().collect();
            format!("an enum case (one of {})", cases.join(", "))
        }
        Type::Option(_) => "an option (`some(...)` or `none`)".into(),
        Type::Result(_) => "a result (`ok`, `ok(...)`, `err` or `err(...)`)".into(),
        Type::Flags(_) => "flags (`{a, b, ...}`)".into(),
        Type::Own(_) | Type::Borrow(_) => "a resource handle".into(),
        Type::Future(_) => "a future".into(),
        Type::Stream(_) => "a stream".into(),
        Type::ErrorContext => "an error context".into(),
    }
}

fn mismatch(node: &Node, ty: &Type, src: &str) -> ReadError {
    ReadError::at(
        node,
        format!(
            "expected {}, found `{}`",
            expected(ty),
            excerpt(&src[node.span()])
        ),
    )
}

/// Whether wasm-wave lets a `some`/`ok` around a payload of this type be
/// left out.
fn flattenable(ty: &Type) -> bool {
    !matches!(ty, Type::Option(_) | Type::Result(_))
}

/// The case label and payload of a node in case position. Keyword labels
/// written without `%` (`none`, `ok(1)`, `true`, `nan`) are taken as labels.
fn case_of<'n, 's>(node: &'n Node, src: &'s str) -> Option<(&'s str, Option<&'n Node>)> {
    match node.ty() {
        NodeType::Label | NodeType::VariantWithPayload => node.as_variant(src).ok(),
        NodeType::OptionNone => Some(("none", None)),
        NodeType::OptionSome => Some(("some", node.as_option().ok().flatten())),
        NodeType::ResultOk => Some(("ok", node.as_result().ok()?.ok()?)),
        NodeType::ResultErr => Some(("err", node.as_result().ok()?.err()?)),
        NodeType::BoolTrue => Some(("true", None)),
        NodeType::BoolFalse => Some(("false", None)),
        NodeType::Number => {
            let text = &src[node.span()];
            matches!(text, "inf" | "nan").then_some((text, None))
        }
        _ => None,
    }
}

fn number<T: std::str::FromStr>(node: &Node, ty: &Type, src: &str) -> Result<T, ReadError> {
    if node.ty() != NodeType::Number {
        return Err(mismatch(node, ty, src));
    }
    node.as_number(src).map_err(|_| {
        ReadError::at(
            node,
            format!("`{}` is not {}", excerpt(&src[node.span()]), expected(ty)),
        )
    })
}

fn elements<'n>(node: &'n Node, ty: &Type, src: &str) -> Result<Vec<&'n Node>, ReadError> {
    if node.ty() != NodeType::List {
        return Err(mismatch(node, ty, src));
    }
    Ok(node.as_list().map_err(ReadError::parser)?.collect())
}

fn payload(
    node: &Node,
    case: &str,
    ty: Option<Type>,
    payload: Option<&Node>,
    src: &str,
) -> Result<Option<Box<Val>>, ReadError> {
    match (ty, payload) {
        (Some(ty), Some(p)) => Ok(Some(Box::new(val_of(p, &ty, src)?))),
        (None, None) => Ok(None),
        (Some(_), None) => Err(ReadError::at(
            node,
            format!("the case `{case}` needs a payload: `{case}(...)`"),
        )),
        (None, Some(_)) => Err(ReadError::at(
            node,
            format!("the case `{case}` has no payload: write `{case}` alone"),
        )),
    }
}

fn val_of(node: &Node, ty: &Type, src: &str) -> Result<Val, ReadError> {
    Ok(match ty {
        Type::Bool => match node.ty() {
            NodeType::BoolTrue => Val::Bool(true),
            NodeType::BoolFalse => Val::Bool(false),
            _ => return Err(mismatch(node, ty, src)),
        },
        Type::S8 => Val::S8(number(node, ty, src)?),
        Type::U8 => Val::U8(number(node, ty, src)?),
        Type::S16 => Val::S16(number(node, ty, src)?),
        Type::U16 => Val::U16(number(node, ty, src)?),
        Type::S32 => Val::S32(number(node, ty, src)?),
        Type::U32 => Val::U32(number(node, ty, src)?),
        Type::S64 => Val::S64(number(node, ty, src)?),
        Type::U64 => Val::U64(number(node, ty, src)?),
        Type::Float32 => Val::Float32(number(node, ty, src)?),
        Type::Float64 => Val::Float64(number(node, ty, src)?),
        Type::Char => {
            if node.ty() != NodeType::Char {
                return Err(mismatch(node, ty, src));
            }
            Val::Char(node.as_char(src).map_err(ReadError::parser)?)
        }
        Type::String => match node.ty() {
            NodeType::String | NodeType::MultilineString => {
                Val::String(node.as_str(src).map_err(ReadError::parser)?.into_owned())
            }
            _ => return Err(mismatch(node, ty, src)),
        },
        Type::List(list) => {
            let elem = list.ty();
            let vals = elements(node, ty, src)?
                .into_iter()
                .map(|n| val_of(n, &elem, src))
                .collect::<Result<_, _>>()?;
            Val::List(vals)
        }
        Type::FixedLengthList(list) => {
            let nodes = elements(node, ty, src)?;
            if nodes.len() != list.len() as usize {
                return Err(ReadError::at(
                    node,
                    format!(
                        "expected a list of exactly {} elements, found {}",
                        list.len(),
                        nodes.len()
                    ),
                ));
            }
            let elem = list.ty();
            let vals = nodes
                .into_iter()
                .map(|n| val_of(n, &elem, src))
                .collect::<Result<_, _>>()?;
            Val::FixedLengthList(vals)
        }
        Type::Map(map) => {
            let (key_ty, value_ty) = (map.key(), map.value());
            let mut entries = Vec::new();
            for entry in elements(node, ty, src)? {
                let parts: Vec<&Node> = match entry.ty() {
                    NodeType::Tuple => entry.as_tuple().map_err(ReadError::parser)?.collect(),
                    _ => Vec::new(),
                };
                let [key, value] = parts[..] else {
                    return Err(ReadError::at(
                        entry,
                        format!(
                            "expected a map entry `(key, value)`, found `{}`",
                            excerpt(&src[entry.span()])
                        ),
                    ));
                };
                entries.push((val_of(key, &key_ty, src)?, val_of(value, &value_ty, src)?));
            }
            Val::Map(entries)
        }
        Type::Record(record) => {
            if node.ty() != NodeType::Record {
                return Err(mismatch(node, ty, src));
            }
            let given: Vec<(&str, &Node)> =
                node.as_record(src).map_err(ReadError::parser)?.collect();
            for (name, value) in &given {
                if !record.fields().any(|f| f.name == *name) {
                    let fields: Vec<&str> = record.fields().map(|f| f.name).collect();
                    return Err(ReadError::at(
                        value,
                        format!(
                            "the record has no field `{name}`; its fields are: {}",
                            fields.join(", ")
                        ),
                    ));
                }
            }
            let mut fields = Vec::with_capacity(record.fields().len());
            for field in record.fields() {
                let v = match given.iter().find(|(name, _)| *name == field.name) {
                    Some((_, n)) => val_of(n, &field.ty, src)?,
                    None if matches!(field.ty, Type::Option(_)) => Val::Option(None),
                    None => {
                        return Err(ReadError::at(
                            node,
                            format!("the record lacks its field `{}`", field.name),
                        ));
                    }
                };
                fields.push((field.name.to_string(), v));
            }
            Val::Record(fields)
        }
        Type::Tuple(tuple) => {
            if node.ty() != NodeType::Tuple {
                return Err(mismatch(node, ty, src));
            }
            let nodes: Vec<&Node> = node.as_tuple().map_err(ReadError::parser)?.collect();
            if nodes.len() != tuple.types().len() {
                return Err(mismatch(node, ty, src));
            }
            let vals = nodes
                .into_iter()
                .zip(tuple.types())
                .map(|(n, t)| val_of(n, &t, src))
                .collect::<Result<_, _>>()?;
            Val::Tuple(vals)
        }
        Type::Variant(variant) => {
            let Some((label, p)) = case_of(node, src) else {
                return Err(mismatch(node, ty, src));
            };
            let Some(case) = variant.cases().find(|c| c.name == label) else {
                return Err(mismatch(node, ty, src));
            };
            Val::Variant(label.to_string(), payload(node, label, case.ty, p, src)?)
        }
        Type::Enum(enum_) => match case_of(node, src) {
            Some((label, None)) if enum_.names().any(|n| n == label) => {
                Val::Enum(label.to_string())
            }
            _ => return Err(mismatch(node, ty, src)),
        },
        Type::Option(option) => {
            let inner = option.ty();
            match node.ty() {
                NodeType::OptionNone => Val::Option(None),
                NodeType::OptionSome => {
                    let p = node.as_option().map_err(ReadError::parser)?;
                    Val::Option(payload(node, "some", Some(inner), p, src)?)
                }
                _ if flattenable(&inner) => Val::Option(Some(Box::new(val_of(node, &inner, src)?))),
                _ => return Err(mismatch(node, ty, src)),
            }
        }
        Type::Result(result) => match node.ty() {
            NodeType::ResultOk => {
                let p = node.as_result().map_err(ReadError::parser)?.ok().flatten();
                Val::Result(Ok(payload(node, "ok", result.ok(), p, src)?))
            }
            NodeType::ResultErr => {
                let p = node.as_result().map_err(ReadError::parser)?.err().flatten();
                Val::Result(Err(payload(node, "err", result.err(), p, src)?))
            }
            _ => match result.ok() {
                Some(ok) if flattenable(&ok) => {
                    Val::Result(Ok(Some(Box::new(val_of(node, &ok, src)?))))
                }
                _ => return Err(mismatch(node, ty, src)),
            },
        },
        Type::Flags(flags) => {
            if node.ty() != NodeType::Flags {
                return Err(mismatch(node, ty, src));
            }
            let given: Vec<&str> = node
                .as_flags(src)
                .map_err(ReadError::parser)?
                .map(|f| f.strip_prefix('%').unwrap_or(f))
                .collect();
            if let Some(unknown) = given.iter().find(|g| !flags.names().any(|n| n == **g)) {
                let names: Vec<&str> = flags.names().collect();
                return Err(ReadError::at(
                    node,
                    format!("no flag `{unknown}`; the flags are: {}", names.join(", ")),
                ));
            }
            Val::Flags(
                flags
                    .names()
                    .filter(|n| given.contains(n))
                    .map(str::to_string)
                    .collect(),
            )
        }
        // In witness's values a handle is the number of the host resource
        // it carries (see `crate::host::handles`).
        Type::Own(_) | Type::Borrow(_) => Val::U32(number(node, &Type::U32, src)?),
        Type::Future(_) | Type::Stream(_) | Type::ErrorContext => {
            return Err(ReadError::at(
                node,
                format!("{} has no WAVE text", expected(ty)),
            ));
        }
    })
}

/// Writes WAVE text into a string, stopping after a number of characters.
struct Writer<'o> {
    out: &'o mut String,
    /// Characters that may still be written.
    room: usize,
    /// Whether the text was cut.
    cut: bool,
    /// The first handle met, which has no WAVE text.
    unsupported: Option<&'static str>,
}

impl fmt::Write for Writer<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push(s);
        Ok(())
    }
}

impl<'o> Writer<'o> {
    fn new(out: &'o mut String, max_chars: usize) -> Self {
        Writer {
            out,
            room: max_chars,
            cut: false,
            unsupported: None,
        }
    }

    fn push(&mut self, s: &str) {
        if self.cut {
            return;
        }
        if self.room == usize::MAX {
            self.out.push_str(s);
            return;
        }
        let n = s.chars().count();
        if n <= self.room {
            self.out.push_str(s);
            self.room -= n;
        } else {
            self.cut = true;
        }
    }

    /// Writes a character of a char or string literal, escaped as wasm-wave
    /// does: quotes, backslash, tab, CR and LF with a backslash, other
    /// controls as `\u{..}`, and what Rust's debug escape escapes.
    fn escaped_char(&mut self, c: char) {
        let mut buf = [0u8; 4];
        if matches!(c, '\\' | '"' | '\'' | '\t' | '\r' | '\n') {
            let escaped: String = c.escape_default().collect();
            self.push(&escaped);
        } else if c.is_control() {
            let escaped: String = c.escape_unicode().collect();
            self.push(&escaped);
        } else {
            let mut escape = c.escape_debug();
            if escape.len() == 1 {
                self.push(c.encode_utf8(&mut buf));
            } else {
                let escaped: String = escape.by_ref().collect();
                self.push(&escaped);
            }
        }
    }

    fn label(&mut self, name: &str) {
        if Keyword::decode(name).is_some() {
            self.push("%");
        }
        self.push(name);
    }

    fn seq<'v>(&mut self, open: &str, vals: impl IntoIterator<Item = &'v Val>, close: &str) {
        self.push(open);
        for (i, v) in vals.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.val(v);
            if self.cut {
                return;
            }
        }
        self.push(close);
    }

    fn payload(&mut self, payload: &Option<Box<Val>>) {
        if let Some(p) = payload {
            self.push("(");
            self.val(p);
            self.push(")");
        }
    }

    fn handle(&mut self, what: &'static str) {
        self.unsupported.get_or_insert(what);
        self.push("<");
        self.push(what);
        self.push(">");
    }

    fn val(&mut self, v: &Val) {
        if self.cut {
            return;
        }
        match v {
            Val::Bool(b) => self.push(if *b { "true" } else { "false" }),
            Val::S8(x) => self.display(x),
            Val::U8(x) => self.display(x),
            Val::S16(x) => self.display(x),
            Val::U16(x) => self.display(x),
            Val::S32(x) => self.display(x),
            Val::U32(x) => self.display(x),
            Val::S64(x) => self.display(x),
            Val::U64(x) => self.display(x),
            // Display writes `inf`/`-inf` and the shortest text that reads
            // back to the same bits, but `NaN` for NaNs.
            Val::Float32(x) if x.is_nan() => self.push("nan"),
            Val::Float64(x) if x.is_nan() => self.push("nan"),
            Val::Float32(x) => self.display(x),
            Val::Float64(x) => self.display(x),
            Val::Char(c) => {
                self.push("'");
                self.escaped_char(*c);
                self.push("'");
            }
            Val::String(s) => {
                self.push("\"");
                for c in s.chars() {
                    self.escaped_char(c);
                    if self.cut {
                        return;
                    }
                }
                self.push("\"");
            }
            Val::List(vs) | Val::FixedLengthList(vs) => self.seq("[", vs, "]"),
            Val::Map(entries) => {
                self.push("[");
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.seq("(", [k, v], ")");
                    if self.cut {
                        return;
                    }
                }
                self.push("]");
            }
            Val::Record(fields) => {
                self.push("{");
                let mut first = true;
                for (name, v) in fields {
                    if matches!(v, Val::Option(None)) {
                        continue;
                    }
                    if !first {
                        self.push(", ");
                    }
                    first = false;
                    self.push(name);
                    self.push(": ");
                    self.val(v);
                    if self.cut {
                        return;
                    }
                }
                if first {
                    self.push(":");
                }
                self.push("}");
            }
            Val::Tuple(vs) => self.seq("(", vs, ")"),
            Val::Variant(case, payload) => {
                self.label(case);
                self.payload(payload);
            }
            Val::Enum(case) => self.label(case),
            Val::Option(None) => self.push("none"),
            Val::Option(Some(p)) => {
                self.push("some(");
                self.val(p);
                self.push(")");
            }
            Val::Result(Ok(p)) => {
                self.push("ok");
                self.payload(p);
            }
            Val::Result(Err(p)) => {
                self.push("err");
                self.payload(p);
            }
            Val::Flags(names) => {
                self.push("{");
                for (i, name) in names.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.push(name);
                }
                self.push("}");
            }
            Val::Resource(_) => self.handle("resource"),
            Val::Future(_) => self.handle("future"),
            Val::Stream(_) => self.handle("stream"),
            Val::ErrorContext(_) => self.handle("error-context"),
        }
    }

    fn display(&mut self, x: &impl fmt::Display) {
        write!(self, "{x}").expect("the writer never fails");
    }
}

#[cfg(test)]
mod tests;
