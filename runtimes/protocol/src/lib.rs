//! The protocol between witness (the parent) and an executor: a small
//! program that runs components on one runtime under test and nothing else.
//!
//! The executor only runs things; every oracle stays in the parent. One
//! message per line, JSON, on the executor's stdin (requests and answers)
//! and stdout (replies and import calls); the executor's stderr is its own
//! (a panic message and backtrace end up there, and in the finding).
//!
//! A session:
//! 1. `Hello` -> `Ready` (the executor names its runtime and version, which
//!    the parent checks against what it asked for).
//! 2. `Load` a component from a file, with the sandbox's limits -> `Loaded`
//!    (the component's imports outside WASI are answered by the parent), or
//!    `Failed` at `compile` or `link`.
//! 3. `Instantiate` with a seed -> `Instantiated` or `Failed` at
//!    `instantiate`. A new `Instantiate` drops the old instance.
//! 4. `Call` an export -> `Returned` or `Trapped`.
//!
//! During 3 and 4 the executor may send `Import` (the guest called an
//! import the parent answers); the parent replies `Answer` (the results) or
//! `Refuse` (the import fails with that message, as a host function that
//! returns an error does). A crash of the executor (a signal, an abort, a
//! panic, EOF) or silence past the parent's wall deadline ends the session:
//! the parent makes a finding of it and starts a new executor.
//!
//! Values travel in a typed text encoding: WAVE, read against the types the
//! receiving side has (`Value::Wave`), except a `list<u8>`, which travels as
//! hex (`Value::Bytes`) since raw guests report whole memories as one, and
//! a value that carries resource handles, which WAVE cannot write: that one
//! travels as a typed tree (`Value::Tree`) whose handles are [`Handle`]s.
//!
//! Handles. The executor keeps every resource handle that reaches the host
//! (in a call's results or an import's arguments) in a table of the live
//! instance and names it by its slot there; the parent passes a handle back
//! by its slot (a slot is never reused, so a handle the guest has since
//! taken or dropped is still the same stale handle), or asks for a new own
//! handle of one of its own resource types (`Handle::New`). The parent's
//! resource types are named in `Load` (`resources`); their destructor runs
//! are reported with `Reply::Destructor`, at any point of a request. The
//! parent drops a handle with `DropHandle`, also while it answers an import
//! (the executor then drops it inside that import call, as an in-process
//! host would), and the reply is `Dropped`.

use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::PathBuf;

/// The version of this protocol; `Ready` carries it and the parent refuses
/// an executor built from another.
pub const PROTOCOL_VERSION: u32 = 2;

/// What the parent sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum Request {
    Hello,
    Load {
        component: PathBuf,
        sandbox: Sandbox,
        /// The imports the parent answers: each interface with its
        /// functions (everything else the component imports must be WASI).
        imports: Vec<(String, Vec<String>)>,
        /// The resource types the parent defines, each as (interface,
        /// resource name); the `k`th is resource type `k` of [`Handle`].
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        resources: Vec<(String, String)>,
        /// Send every value as a tree (`Value::Tree`), with or without
        /// handles: for a parent that deals in trees only.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        trees: bool,
    },
    Instantiate {
        seed: u64,
    },
    Call {
        /// The exported interface (`witness:case/api`), or `None` for a
        /// function exported by the component itself.
        interface: Option<String>,
        func: String,
        args: Vec<Value>,
    },
    /// The parent's reply to an `Import`.
    Answer {
        results: Vec<Value>,
    },
    /// The parent's refusal of an `Import`: the import fails with this.
    Refuse {
        message: String,
    },
    /// Drops the handle in this slot (`resource_drop`): between calls, or
    /// while an import is answered -> `Dropped`.
    DropHandle {
        slot: u32,
    },
    /// The size of the live instance's linear memories -> `Memory`.
    Memory,
}

