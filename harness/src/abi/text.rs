//! A readable text form for the golden vectors: types, values and core
//! values.
//!
//! Types are WIT-like and structural, so a golden case fits on one line:
//! `u8`, `string`, `list<T>`, `list<T, 4>`, `map<K, V>`, `tuple<A, B>`,
//! `option<T>`, `result`, `result<T>`, `result<_, E>`, `result<T, E>`,
//! `record { a: T, b: U }`, `variant { a(T), b }`, `enum { a, b }`,
//! `flags { a, b }`, and the shorthands `enum<N>` (cases `c0`..) and
//! `flags<N>` (flags `f0`..). Records, variants, enums and flags become named
//! types `t0`, `t1`, ... of a [`CaseWorld`].
//!
//! Values follow WAVE (the WebAssembly Value Encoding), read with their
//! type: `true`, `-3`, `1.5`, `nan`, `nan(0x7fa00000)` (a NaN's bits), `inf`,
//! `'x'`, `"text\u{1f600}"`, `[1, 2]` (lists, fixed-length too), `(1, "a")`,
//! `{a: 1, b: 2}` (records), `{a, c}` (flags), `none`, `some(1)`, `ok`,
//! `ok(1)`, `err("e")`, `case` / `case(payload)`; maps, which WAVE lacks,
//! are `{key: value, ...}` with value keys (`{"a": 1}`).
//!
//! Core values are `i32:5`, `i32:0x80000003` (hex from 0x10000 up), `f32:1.5`,
//! `f64:nan(0x7ff4000000000000)`.

use std::fmt::Write;

use wasmtime::component::Val;

use super::flat::{CoreType, CoreVal};
use crate::ty::{Case, CaseWorld, Field, Ty, TypeDef, TypeDefKind};

/// A syntax error, at a byte offset of the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{msg} (at column {})", offset + 1)]
pub struct TextError {
    pub msg: String,
    pub offset: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Num(String),
    Str(String),
    Char(char),
    Punct(char),
}

fn describe(t: Option<&Tok>) -> String {
    match t {
        None => "the end of the text".into(),
        Some(Tok::Ident(s)) => format!("`{s}`"),
        Some(Tok::Num(s)) => format!("number `{s}`"),
        Some(Tok::Str(s)) => format!("string {s:?}"),
        Some(Tok::Char(c)) => format!("char {c:?}"),
        Some(Tok::Punct(c)) => format!("`{c}`"),
    }
}

