//! Steps: the operations a resources sequence is made of, and their text
//! form, which is what findings store and `--replay` reads back.
//!
//! A resource is named by its kind and id: `t3` is thing 3 (guest-defined),
//! `k4` is token 4 (host-defined). `+k4` in an argument is a token the host
//! mints for that call. One step per line, optionally numbered (`3. drop
//! t1`); `#` starts a comment.
//!
//! | text | what the host does |
//! |---|---|
//! | `new t1` / `make t1` | calls `[constructor]thing(1)` / `[static]thing.make(1)` and keeps the handle |
//! | `create t1` / `create k1` | asks the guest to make and keep it (`create`) |
//! | `hold [t1, none, +k2]` | passes own handles in a `list<option<handle>>` (`hold`) |
//! | `hold-bundle [t1] +k2` | passes own handles in a record (`hold-bundle`); `none` for no token |
//! | `swap t1 k2` | passes both in a tuple and takes them back (`swap`) |
//! | `take [t1, k2]` / `take-one t1` / `take-bundle [t1] k2` | asks for own handles back |
//! | `release t1` | asks the guest to drop its handle |
//! | `drop t1` | drops its own handle (`ResourceAny::resource_drop`) |
//! | `method t1` | calls `[method]thing.id` with a borrow of its handle |
//! | `inspect t1` / `inspect-things [t1, none]` / `inspect-pair t1 k2` / `inspect-tuple t1 k2` | lends borrows |
//! | `poke t1` | asks the guest to use a handle it holds |
//! | `use-stale t1` | calls with a handle it no longer owns (illegal) |
//! | `drop-stale t1` | drops a handle it no longer owns (illegal) |
//! | `drop-borrowed t1 k2` | drops `t1` while it is lent in a call, from inside that call (illegal) |
//! | `hold-twice t1` | passes one own handle twice in one call (illegal) |
//! | `guest-use-after-drop k1` | has the guest drop its token, then use it (illegal) |
//! | `guest-double-drop k1` | has the guest drop its token twice (illegal) |
//! | `guest-keep-borrow k2` | has the guest return without dropping a borrow (illegal) |
//! | `guest-use-stash k2` | has the guest remember a borrow's index and use it in a later call (illegal) |
//! | `guest-reuse-slot k2 k3` | has the guest drop `k2`, make `k3`, and read through `k2`'s stale index |

use std::fmt;

/// The two resource types of the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `thing`, defined by the guest.
    Thing,
    /// `token`, defined by the host.
    Token,
}

impl Kind {
    pub fn letter(self) -> char {
        match self {
            Kind::Thing => 't',
            Kind::Token => 'k',
        }
    }

    /// The WIT name of the kind (the `kind` enum case, the resource name).
    pub fn wit_name(self) -> &'static str {
        match self {
            Kind::Thing => "thing",
            Kind::Token => "token",
        }
    }
}

/// One resource: its kind and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub kind: Kind,
    pub id: u32,
}

impl Key {
    pub fn thing(id: u32) -> Key {
        Key {
            kind: Kind::Thing,
            id,
        }
    }

    pub fn token(id: u32) -> Key {
        Key {
            kind: Kind::Token,
            id,
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.kind.letter(), self.id)
    }
}

/// An own handle the host passes: one it holds, or a token it mints for
/// the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Arg {
    Held(Key),
    NewToken(u32),
}

impl Arg {
    pub fn key(self) -> Key {
        match self {
            Arg::Held(key) => key,
            Arg::NewToken(id) => Key::token(id),
        }
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Held(key) => write!(f, "{key}"),
            Arg::NewToken(id) => write!(f, "+k{id}"),
        }
    }
}

/// How the host makes a thing itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Via {
    Constructor,
    Static,
}