/// What the executor sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum Reply {
    Ready {
        protocol: u32,
        runtime: String,
        version: String,
    },
    Loaded,
    Instantiated,
    Returned {
        results: Vec<Value>,
        output: String,
    },
    Trapped {
        error: ErrorInfo,
        output: String,
    },
    Failed {
        stage: FailedStage,
        error: ErrorInfo,
        output: String,
    },
    /// The guest called an import the parent answers.
    Import {
        interface: String,
        func: String,
        args: Vec<Value>,
    },
    /// The end of a `DropHandle`: `None` when the drop succeeded.
    Dropped {
        error: Option<ErrorInfo>,
    },
    /// The destructor of the parent's resource type `resource` ran for the
    /// resource with this representation (no reply).
    Destructor {
        resource: u32,
        rep: u32,
    },
    Memory {
        bytes: u64,
    },
    /// The request could not be understood or came out of order: a bug of
    /// witness, not a finding.
    Refused {
        message: String,
    },
}

/// Where a `Load` or `Instantiate` failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailedStage {
    /// The runtime rejected the component (not valid, or it cannot compile).
    Compile,
    /// The runtime rejected it because it needs a feature this runtime
    /// version lacks or the executor does not enable: not a finding.
    Unsupported,
    Link,
    Instantiate,
}

/// The limits of the sandbox a component runs in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Sandbox {
    pub fuel_per_call: u64,
    pub deadline_ms: u64,
    pub instantiation_deadline_ms: u64,
    pub memory_bytes: u64,
    pub captured_output: u64,
    /// Give the engine wasmtime's `list<T, N>` and `map<K, V>` features
    /// where this version has them.
    pub fixed_length_lists: bool,
    pub maps: bool,
}

/// An error of the runtime, as facts the parent classifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ErrorInfo {
    /// The error with its context chain (`{:#}`).
    pub message: String,
    /// The innermost cause (a trap's own text for a trap).
    pub root_cause: String,
    /// The wasm trap code (`Debug` of `wasmtime::Trap`), when it is one.
    pub trap: Option<String>,
    /// Whether the error carries a wasm backtrace with frames (a trap
    /// raised while guest code was on the stack).
    pub wasm_frames: bool,
    /// A limit of the sandbox stopped it, not the guest or the ABI.
    pub limit: Option<Limit>,
}

/// Which limit of the sandbox was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Limit {
    Fuel,
    Deadline,
    Memory,
}

/// A value in transit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum Value {
    /// WAVE text, read against the receiver's type for it.
    Wave(String),
    /// A `list<u8>`, in hex.
    Bytes(String),
    /// A value that carries handles, as a tree read against the
    /// receiver's type for it.
    Tree(Node),
}

/// A value as a tree: the value kinds a handle can be nested in (floats by
/// their bits, so that every NaN crosses unchanged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum Node {
    Bool(bool),
    S8(i8),
    U8(u8),
    S16(i16),
    U16(u16),
    S32(i32),
    U32(u32),
    S64(i64),
    U64(u64),
    F32(u32),
    F64(u64),
    Char(char),
    String(String),
    List(Vec<Node>),
    Record(Vec<(String, Node)>),
    Tuple(Vec<Node>),
    Variant(String, Option<Box<Node>>),
    Enum(String),
    Option(Option<Box<Node>>),
    Result(Result<Option<Box<Node>>, Option<Box<Node>>>),
    Flags(Vec<String>),
    Handle(Handle),
}

/// A resource handle on the wire (see the module's documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum Handle {
    /// The handle in this slot of the executor's table. `own` says whether
    /// it is an own handle; `resource` is the parent's resource type it is
    /// of, `None` for a resource the guest defines; `rep` is its
    /// representation, for a borrow of the parent's type (which the host
    /// reads as it lifts the borrow).
    Slot {
        slot: u32,
        own: bool,
        resource: Option<u32>,
        rep: Option<u32>,
    },
    /// A new own handle of the parent's resource type `resource` with this
    /// representation (from the parent only).
    New { resource: u32, rep: u32 },
}