fn lex(src: &str) -> Result<Vec<(usize, Tok)>, TextError> {
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |offset: usize, msg: String| TextError { msg, offset };
    while i < chars.len() {
        let (at, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == '%' {
            let start = if c == '%' { i + 1 } else { i };
            i += 1;
            while i < chars.len() && (chars[i].1.is_ascii_alphanumeric() || chars[i].1 == '-') {
                i += 1;
            }
            out.push((
                at,
                Tok::Ident(chars[start..i].iter().map(|c| c.1).collect()),
            ));
        } else if c.is_ascii_digit() || ((c == '-' || c == '+') && i + 1 < chars.len()) {
            let mut s = String::from(c);
            i += 1;
            let hex = chars.get(i).is_some_and(|c| c.1 == 'x') && c == '0';
            while i < chars.len() {
                let d = chars[i].1;
                let after_exp = !hex && matches!(s.chars().last(), Some('e' | 'E'));
                if d.is_ascii_alphanumeric()
                    || d == '.'
                    || d == '_'
                    || (after_exp && (d == '-' || d == '+'))
                {
                    s.push(d);
                    i += 1;
                } else {
                    break;
                }
            }
            out.push((at, Tok::Num(s)));
        } else if c == '"' || c == '\'' {
            let quote = c;
            i += 1;
            let mut s = String::new();
            loop {
                let Some(&(_, d)) = chars.get(i) else {
                    return Err(err(at, format!("unterminated {quote}...{quote} literal")));
                };
                i += 1;
                if d == quote {
                    break;
                }
                if d != '\\' {
                    s.push(d);
                    continue;
                }
                let Some(&(eat, e)) = chars.get(i) else {
                    return Err(err(at, "unterminated escape".into()));
                };
                i += 1;
                match e {
                    'n' => s.push('\n'),
                    't' => s.push('\t'),
                    'r' => s.push('\r'),
                    '\\' | '"' | '\'' => s.push(e),
                    'u' => {
                        let close = chars[i..].iter().position(|c| c.1 == '}');
                        let (Some(&(_, '{')), Some(close)) = (chars.get(i), close) else {
                            return Err(err(eat, "expected \\u{HEX}".into()));
                        };
                        let hex: String = chars[i + 1..i + close].iter().map(|c| c.1).collect();
                        let ch = u32::from_str_radix(&hex, 16)
                            .ok()
                            .and_then(char::from_u32)
                            .ok_or_else(|| err(eat, format!("`\\u{{{hex}}}` is not a char")))?;
                        s.push(ch);
                        i += close + 1;
                    }
                    _ => return Err(err(eat, format!("unknown escape `\\{e}`"))),
                }
            }
            if quote == '"' {
                out.push((at, Tok::Str(s)));
            } else {
                let mut cs = s.chars();
                match (cs.next(), cs.next()) {
                    (Some(ch), None) => out.push((at, Tok::Char(ch))),
                    _ => return Err(err(at, "a char literal holds exactly one char".into())),
                }
            }
        } else if "{}()[]<>,:_".contains(c) {
            out.push((at, Tok::Punct(c)));
            i += 1;
        } else {
            return Err(err(at, format!("unexpected `{c}`")));
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end: usize,
}

impl Parser {
    fn new(src: &str) -> Result<Self, TextError> {
        Ok(Parser {
            toks: lex(src)?,
            pos: 0,
            end: src.len(),
        })
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.1)
    }

    fn offset(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |t| t.0)
    }

    fn fail<T>(&self, msg: impl Into<String>) -> Result<T, TextError> {
        Err(TextError {
            msg: msg.into(),
            offset: self.offset(),
        })
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|t| t.1.clone());
        self.pos += 1;
        t
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), TextError> {
        if self.eat(c) {
            Ok(())
        } else {
            self.fail(format!("expected `{c}`, found {}", describe(self.peek())))
        }
    }

    fn ident(&mut self) -> Result<String, TextError> {
        match self.peek() {
            Some(Tok::Ident(s)) => {
                let s = s.clone();
                self.pos += 1;
                Ok(s)
            }
            t => self.fail(format!("expected a name, found {}", describe(t))),
        }
    }

    fn finish(&self) -> Result<(), TextError> {
        match self.peek() {
            None => Ok(()),
            t => self.fail(format!("unexpected {} after the end", describe(t))),
        }
    }

    /// `a, b, c` up to the closing `close` (which is consumed).
    fn list<T>(
        &mut self,
        close: char,
        mut item: impl FnMut(&mut Self) -> Result<T, TextError>,
    ) -> Result<Vec<T>, TextError> {
        let mut out = Vec::new();
        while !self.eat(close) {
            out.push(item(self)?);
            if !self.eat(',') {
                self.expect(close)?;
                break;
            }
        }
        Ok(out)
    }

    fn number<T: std::str::FromStr>(&mut self, what: &str) -> Result<T, TextError> {
        let at = self.offset();
        match self.next() {
            Some(Tok::Num(s)) => parse_int(&s).ok_or_else(|| TextError {
                msg: format!("`{s}` is not a valid {what}"),
                offset: at,
            }),
            t => Err(TextError {
                msg: format!("expected a {what}, found {}", describe(t.as_ref())),
                offset: at,
            }),
        }
    }

    fn ty(&mut self, world: &mut CaseWorld) -> Result<Ty, TextError> {
        let at = self.offset();
        let name = self.ident()?;
        let boxed = |p: &mut Self, w: &mut CaseWorld| p.ty(w).map(Box::new);
        Ok(match name.as_str() {
            "bool" => Ty::Bool,
            "s8" => Ty::S8,
            "s16" => Ty::S16,
            "s32" => Ty::S32,
            "s64" => Ty::S64,
            "u8" => Ty::U8,
            "u16" => Ty::U16,
            "u32" => Ty::U32,
            "u64" => Ty::U64,
            "f32" => Ty::F32,
            "f64" => Ty::F64,
            "char" => Ty::Char,
            "string" => Ty::String,
            "list" => {
                self.expect('<')?;
                let t = boxed(self, world)?;
                if self.eat(',') {
                    let n = self.number("list length")?;
                    self.expect('>')?;
                    Ty::FixedList(t, n)
                } else {
                    self.expect('>')?;
                    Ty::List(t)
                }
            }
            "map" => {
                self.expect('<')?;
                let k = boxed(self, world)?;
                self.expect(',')?;
                let v = boxed(self, world)?;
                self.expect('>')?;
                Ty::Map(k, v)
            }
            "tuple" => {
                self.expect('<')?;
                Ty::Tuple(self.list('>', |p| p.ty(world))?)
            }
            "option" => {
                self.expect('<')?;
                let t = boxed(self, world)?;
                self.expect('>')?;
                Ty::Option(t)
            }
            "result" => {
                let (mut ok, mut err) = (None, None);
                if self.eat('<') {
                    if !self.eat('_') {
                        ok = Some(boxed(self, world)?);
                    }
                    if self.eat(',') {
                        err = Some(boxed(self, world)?);
                    }
                    self.expect('>')?;
                }
                Ty::Result { ok, err }
            }
            "record" => {
                self.expect('{')?;
                let fields = self.list('}', |p| {
                    let name = p.ident()?;
                    p.expect(':')?;
                    Ok(Field {
                        name,
                        ty: p.ty(world)?,
                    })
                })?;
                named(world, TypeDefKind::Record(fields))
            }
            "variant" => {
                self.expect('{')?;
                let cases = self.list('}', |p| {
                    let name = p.ident()?;
                    let ty = if p.eat('(') {
                        let t = p.ty(world)?;
                        p.expect(')')?;
                        Some(t)
                    } else {
                        None
                    };
                    Ok(Case { name, ty })
                })?;
                named(world, TypeDefKind::Variant(cases))
            }
            "enum" | "flags" => {
                let names = if self.eat('<') {
                    let n: usize = self.number("member count")?;
                    self.expect('>')?;
                    let prefix = if name == "enum" { 'c' } else { 'f' };
                    (0..n).map(|i| format!("{prefix}{i}")).collect()
                } else {
                    self.expect('{')?;
                    self.list('}', |p| p.ident())?
                };
                let kind = if name == "enum" {
                    TypeDefKind::Enum(names)
                } else {
                    TypeDefKind::Flags(names)
                };
                named(world, kind)
            }
            _ => {
                return Err(TextError {
                    msg: format!("unknown type `{name}`"),
                    offset: at,
                });
            }
        })
    }

    fn val(&mut self, world: &CaseWorld, ty: &Ty) -> Result<Val, TextError> {
        let at = self.offset();
        let expected = |p: &Self, what: &str| -> Result<Val, TextError> {
            p.fail(format!("expected {what}, found {}", describe(p.peek())))
        };
        Ok(match world.resolve(ty) {
            Ty::Bool => match self.ident()?.as_str() {
                "true" => Val::Bool(true),
                "false" => Val::Bool(false),
                _ => {
                    return Err(TextError {
                        msg: "expected `true` or `false`".into(),
                        offset: at,
                    });
                }
            },
            Ty::U8 => Val::U8(self.number("u8")?),
            Ty::U16 => Val::U16(self.number("u16")?),
            Ty::U32 | Ty::Own(_) | Ty::Borrow(_) => Val::U32(self.number("u32")?),
            Ty::U64 => Val::U64(self.number("u64")?),
            Ty::S8 => Val::S8(self.number("s8")?),
            Ty::S16 => Val::S16(self.number("s16")?),
            Ty::S32 => Val::S32(self.number("s32")?),
            Ty::S64 => Val::S64(self.number("s64")?),
            Ty::F32 => Val::Float32(self.float(|b| f32::from_bits(b as u32), |s| s.parse().ok())?),
            Ty::F64 => Val::Float64(self.float(f64::from_bits, |s| s.parse().ok())?),
            Ty::Char => match self.next() {
                Some(Tok::Char(c)) => Val::Char(c),
                _ => {
                    return Err(TextError {
                        msg: "expected a char literal".into(),
                        offset: at,
                    });
                }
            },
            Ty::String => match self.next() {
                Some(Tok::Str(s)) => Val::String(s),
                _ => {
                    return Err(TextError {
                        msg: "expected a string literal".into(),
                        offset: at,
                    });
                }
            },
            Ty::List(t) => {
                self.expect('[')?;
                Val::List(self.list(']', |p| p.val(world, t))?)
            }
            Ty::FixedList(t, _) => {
                self.expect('[')?;
                Val::FixedLengthList(self.list(']', |p| p.val(world, t))?)
            }
            Ty::Map(k, v) => {
                self.expect('{')?;
                Val::Map(self.list('}', |p| {
                    let key = p.val(world, k)?;
                    p.expect(':')?;
                    Ok((key, p.val(world, v)?))
                })?)
            }
            Ty::Tuple(ts) => {
                self.expect('(')?;
                let mut vals = Vec::new();
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        self.expect(',')?;
                    }
                    vals.push(self.val(world, t)?);
                }
                self.eat(',');
                self.expect(')')?;
                Val::Tuple(vals)
            }
            Ty::Option(t) => match self.ident()?.as_str() {
                "none" => Val::Option(None),
                "some" => Val::Option(Some(Box::new(self.payload(world, t)?))),
                _ => {
                    return Err(TextError {
                        msg: "expected `none` or `some(..)`".into(),
                        offset: at,
                    });
                }
            },
            Ty::Result { ok, err } => {
                let case = self.ident()?;
                let t = match case.as_str() {
                    "ok" => ok,
                    "err" => err,
                    _ => {
                        return Err(TextError {
                            msg: "expected `ok` or `err`".into(),
                            offset: at,
                        });
                    }
                };
                let payload = match t {
                    Some(t) => Some(Box::new(self.payload(world, t)?)),
                    None => None,
                };
                Val::Result(if case == "ok" {
                    Ok(payload)
                } else {
                    Err(payload)
                })
            }
            Ty::Named(i) => match &world.types[*i].kind {
                TypeDefKind::Record(fields) => {
                    if self.peek() != Some(&Tok::Punct('{')) {
                        return expected(self, "`{` opening a record");
                    }
                    self.pos += 1;
                    let vals = self.list('}', |p| {
                        let at = p.offset();
                        let name = p.ident()?;
                        let f = fields.iter().find(|f| f.name == name).ok_or(TextError {
                            msg: format!("the record has no field `{name}`"),
                            offset: at,
                        })?;
                        p.expect(':')?;
                        Ok((name, p.val(world, &f.ty)?))
                    })?;
                    // Declaration order, as a load gives it.
                    let mut ordered = Vec::new();
                    for f in fields {
                        match vals.iter().find(|(n, _)| *n == f.name) {
                            Some(v) => ordered.push(v.clone()),
                            None => {
                                return Err(TextError {
                                    msg: format!("field `{}` is missing", f.name),
                                    offset: at,
                                });
                            }
                        }
                    }
                    Val::Record(ordered)
                }
                TypeDefKind::Variant(cases) => {
                    let name = self.ident()?;
                    let case = cases.iter().find(|c| c.name == name).ok_or(TextError {
                        msg: format!("the variant has no case `{name}`"),
                        offset: at,
                    })?;
                    let payload = match &case.ty {
                        Some(t) => Some(Box::new(self.payload(world, t)?)),
                        None => None,
                    };
                    Val::Variant(name, payload)
                }
                TypeDefKind::Enum(names) => {
                    let name = self.ident()?;
                    if !names.contains(&name) {
                        return Err(TextError {
                            msg: format!("the enum has no case `{name}`"),
                            offset: at,
                        });
                    }
                    Val::Enum(name)
                }
                TypeDefKind::Flags(names) => {
                    self.expect('{')?;
                    let set = self.list('}', |p| {
                        let at = p.offset();
                        let name = p.ident()?;
                        if names.contains(&name) {
                            Ok(name)
                        } else {
                            Err(TextError {
                                msg: format!("there is no flag `{name}`"),
                                offset: at,
                            })
                        }
                    })?;
                    // Declaration order, as a load gives it.
                    Val::Flags(names.iter().filter(|n| set.contains(n)).cloned().collect())
                }
                TypeDefKind::Alias(_) => unreachable!("resolve sees through aliases"),
                TypeDefKind::Resource(_) | TypeDefKind::GuestResource(_) => {
                    return expected(self, "a value type, not a resource");
                }
            },
        })
    }

    fn payload(&mut self, world: &CaseWorld, ty: &Ty) -> Result<Val, TextError> {
        self.expect('(')?;
        let v = self.val(world, ty)?;
        self.expect(')')?;
        Ok(v)
    }

    /// `nan`, `nan(0xBITS)`, `inf`, `-inf` or a decimal.
    fn float<F: Copy>(
        &mut self,
        from_bits: impl Fn(u64) -> F,
        parse: impl Fn(&str) -> Option<F>,
    ) -> Result<F, TextError> {
        let at = self.offset();
        let bad = |s: &str| TextError {
            msg: format!("`{s}` is not a float"),
            offset: at,
        };
        match self.next() {
            Some(Tok::Ident(s)) if s == "nan" => {
                if self.eat('(') {
                    let bits: u64 = self.number("NaN bit pattern")?;
                    self.expect(')')?;
                    Ok(from_bits(bits))
                } else {
                    Ok(parse("NaN").expect("NaN parses"))
                }
            }
            Some(Tok::Ident(s)) if s == "inf" => parse("inf").ok_or_else(|| bad(&s)),
            Some(Tok::Num(s)) => parse(&s).ok_or_else(|| bad(&s)),
            t => Err(TextError {
                msg: format!("expected a float, found {}", describe(t.as_ref())),
                offset: at,
            }),
        }
    }

    fn core_val(&mut self) -> Result<CoreVal, TextError> {
        let at = self.offset();
        let ty = CoreType::parse(&self.ident()?).ok_or(TextError {
            msg: "expected i32, i64, f32 or f64".into(),
            offset: at,
        })?;
        self.expect(':')?;
        Ok(match ty {
            CoreType::I32 => CoreVal::I32(self.number("i32")?),
            CoreType::I64 => CoreVal::I64(self.number("i64")?),
            CoreType::F32 => {
                CoreVal::F32(self.float(|b| f32::from_bits(b as u32), |s| s.parse().ok())?)
            }
            CoreType::F64 => CoreVal::F64(self.float(f64::from_bits, |s| s.parse().ok())?),
        })
    }
}