/// One step of a sequence.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    New {
        id: u32,
        via: Via,
    },
    Create {
        key: Key,
    },
    Hold {
        items: Vec<Option<Arg>>,
    },
    HoldBundle {
        things: Vec<u32>,
        token: Option<Arg>,
    },
    Swap {
        thing: u32,
        token: Arg,
    },
    Take {
        keys: Vec<Key>,
    },
    TakeOne {
        key: Key,
    },
    TakeBundle {
        things: Vec<u32>,
        token: Option<u32>,
    },
    Release {
        key: Key,
    },
    Drop {
        key: Key,
    },
    Method {
        thing: u32,
    },
    Inspect {
        key: Key,
    },
    InspectThings {
        items: Vec<Option<u32>>,
    },
    InspectPair {
        thing: u32,
        token: u32,
    },
    InspectTuple {
        thing: u32,
        token: u32,
    },
    Poke {
        key: Key,
    },
    UseStale {
        key: Key,
    },
    DropStale {
        key: Key,
    },
    DropBorrowed {
        key: Key,
        token: u32,
    },
    HoldTwice {
        key: Key,
    },
    GuestUseAfterDrop {
        token: u32,
    },
    GuestDoubleDrop {
        token: u32,
    },
    GuestKeepBorrow {
        token: u32,
    },
    GuestUseStash {
        token: u32,
    },
    GuestReuseSlot {
        old: u32,
        new: u32,
    },
}

impl Step {
    /// The step's verb, as written in its text form.
    pub fn verb(&self) -> &'static str {
        match self {
            Step::New {
                via: Via::Constructor,
                ..
            } => "new",
            Step::New {
                via: Via::Static, ..
            } => "make",
            Step::Create { .. } => "create",
            Step::Hold { .. } => "hold",
            Step::HoldBundle { .. } => "hold-bundle",
            Step::Swap { .. } => "swap",
            Step::Take { .. } => "take",
            Step::TakeOne { .. } => "take-one",
            Step::TakeBundle { .. } => "take-bundle",
            Step::Release { .. } => "release",
            Step::Drop { .. } => "drop",
            Step::Method { .. } => "method",
            Step::Inspect { .. } => "inspect",
            Step::InspectThings { .. } => "inspect-things",
            Step::InspectPair { .. } => "inspect-pair",
            Step::InspectTuple { .. } => "inspect-tuple",
            Step::Poke { .. } => "poke",
            Step::UseStale { .. } => "use-stale",
            Step::DropStale { .. } => "drop-stale",
            Step::DropBorrowed { .. } => "drop-borrowed",
            Step::HoldTwice { .. } => "hold-twice",
            Step::GuestUseAfterDrop { .. } => "guest-use-after-drop",
            Step::GuestDoubleDrop { .. } => "guest-double-drop",
            Step::GuestKeepBorrow { .. } => "guest-keep-borrow",
            Step::GuestUseStash { .. } => "guest-use-stash",
            Step::GuestReuseSlot { .. } => "guest-reuse-slot",
        }
    }

    /// Whether the step breaks a rule of the component model on purpose.
    pub fn is_illegal(&self) -> bool {
        matches!(
            self,
            Step::UseStale { .. }
                | Step::DropStale { .. }
                | Step::DropBorrowed { .. }
                | Step::HoldTwice { .. }
                | Step::GuestUseAfterDrop { .. }
                | Step::GuestDoubleDrop { .. }
                | Step::GuestKeepBorrow { .. }
                | Step::GuestUseStash { .. }
                | Step::GuestReuseSlot { .. }
        )
    }

    /// Every id the step names (for renumbering).
    pub fn ids_mut(&mut self) -> Vec<&mut u32> {
        fn arg(a: &mut Arg) -> &mut u32 {
            match a {
                Arg::Held(key) => &mut key.id,
                Arg::NewToken(id) => id,
            }
        }
        match self {
            Step::New { id, .. } => vec![id],
            Step::Create { key }
            | Step::TakeOne { key }
            | Step::Release { key }
            | Step::Drop { key }
            | Step::Inspect { key }
            | Step::Poke { key }
            | Step::UseStale { key }
            | Step::DropStale { key }
            | Step::HoldTwice { key } => vec![&mut key.id],
            Step::Hold { items } => items.iter_mut().flatten().map(arg).collect(),
            Step::HoldBundle { things, token } => {
                things.iter_mut().chain(token.as_mut().map(arg)).collect()
            }
            Step::Swap { thing, token } => vec![thing, arg(token)],
            Step::Take { keys } => keys.iter_mut().map(|k| &mut k.id).collect(),
            Step::TakeBundle { things, token } => things.iter_mut().chain(token.as_mut()).collect(),
            Step::Method { thing } => vec![thing],
            Step::InspectThings { items } => items.iter_mut().flatten().collect(),
            Step::InspectPair { thing, token } | Step::InspectTuple { thing, token } => {
                vec![thing, token]
            }
            Step::DropBorrowed { key, token } => vec![&mut key.id, token],
            Step::GuestKeepBorrow { token }
            | Step::GuestUseStash { token }
            | Step::GuestUseAfterDrop { token }
            | Step::GuestDoubleDrop { token } => vec![token],
            Step::GuestReuseSlot { old, new } => vec![old, new],
        }
    }
}