/// Why a message could not be read or written.
#[derive(Debug)]
pub enum WireError {
    /// The other side closed the stream.
    Closed,
    Io(std::io::Error),
    /// A line that is not a message of this protocol.
    Malformed {
        line: String,
        reason: String,
    },
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::Closed => write!(f, "the stream was closed"),
            WireError::Io(e) => write!(f, "{e}"),
            WireError::Malformed { line, reason } => {
                let shown: String = line.chars().take(200).collect();
                write!(f, "not a protocol message ({reason}): {shown}")
            }
        }
    }
}

impl std::error::Error for WireError {}

/// Writes one message as one line and flushes.
pub fn send<T: Serialize>(out: &mut impl Write, message: &T) -> Result<(), WireError> {
    let mut line = serde_json::to_string(message).map_err(|e| WireError::Malformed {
        line: String::new(),
        reason: e.to_string(),
    })?;
    line.push('\n');
    out.write_all(line.as_bytes()).map_err(WireError::Io)?;
    out.flush().map_err(WireError::Io)
}

/// Reads one message (one line).
pub fn receive<T: for<'de> Deserialize<'de>>(input: &mut impl BufRead) -> Result<T, WireError> {
    let mut line = String::new();
    let n = input.read_line(&mut line).map_err(WireError::Io)?;
    if n == 0 {
        return Err(WireError::Closed);
    }
    parse(&line)
}

/// Reads one message from its line.
pub fn parse<T: for<'de> Deserialize<'de>>(line: &str) -> Result<T, WireError> {
    serde_json::from_str(line.trim_end()).map_err(|e| WireError::Malformed {
        line: line.to_string(),
        reason: e.to_string(),
    })
}