/// Decimal (optionally negative) or `0x` hex, with `_` separators.
fn parse_int<T: std::str::FromStr>(s: &str) -> Option<T> {
    let s = s.replace('_', "");
    if let Some(hex) = s.strip_prefix("0x") {
        let v = u64::from_str_radix(hex, 16).ok()?;
        v.to_string().parse().ok()
    } else {
        s.parse().ok()
    }
}

fn named(world: &mut CaseWorld, kind: TypeDefKind) -> Ty {
    let index = world.types.len();
    world.types.push(TypeDef {
        name: format!("t{index}"),
        kind,
    });
    Ty::Named(index)
}

/// Parses a type, adding its records, variants, enums and flags to `world`.
pub fn parse_ty(src: &str, world: &mut CaseWorld) -> Result<Ty, TextError> {
    let mut p = Parser::new(src)?;
    let ty = p.ty(world)?;
    p.finish()?;
    Ok(ty)
}

/// Parses a parenthesised, comma-separated list of types: `(u8, string)`.
pub fn parse_ty_list(src: &str, world: &mut CaseWorld) -> Result<Vec<Ty>, TextError> {
    let mut p = Parser::new(src)?;
    p.expect('(')?;
    let tys = p.list(')', |p| p.ty(world))?;
    p.finish()?;
    Ok(tys)
}