fn list<T: fmt::Display>(items: &[T]) -> String {
    let inner: Vec<String> = items.iter().map(|i| i.to_string()).collect();
    format!("[{}]", inner.join(", "))
}

fn opt<T: fmt::Display>(item: &Option<T>) -> String {
    item.as_ref()
        .map_or_else(|| "none".to_string(), |i| i.to_string())
}

struct Thing(u32);
impl fmt::Display for Thing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t{}", self.0)
    }
}

struct Token(u32);
impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "k{}", self.0)
    }
}

struct Opt<T>(Option<T>);
impl<T: fmt::Display> fmt::Display for Opt<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&opt(&self.0))
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = self.verb();
        let things = |ids: &[u32]| list(&ids.iter().map(|&i| Thing(i)).collect::<Vec<_>>());
        match self {
            Step::New { id, .. } => write!(f, "{verb} {}", Thing(*id)),
            Step::Create { key }
            | Step::TakeOne { key }
            | Step::Release { key }
            | Step::Drop { key }
            | Step::Inspect { key }
            | Step::Poke { key }
            | Step::UseStale { key }
            | Step::DropStale { key }
            | Step::HoldTwice { key } => write!(f, "{verb} {key}"),
            Step::Hold { items } => {
                write!(
                    f,
                    "{verb} {}",
                    list(&items.iter().map(|i| Opt(*i)).collect::<Vec<_>>())
                )
            }
            Step::HoldBundle { things: ts, token } => {
                write!(f, "{verb} {} {}", things(ts), opt(token))
            }
            Step::Swap { thing, token } => write!(f, "{verb} {} {token}", Thing(*thing)),
            Step::Take { keys } => write!(f, "{verb} {}", list(keys)),
            Step::TakeBundle { things: ts, token } => {
                write!(f, "{verb} {} {}", things(ts), Opt(token.map(Token)))
            }
            Step::Method { thing } => write!(f, "{verb} {}", Thing(*thing)),
            Step::InspectThings { items } => {
                write!(
                    f,
                    "{verb} {}",
                    list(&items.iter().map(|i| Opt(i.map(Thing))).collect::<Vec<_>>())
                )
            }
            Step::InspectPair { thing, token } | Step::InspectTuple { thing, token } => {
                write!(f, "{verb} {} {}", Thing(*thing), Token(*token))
            }
            Step::DropBorrowed { key, token } => {
                if key.kind == Kind::Token {
                    write!(f, "{verb} {key}")
                } else {
                    write!(f, "{verb} {key} {}", Token(*token))
                }
            }
            Step::GuestKeepBorrow { token }
            | Step::GuestUseStash { token }
            | Step::GuestUseAfterDrop { token }
            | Step::GuestDoubleDrop { token } => write!(f, "{verb} {}", Token(*token)),
            Step::GuestReuseSlot { old, new } => {
                write!(f, "{verb} {} {}", Token(*old), Token(*new))
            }
        }
    }
}