/// Hex of `bytes` (for [`Value::Bytes`]).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// The bytes of hex text, `None` if it is not hex.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T>(message: T)
    where
        T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug,
    {
        let mut wire = Vec::new();
        send(&mut wire, &message).unwrap();
        assert_eq!(wire.iter().filter(|b| **b == b'\n').count(), 1);
        let back: T = receive(&mut wire.as_slice()).unwrap();
        assert_eq!(back, message);
    }

    #[test]
    fn every_request_round_trips() {
        round_trip(Request::Hello);
        round_trip(Request::Load {
            component: "/tmp/a b/c.wasm".into(),
            sandbox: Sandbox {
                fuel_per_call: u64::MAX,
                deadline_ms: 10,
                instantiation_deadline_ms: 30,
                memory_bytes: 1 << 30,
                captured_output: 65536,
                fixed_length_lists: true,
                maps: false,
            },
            imports: vec![("witness:case/upstream".into(), vec!["f".into(), "g".into()])],
            resources: vec![("witness:resources/host".into(), "token".into())],
            trees: true,
        });
        round_trip(Request::Instantiate { seed: u64::MAX });
        round_trip(Request::Call {
            interface: Some("witness:case/api".into()),
            func: "f".into(),
            args: vec![Value::Wave("\"a\\nb\"".into()), Value::Bytes("00ff".into())],
        });
        round_trip(Request::Answer {
            results: vec![Value::Wave("{a: 1}".into())],
        });
        round_trip(Request::Refuse {
            message: "line\nbreak".into(),
        });
        round_trip(Request::DropHandle { slot: u32::MAX });
        round_trip(Request::Memory);
        round_trip(Request::Answer {
            results: vec![Value::Tree(every_node())],
        });
    }

    /// A tree with every kind of node in it, NaN payloads and both kinds of
    /// handle among them.
    fn every_node() -> Node {
        let boxed = |n: Node| Some(Box::new(n));
        Node::Record(vec![
            (
                "scalars".into(),
                Node::Tuple(vec![
                    Node::Bool(true),
                    Node::S8(-128),
                    Node::U8(255),
                    Node::S16(-1),
                    Node::U16(65535),
                    Node::S32(i32::MIN),
                    Node::U32(u32::MAX),
                    Node::S64(i64::MIN),
                    Node::U64(u64::MAX),
                    Node::F32(0x7fc0_0001),
                    Node::F64(0xfff8_0000_0000_0001),
                    Node::Char('\u{10ffff}'),
                    Node::String("a\"b\n".into()),
                ]),
            ),
            (
                "handles".into(),
                Node::List(vec![
                    Node::Handle(Handle::Slot {
                        slot: 0,
                        own: true,
                        resource: None,
                        rep: None,
                    }),
                    Node::Handle(Handle::Slot {
                        slot: 7,
                        own: false,
                        resource: Some(1),
                        rep: Some(42),
                    }),
                    Node::Handle(Handle::New {
                        resource: 0,
                        rep: 3,
                    }),
                ]),
            ),
            (
                "compound".into(),
                Node::Tuple(vec![
                    Node::Variant("none".into(), None),
                    Node::Variant("some".into(), boxed(Node::U8(1))),
                    Node::Enum("b".into()),
                    Node::Option(None),
                    Node::Option(boxed(Node::Option(None))),
                    Node::Result(Ok(None)),
                    Node::Result(Err(boxed(Node::String(String::new())))),
                    Node::Flags(vec!["x".into(), "y-z".into()]),
                ]),
            ),
        ])
    }

    #[test]
    fn every_reply_round_trips() {
        let error = ErrorInfo {
            message: "error while executing\n\ncaused by: x".into(),
            root_cause: "x".into(),
            trap: Some("UnreachableCodeReached".into()),
            wasm_frames: true,
            limit: Some(Limit::Memory),
        };
        round_trip(Reply::Ready {
            protocol: PROTOCOL_VERSION,
            runtime: "wasmtime".into(),
            version: "42.0.1".into(),
        });
        round_trip(Reply::Loaded);
        round_trip(Reply::Instantiated);
        round_trip(Reply::Returned {
            results: vec![],
            output: "é\u{0}".into(),
        });
        round_trip(Reply::Trapped {
            error: error.clone(),
            output: String::new(),
        });
        for stage in [
            FailedStage::Compile,
            FailedStage::Unsupported,
            FailedStage::Link,
            FailedStage::Instantiate,
        ] {
            round_trip(Reply::Failed {
                stage,
                error: error.clone(),
                output: "o".into(),
            });
        }
        round_trip(Reply::Import {
            interface: "witness:raw/probe".into(),
            func: "memory".into(),
            args: vec![Value::Wave("3".into()), Value::Bytes(hex(&[0, 1, 254]))],
        });
        round_trip(Reply::Refused {
            message: "m".into(),
        });
        round_trip(Reply::Dropped { error: None });
        round_trip(Reply::Dropped {
            error: Some(error.clone()),
        });
        round_trip(Reply::Destructor {
            resource: 2,
            rep: u32::MAX,
        });
        round_trip(Reply::Memory { bytes: 1 << 40 });
        round_trip(Reply::Returned {
            results: vec![Value::Tree(every_node())],
            output: String::new(),
        });
    }

    #[test]
    fn a_load_without_resources_reads_as_one_with_none() {
        let line = r#"{"load":{"component":"c.wasm","sandbox":{"fuel-per-call":1,"deadline-ms":1,"instantiation-deadline-ms":1,"memory-bytes":1,"captured-output":1,"fixed-length-lists":false,"maps":false},"imports":[]}}"#;
        let Request::Load {
            resources, trees, ..
        } = parse::<Request>(line).unwrap()
        else {
            panic!("not a load");
        };
        assert!(resources.is_empty() && !trees);
    }

    #[test]
    fn hex_round_trips_and_rejects_what_is_not_hex() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(unhex(&hex(&all)).unwrap(), all);
        assert_eq!(unhex("0G"), None);
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex(""), Some(vec![]));
    }

    #[test]
    fn a_malformed_line_or_a_closed_stream_is_an_error_not_a_message() {
        assert!(matches!(
            parse::<Request>("{\"call\": 3}"),
            Err(WireError::Malformed { .. })
        ));
        assert!(matches!(
            parse::<Request>("{\"hello\": null, \"extra\": 1}"),
            Err(WireError::Malformed { .. })
        ));
        assert!(matches!(
            receive::<Reply>(&mut &b""[..]),
            Err(WireError::Closed)
        ));
    }
}