/// Parses a value of `ty`.
pub fn parse_val(src: &str, world: &CaseWorld, ty: &Ty) -> Result<Val, TextError> {
    let mut p = Parser::new(src)?;
    let v = p.val(world, ty)?;
    p.finish()?;
    Ok(v)
}

/// Parses a parenthesised list of values of `tys`: `(1, "a")`.
pub fn parse_val_list(src: &str, world: &CaseWorld, tys: &[Ty]) -> Result<Vec<Val>, TextError> {
    parse_val(src, world, &Ty::Tuple(tys.to_vec())).map(|v| match v {
        Val::Tuple(vs) => vs,
        _ => unreachable!("a tuple parses as a tuple"),
    })
}

/// Parses space-separated core values: `i32:1 f32:1.5`.
pub fn parse_core_vals(src: &str) -> Result<Vec<CoreVal>, TextError> {
    let mut p = Parser::new(src)?;
    let mut out = Vec::new();
    while p.peek().is_some() {
        out.push(p.core_val()?);
    }
    Ok(out)
}

/// The text of a type, with named types written out structurally.
pub fn print_ty(world: &CaseWorld, ty: &Ty) -> String {
    let mut s = String::new();
    write_ty(world, ty, &mut s);
    s
}

fn numbered(names: &[String], prefix: char) -> bool {
    names
        .iter()
        .enumerate()
        .all(|(i, n)| *n == format!("{prefix}{i}"))
}