impl Step {
    /// Variants of the step with one part fewer (an item of a list, a
    /// token of a bundle), for shrinking. Each may not apply where the step
    /// stands; the shrinker checks.
    pub fn simpler(&self) -> Vec<Step> {
        fn without<T: Clone>(items: &[T]) -> Vec<Vec<T>> {
            (0..items.len())
                .map(|i| [&items[..i], &items[i + 1..]].concat())
                .collect()
        }
        match self {
            Step::Hold { items } => without(items)
                .into_iter()
                .map(|items| Step::Hold { items })
                .collect(),
            Step::HoldBundle { things, token } => {
                let mut out: Vec<Step> = without(things)
                    .into_iter()
                    .map(|things| Step::HoldBundle {
                        things,
                        token: *token,
                    })
                    .collect();
                if token.is_some() {
                    out.push(Step::HoldBundle {
                        things: things.clone(),
                        token: None,
                    });
                }
                out
            }
            Step::Take { keys } => without(keys)
                .into_iter()
                .map(|keys| Step::Take { keys })
                .collect(),
            Step::TakeBundle { things, token } => {
                let mut out: Vec<Step> = without(things)
                    .into_iter()
                    .map(|things| Step::TakeBundle {
                        things,
                        token: *token,
                    })
                    .collect();
                if token.is_some() {
                    out.push(Step::TakeBundle {
                        things: things.clone(),
                        token: None,
                    });
                }
                out
            }
            Step::InspectThings { items } => without(items)
                .into_iter()
                .map(|items| Step::InspectThings { items })
                .collect(),
            _ => vec![],
        }
    }

    /// How much the step carries (1, plus one per list item): the weight
    /// of a reproducer is the sum over its steps.
    pub fn weight(&self) -> u64 {
        let items = match self {
            Step::Hold { items } => items.len(),
            Step::HoldBundle { things, token } => things.len() + usize::from(token.is_some()),
            Step::Take { keys } => keys.len(),
            Step::TakeBundle { things, token } => things.len() + usize::from(token.is_some()),
            Step::InspectThings { items } => items.len(),
            _ => 0,
        };
        1 + items as u64
    }
}

/// A step text that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

/// Writes steps one per numbered line.
pub fn write_steps(steps: &[Step]) -> String {
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{}. {s}\n", i + 1))
        .collect()
}

/// Reads steps written by [`write_steps`] (numbers and `#` comments are
/// optional).
pub fn parse_steps(text: &str) -> Result<Vec<Step>, ParseError> {
    let mut steps = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        let line = match line.split_once(". ") {
            Some((n, rest)) if n.chars().all(|c| c.is_ascii_digit()) && !n.is_empty() => {
                rest.trim()
            }
            _ => line,
        };
        if line.is_empty() {
            continue;
        }
        let step = parse_step(line).map_err(|message| ParseError {
            line: i + 1,
            message,
        })?;
        steps.push(step);
    }
    Ok(steps)
}

