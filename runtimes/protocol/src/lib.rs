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
//! hex (`Value::Bytes`) since raw guests report whole memories as one.

use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::PathBuf;

/// The version of this protocol; `Ready` carries it and the parent refuses
/// an executor built from another.
pub const PROTOCOL_VERSION: u32 = 1;

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