fn write_ty(world: &CaseWorld, ty: &Ty, s: &mut String) {
    let list = |tys: &mut dyn Iterator<Item = &Ty>, s: &mut String| {
        for (i, t) in tys.enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            write_ty(world, t, s);
        }
    };
    match ty {
        Ty::Bool => s.push_str("bool"),
        Ty::S8 => s.push_str("s8"),
        Ty::S16 => s.push_str("s16"),
        Ty::S32 => s.push_str("s32"),
        Ty::S64 => s.push_str("s64"),
        Ty::U8 => s.push_str("u8"),
        Ty::U16 => s.push_str("u16"),
        Ty::U32 => s.push_str("u32"),
        Ty::U64 => s.push_str("u64"),
        Ty::F32 => s.push_str("f32"),
        Ty::F64 => s.push_str("f64"),
        Ty::Char => s.push_str("char"),
        Ty::String => s.push_str("string"),
        Ty::Own(i) | Ty::Borrow(i) => {
            let what = if matches!(ty, Ty::Own(_)) {
                "own"
            } else {
                "borrow"
            };
            match world.types.get(*i) {
                Some(def) => {
                    let _ = write!(s, "{what}<{}>", def.name);
                }
                None => {
                    let _ = write!(s, "{what}<missing type {i}>");
                }
            }
        }
        Ty::List(t) => {
            s.push_str("list<");
            write_ty(world, t, s);
            s.push('>');
        }
        Ty::FixedList(t, n) => {
            s.push_str("list<");
            write_ty(world, t, s);
            let _ = write!(s, ", {n}>");
        }
        Ty::Map(k, v) => {
            s.push_str("map<");
            list(&mut [&**k, &**v].into_iter(), s);
            s.push('>');
        }
        Ty::Tuple(ts) => {
            s.push_str("tuple<");
            list(&mut ts.iter(), s);
            s.push('>');
        }
        Ty::Option(t) => {
            s.push_str("option<");
            write_ty(world, t, s);
            s.push('>');
        }
        Ty::Result {
            ok: None,
            err: None,
        } => s.push_str("result"),
        Ty::Result { ok, err } => {
            s.push_str("result<");
            match ok {
                Some(t) => write_ty(world, t, s),
                None => s.push('_'),
            }
            if let Some(e) = err {
                s.push_str(", ");
                write_ty(world, e, s);
            }
            s.push('>');
        }
        Ty::Named(i) => match world.types.get(*i).map(|d| &d.kind) {
            None => {
                let _ = write!(s, "<missing type {i}>");
            }
            Some(TypeDefKind::Alias(t)) => write_ty(world, t, s),
            Some(TypeDefKind::Record(fields)) => {
                s.push_str("record { ");
                for (i, f) in fields.iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    let _ = write!(s, "{}: ", f.name);
                    write_ty(world, &f.ty, s);
                }
                s.push_str(" }");
            }
            Some(TypeDefKind::Variant(cases)) => {
                s.push_str("variant { ");
                for (i, c) in cases.iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    s.push_str(&c.name);
                    if let Some(t) = &c.ty {
                        s.push('(');
                        write_ty(world, t, s);
                        s.push(')');
                    }
                }
                s.push_str(" }");
            }
            Some(TypeDefKind::Enum(names)) if numbered(names, 'c') && names.len() > 8 => {
                let _ = write!(s, "enum<{}>", names.len());
            }
            Some(TypeDefKind::Flags(names)) if numbered(names, 'f') && names.len() > 8 => {
                let _ = write!(s, "flags<{}>", names.len());
            }
            Some(TypeDefKind::Enum(names)) => {
                let _ = write!(s, "enum {{ {} }}", names.join(", "));
            }
            Some(TypeDefKind::Flags(names)) => {
                let _ = write!(s, "flags {{ {} }}", names.join(", "));
            }
            Some(TypeDefKind::Resource(_) | TypeDefKind::GuestResource(_)) => {
                let _ = write!(s, "resource {}", world.types[*i].name);
            }
        },
    }
}