/// Splits `hold [t1, none] +k2` into `hold`, `[t1, none]`, `+k2`.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut depth = 0;
    for c in line.chars() {
        match c {
            '[' => {
                depth += 1;
                current.push(c);
            }
            ']' => {
                depth -= 1;
                current.push(c);
            }
            ' ' | '\t' if depth == 0 => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn parse_key(word: &str) -> Result<Key, String> {
    let kind = match word.chars().next() {
        Some('t') => Kind::Thing,
        Some('k') => Kind::Token,
        _ => {
            return Err(format!(
                "`{word}` is not a resource (`t3` for thing 3, `k4` for token 4)"
            ));
        }
    };
    let id = word[1..]
        .parse()
        .map_err(|_| format!("`{word}` is not a resource (`t3` for thing 3, `k4` for token 4)"))?;
    Ok(Key { kind, id })
}

fn parse_kind(word: &str, kind: Kind) -> Result<u32, String> {
    let key = parse_key(word)?;
    if key.kind == kind {
        Ok(key.id)
    } else {
        Err(format!("`{word}` must be a {}", kind.wit_name()))
    }
}

fn parse_arg(word: &str) -> Result<Arg, String> {
    match word.strip_prefix('+') {
        Some(rest) => Ok(Arg::NewToken(parse_kind(rest, Kind::Token)?)),
        None => Ok(Arg::Held(parse_key(word)?)),
    }
}

fn parse_opt<T>(word: &str, item: impl Fn(&str) -> Result<T, String>) -> Result<Option<T>, String> {
    if word == "none" {
        Ok(None)
    } else {
        item(word).map(Some)
    }
}

fn parse_list<T>(word: &str, item: impl Fn(&str) -> Result<T, String>) -> Result<Vec<T>, String> {
    let inner = word
        .strip_prefix('[')
        .and_then(|w| w.strip_suffix(']'))
        .ok_or_else(|| format!("`{word}` is not a list like `[t1, k2]`"))?;
    inner
        .split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(item)
        .collect()
}

fn parse_step(line: &str) -> Result<Step, String> {
    let words = words(line);
    let verb = words[0].as_str();
    let args = &words[1..];
    let want = |n: usize| -> Result<(), String> {
        if args.len() == n {
            Ok(())
        } else {
            Err(format!(
                "`{verb}` takes {n} argument(s), found {}: `{line}`",
                args.len()
            ))
        }
    };
    let thing = |w: &str| parse_kind(w, Kind::Thing);
    let token = |w: &str| parse_kind(w, Kind::Token);
    let step = match verb {
        "new" | "make" => {
            want(1)?;
            Step::New {
                id: thing(&args[0])?,
                via: if verb == "new" {
                    Via::Constructor
                } else {
                    Via::Static
                },
            }
        }
        "create" | "take-one" | "release" | "drop" | "inspect" | "poke" | "use-stale"
        | "drop-stale" | "hold-twice" => {
            want(1)?;
            let key = parse_key(&args[0])?;
            match verb {
                "create" => Step::Create { key },
                "take-one" => Step::TakeOne { key },
                "release" => Step::Release { key },
                "drop" => Step::Drop { key },
                "inspect" => Step::Inspect { key },
                "poke" => Step::Poke { key },
                "use-stale" => Step::UseStale { key },
                "drop-stale" => Step::DropStale { key },
                _ => Step::HoldTwice { key },
            }
        }
        "hold" => {
            want(1)?;
            Step::Hold {
                items: parse_list(&args[0], |w| parse_opt(w, parse_arg))?,
            }
        }
        "hold-bundle" => {
            want(2)?;
            Step::HoldBundle {
                things: parse_list(&args[0], thing)?,
                token: parse_opt(&args[1], parse_arg)?,
            }
        }
        "swap" => {
            want(2)?;
            Step::Swap {
                thing: thing(&args[0])?,
                token: parse_arg(&args[1])?,
            }
        }
        "take" => {
            want(1)?;
            Step::Take {
                keys: parse_list(&args[0], parse_key)?,
            }
        }
        "take-bundle" => {
            want(2)?;
            Step::TakeBundle {
                things: parse_list(&args[0], thing)?,
                token: parse_opt(&args[1], token)?,
            }
        }
        "method" => {
            want(1)?;
            Step::Method {
                thing: thing(&args[0])?,
            }
        }
        "inspect-things" => {
            want(1)?;
            Step::InspectThings {
                items: parse_list(&args[0], |w| parse_opt(w, thing))?,
            }
        }
        "inspect-pair" | "inspect-tuple" => {
            want(2)?;
            let (thing, token) = (thing(&args[0])?, token(&args[1])?);
            if verb == "inspect-pair" {
                Step::InspectPair { thing, token }
            } else {
                Step::InspectTuple { thing, token }
            }
        }
        "drop-borrowed" => {
            let key = parse_key(args.first().ok_or("`drop-borrowed` takes a resource")?)?;
            match key.kind {
                Kind::Token => {
                    want(1)?;
                    Step::DropBorrowed { key, token: key.id }
                }
                Kind::Thing => {
                    want(2)?;
                    Step::DropBorrowed {
                        key,
                        token: token(&args[1])?,
                    }
                }
            }
        }
        "guest-keep-borrow" | "guest-use-stash" | "guest-use-after-drop" | "guest-double-drop" => {
            want(1)?;
            let token = token(&args[0])?;
            match verb {
                "guest-keep-borrow" => Step::GuestKeepBorrow { token },
                "guest-use-stash" => Step::GuestUseStash { token },
                "guest-use-after-drop" => Step::GuestUseAfterDrop { token },
                _ => Step::GuestDoubleDrop { token },
            }
        }
        "guest-reuse-slot" => {
            want(2)?;
            Step::GuestReuseSlot {
                old: token(&args[0])?,
                new: token(&args[1])?,
            }
        }
        other => {
            return Err(format!(
                "unknown step `{other}` (the steps are listed in witness::resources::step)"
            ));
        }
    };
    Ok(step)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_kind_of_step() -> Vec<Step> {
        let (t1, k2) = (Key::thing(1), Key::token(2));
        vec![
            Step::New {
                id: 1,
                via: Via::Constructor,
            },
            Step::New {
                id: 3,
                via: Via::Static,
            },
            Step::Create { key: k2 },
            Step::Hold {
                items: vec![Some(Arg::Held(t1)), None, Some(Arg::NewToken(4))],
            },
            Step::HoldBundle {
                things: vec![1, 3],
                token: Some(Arg::NewToken(5)),
            },
            Step::HoldBundle {
                things: vec![],
                token: None,
            },
            Step::Swap {
                thing: 1,
                token: Arg::Held(k2),
            },
            Step::Take { keys: vec![t1, k2] },
            Step::TakeOne { key: t1 },
            Step::TakeBundle {
                things: vec![1],
                token: None,
            },
            Step::TakeBundle {
                things: vec![],
                token: Some(2),
            },
            Step::Release { key: k2 },
            Step::Drop { key: t1 },
            Step::Method { thing: 1 },
            Step::Inspect { key: k2 },
            Step::InspectThings {
                items: vec![Some(1), None],
            },
            Step::InspectPair { thing: 1, token: 2 },
            Step::InspectTuple { thing: 1, token: 2 },
            Step::Poke { key: t1 },
            Step::UseStale { key: t1 },
            Step::DropStale { key: k2 },
            Step::DropBorrowed { key: t1, token: 2 },
            Step::DropBorrowed { key: k2, token: 2 },
            Step::HoldTwice { key: t1 },
            Step::GuestUseAfterDrop { token: 2 },
            Step::GuestDoubleDrop { token: 2 },
            Step::GuestKeepBorrow { token: 2 },
            Step::GuestUseStash { token: 2 },
            Step::GuestReuseSlot { old: 2, new: 6 },
        ]
    }

    #[test]
    fn the_text_form_round_trips() {
        let steps = every_kind_of_step();
        let text = write_steps(&steps);
        assert_eq!(parse_steps(&text).unwrap(), steps, "{text}");
        assert!(text.contains("3. create k2\n"), "{text}");
        assert!(text.contains("hold [t1, none, +k4]"), "{text}");
    }

    #[test]
    fn comments_and_unnumbered_lines_are_accepted() {
        let steps = parse_steps(
            "# guest fault: never-destroy\nnew t1\n\n2. drop t1  # the host drops it\n",
        )
        .unwrap();
        assert_eq!(
            steps,
            vec![
                Step::New {
                    id: 1,
                    via: Via::Constructor
                },
                Step::Drop { key: Key::thing(1) }
            ]
        );
    }

    #[test]
    fn bad_lines_are_named_with_the_fix() {
        let err = parse_steps("new t1\nswap k1 t2\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("must be a thing"), "{err}");
        let err = parse_steps("frobnicate t1").unwrap_err();
        assert!(err.message.contains("unknown step `frobnicate`"), "{err}");
        let err = parse_steps("drop x1").unwrap_err();
        assert!(err.message.contains("`t3` for thing 3"), "{err}");
    }
}