/// The text of a value (values describe themselves, so no type is needed).
pub fn print_val(v: &Val) -> String {
    let mut s = String::new();
    write_val(v, &mut s);
    s
}

fn write_seq<'v>(items: impl Iterator<Item = &'v Val>, s: &mut String) {
    for (i, v) in items.enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        write_val(v, s);
    }
}

fn write_payload(p: &Option<Box<Val>>, s: &mut String) {
    if let Some(v) = p {
        s.push('(');
        write_val(v, s);
        s.push(')');
    }
}

fn write_val(v: &Val, s: &mut String) {
    match v {
        Val::Bool(b) => {
            let _ = write!(s, "{b}");
        }
        Val::S8(x) => {
            let _ = write!(s, "{x}");
        }
        Val::U8(x) => {
            let _ = write!(s, "{x}");
        }
        Val::S16(x) => {
            let _ = write!(s, "{x}");
        }
        Val::U16(x) => {
            let _ = write!(s, "{x}");
        }
        Val::S32(x) => {
            let _ = write!(s, "{x}");
        }
        Val::U32(x) => {
            let _ = write!(s, "{x}");
        }
        Val::S64(x) => {
            let _ = write!(s, "{x}");
        }
        Val::U64(x) => {
            let _ = write!(s, "{x}");
        }
        Val::Float32(f) => s.push_str(&f32_text(*f)),
        Val::Float64(f) => s.push_str(&f64_text(*f)),
        Val::Char(c) => {
            s.push('\'');
            escape(*c, '\'', s);
            s.push('\'');
        }
        Val::String(t) => {
            s.push('"');
            t.chars().for_each(|c| escape(c, '"', s));
            s.push('"');
        }
        Val::List(vs) | Val::FixedLengthList(vs) => {
            s.push('[');
            write_seq(vs.iter(), s);
            s.push(']');
        }
        Val::Map(pairs) => {
            s.push('{');
            for (i, (k, v)) in pairs.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                write_val(k, s);
                s.push_str(": ");
                write_val(v, s);
            }
            s.push('}');
        }
        Val::Record(fields) => {
            s.push('{');
            for (i, (n, v)) in fields.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                let _ = write!(s, "{n}: ");
                write_val(v, s);
            }
            s.push('}');
        }
        Val::Tuple(vs) => {
            s.push('(');
            write_seq(vs.iter(), s);
            s.push(')');
        }
        Val::Variant(name, p) => {
            s.push_str(name);
            write_payload(p, s);
        }
        Val::Enum(name) => s.push_str(name),
        Val::Option(None) => s.push_str("none"),
        Val::Option(Some(v)) => {
            s.push_str("some(");
            write_val(v, s);
            s.push(')');
        }
        Val::Result(Ok(p)) => {
            s.push_str("ok");
            write_payload(p, s);
        }
        Val::Result(Err(p)) => {
            s.push_str("err");
            write_payload(p, s);
        }
        Val::Flags(names) => {
            let _ = write!(s, "{{{}}}", names.join(", "));
        }
        other => {
            let _ = write!(s, "<{other:?}>");
        }
    }
}

fn escape(c: char, quote: char, s: &mut String) {
    match c {
        '\n' => s.push_str("\\n"),
        '\t' => s.push_str("\\t"),
        '\r' => s.push_str("\\r"),
        '\\' => s.push_str("\\\\"),
        c if c == quote => {
            s.push('\\');
            s.push(c);
        }
        ' '..='~' => s.push(c),
        c => {
            let _ = write!(s, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// `nan` for the canonical NaN, `nan(0xBITS)` for others, else a decimal
/// that reads back to the same bits.
pub fn f32_text(f: f32) -> String {
    if f.is_nan() {
        if f.to_bits() == super::CANONICAL_F32_NAN {
            "nan".into()
        } else {
            format!("nan({:#010x})", f.to_bits())
        }
    } else {
        format!("{f:?}")
    }
}

pub fn f64_text(f: f64) -> String {
    if f.is_nan() {
        if f.to_bits() == super::CANONICAL_F64_NAN {
            "nan".into()
        } else {
            format!("nan({:#018x})", f.to_bits())
        }
    } else {
        format!("{f:?}")
    }
}

fn int_text(x: u64) -> String {
    if x < 0x1_0000 {
        x.to_string()
    } else {
        format!("{x:#x}")
    }
}

/// `i32:5`, `i32:0x80000003`, `f32:1.5`, ...
pub fn print_core_val(v: &CoreVal) -> String {
    match v {
        CoreVal::I32(x) => format!("i32:{}", int_text(u64::from(*x))),
        CoreVal::I64(x) => format!("i64:{}", int_text(*x)),
        CoreVal::F32(f) => format!("f32:{}", f32_text(*f)),
        CoreVal::F64(f) => format!("f64:{}", f64_text(*f)),
    }
}

pub fn print_core_vals(vs: &[CoreVal]) -> String {
    vs.iter().map(print_core_val).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(ty_src: &str, val_src: &str) -> String {
        let mut w = CaseWorld::default();
        let ty = parse_ty(ty_src, &mut w).unwrap();
        let printed_ty = print_ty(&w, &ty);
        let mut w2 = CaseWorld::default();
        let reparsed = parse_ty(&printed_ty, &mut w2).unwrap();
        assert_eq!(print_ty(&w2, &reparsed), printed_ty, "{ty_src}");
        let v = parse_val(val_src, &w, &ty).unwrap();
        let printed = print_val(&v);
        assert_eq!(parse_val(&printed, &w, &ty).unwrap(), v, "{printed}");
        printed
    }

    #[test]
    fn types_and_values_read_back() {
        assert_eq!(round_trip("u8", "255"), "255");
        assert_eq!(
            round_trip("s64", "-9223372036854775808"),
            "-9223372036854775808"
        );
        assert_eq!(round_trip("f32", "nan(0x7fa00000)"), "nan(0x7fa00000)");
        assert_eq!(round_trip("f64", "-inf"), "-inf");
        assert_eq!(round_trip("f32", "1e-40"), "1e-40");
        assert_eq!(round_trip("char", r"'\u{1f600}'"), r"'\u{1f600}'");
        assert_eq!(round_trip("string", r#""a\"é""#), r#""a\"\u{e9}""#);
        assert_eq!(
            round_trip(
                "record { b: u8, a: list<option<u8>> }",
                "{a: [none, some(2)], b: 1}"
            ),
            "{b: 1, a: [none, some(2)]}"
        );
        assert_eq!(round_trip("variant { x(u8), y }", "y"), "y");
        assert_eq!(round_trip("flags { a, b, c }", "{c, a}"), "{a, c}");
        assert_eq!(
            round_trip("map<string, u8>", r#"{"k": 1, "k": 2}"#),
            r#"{"k": 1, "k": 2}"#
        );
        assert_eq!(round_trip("result<_, string>", "ok"), "ok");
        assert_eq!(
            round_trip("tuple<u8, list<u8, 2>>", "(1, [2, 3])"),
            "(1, [2, 3])"
        );
        assert_eq!(round_trip("enum<300>", "c299"), "c299");
        assert_eq!(
            parse_core_vals("i32:0x80000001 f32:nan i64:5").unwrap(),
            vec![
                CoreVal::I32(0x8000_0001),
                CoreVal::F32(f32::from_bits(0x7fc0_0000)),
                CoreVal::I64(5)
            ]
        );
    }

    #[test]
    fn errors_point_at_the_problem() {
        let mut w = CaseWorld::default();
        let e = parse_ty("list<u8", &mut w).unwrap_err();
        assert_eq!(e.offset, 7);
        let ty = parse_ty("record { a: u8 }", &mut w).unwrap();
        let e = parse_val("{b: 1}", &w, &ty).unwrap_err();
        assert!(e.msg.contains("no field `b`"), "{e}");
        assert!(parse_val("256", &w, &Ty::U8).is_err());
        assert!(parse_val("'ab'", &w, &Ty::Char).is_err());
    }
}
