//! An executor process, parent side: starting it, the handshake, one
//! request at a time with the import calls it makes in between, and what
//! happens when it dies or goes silent.
//!
//! A runtime under test may panic, abort, fault or hang. None of that can
//! reach witness: the executor is a child process; a reply that does not
//! come within the wall deadline is a [`Crash`] of kind `hang` (the child
//! is killed), an exit or a signal is a `Crash` with the signal, the exit
//! status, the panic message and the tail of its stderr (with a backtrace:
//! the child runs with `RUST_BACKTRACE=1`). The next request starts a new
//! child and loads the component again.
//!
//! Values cross as WAVE (or hex for `list<u8>`), written from and read into
//! witness's own wasmtime 48 `Val`s with the types witness's engine gives
//! the component ([`Signatures`]). A parent that deals in resource handles
//! speaks in trees ([`Value::Tree`]) through [`Executor::exchange_with`] and
//! a [`Peer`], which also hears of handle drops and of the destructor runs
//! of its resource types.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wasmtime::Engine;
use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::{Component, Type, Val};
use witness_executor_protocol::{
    self as protocol, ErrorInfo, PROTOCOL_VERSION, Reply, Request, Sandbox, Value,
};

use super::RuntimeSpec;

/// How much of an executor's stderr a crash keeps: its start and its end.
const STDERR_HEAD: usize = 4 * 1024;
const STDERR_TAIL: usize = 12 * 1024;

/// Errors that are witness's, not the runtime's: the executor cannot be
/// built or started, or it broke the protocol.
#[derive(Debug, thiserror::Error)]
pub enum ExecutorError {
    #[error(transparent)]
    Build(#[from] super::build::BuildError),
    #[error(
        "could not start the executor {} ({source}): build it again by removing that file",
        binary.display()
    )]
    Spawn {
        binary: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the executor {} is not the one asked for: it says {said}, witness asked for {asked} \
         (protocol {PROTOCOL_VERSION}); remove it so that witness builds it again",
        binary.display()
    )]
    Mismatch {
        binary: PathBuf,
        said: String,
        asked: String,
    },
    #[error("the executor for {runtime} broke the protocol: {message}")]
    Protocol {
        runtime: RuntimeSpec,
        message: String,
    },
    #[error("I/O error at {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// How an executor died.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crash {
    pub how: CrashKind,
    /// The panic message, when the runtime panicked.
    pub panic: Option<String>,
    /// The executor's stderr, its middle cut out when long (a backtrace,
    /// if there was one).
    pub stderr_tail: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrashKind {
    /// Killed by this signal (SIGSEGV, SIGABRT, ...).
    Signal(i32),
    /// Exited with this status (101: a Rust panic).
    Exit(i32),
    /// No reply within the wall deadline: killed.
    Hang(Duration),
}

/// The class of a hang.
const HANG_CLASS: &str = "wasmtime hangs";

/// The starts of the classes of a crash.
const CRASH_CLASSES: [&str; 3] = ["wasmtime panics: ", "wasmtime crashes: ", "wasmtime exits "];

/// The class of a runtime that panicked with `message` (in its executor,
/// or caught in process).
pub fn panic_class(message: &str) -> String {
    format!(
        "{}{}",
        CRASH_CLASSES[0],
        crate::finding::normalise_message(message)
    )
}

/// The finding kind of a failure of class `class`: `hang` or `host-crash`
/// for a runtime that died ([`Crash::class`], [`panic_class`]), else `None`.
pub fn kind_of_class(class: &str) -> Option<crate::finding::Kind> {
    if class == HANG_CLASS {
        Some(crate::finding::Kind::Hang)
    } else if CRASH_CLASSES.iter().any(|p| class.starts_with(p)) {
        Some(crate::finding::Kind::HostCrash)
    } else {
        None
    }
}

impl Crash {
    /// A short, stable description (for a finding's signature).
    pub fn class(&self) -> String {
        match (&self.how, &self.panic) {
            (CrashKind::Hang(_), _) => HANG_CLASS.into(),
            (_, Some(message)) => panic_class(message),
            (CrashKind::Signal(s), None) => format!("{}{}", CRASH_CLASSES[1], signal_name(*s)),
            (CrashKind::Exit(code), None) => format!("{}with status {code}", CRASH_CLASSES[2]),
        }
    }

    /// Whether this is a hang (else a crash).
    pub fn is_hang(&self) -> bool {
        matches!(self.how, CrashKind::Hang(_))
    }

    /// The finding kind: `hang`, or `host-crash`.
    pub fn kind(&self) -> crate::finding::Kind {
        if self.is_hang() {
            crate::finding::Kind::Hang
        } else {
            crate::finding::Kind::HostCrash
        }
    }

    /// Everything, for a finding's detail.
    pub fn detail(&self) -> String {
        let how = match &self.how {
            CrashKind::Signal(s) => format!("the executor was killed by {}", signal_name(*s)),
            CrashKind::Exit(code) => format!("the executor exited with status {code}"),
            CrashKind::Hang(after) => format!(
                "the executor did not answer within {} and was killed",
                super::super::host::deadline::describe(*after)
            ),
        };
        let mut out = how;
        if let Some(p) = &self.panic {
            out.push_str(&format!("\npanic: {p}"));
        }
        if !self.stderr_tail.trim().is_empty() {
            out.push_str("\nstderr (its end):\n");
            out.push_str(&self.stderr_tail);
        }
        out
    }
}

/// `SIGSEGV` for 11, and so on.
pub fn signal_name(signal: i32) -> String {
    match signal {
        4 => "SIGILL".into(),
        6 => "SIGABRT".into(),
        7 => "SIGBUS".into(),
        8 => "SIGFPE".into(),
        9 => "SIGKILL".into(),
        11 => "SIGSEGV".into(),
        15 => "SIGTERM".into(),
        n => format!("signal {n}"),
    }
}

/// The panic message in a Rust panic's stderr.
fn panic_message(stderr: &str) -> Option<String> {
    let mut lines = stderr.lines();
    while let Some(line) = lines.next() {
        if line.contains("panicked at") {
            // `thread 'main' panicked at src/x.rs:1:2:` then the message.
            let message: Vec<&str> = lines
                .by_ref()
                .take_while(|l| !l.starts_with("note:") && !l.starts_with("stack backtrace:"))
                .collect();
            return Some(message.join("\n").trim().to_string());
        }
    }
    None
}

/// The end of a request: the executor's reply, or its death.
#[derive(Debug, Clone)]
pub enum Ended {
    Reply(Reply),
    Died(Crash),
}

/// What the parent answers an import call with: results, or a refusal
/// (the import fails with this message).
pub type ImportAnswer = Result<Vec<Val>, String>;

/// An import call's answer on the wire: (interface, function, arguments)
/// to results or a refusal.
type WireAnswer<'a> = dyn FnMut(&str, &str, Vec<Value>) -> Result<Vec<Value>, String> + 'a;

/// The parent's side of an exchange: it answers import calls, and hears
/// what happens to handles.
pub trait Peer {
    /// The answer to an import call.
    fn import(&mut self, interface: &str, func: &str, args: Vec<Value>) -> Answered;
    /// The end of the drop an answer asked for first.
    fn dropped(&mut self, _error: Option<ErrorInfo>) {}
    /// The destructor of the parent's resource type `resource` ran.
    fn destructor(&mut self, _resource: u32, _rep: u32) {}
}

/// An import call's answer, and a handle to drop inside the call before
/// it is sent (the slot).
pub struct Answered {
    pub results: Result<Vec<Value>, String>,
    pub drop_first: Option<u32>,
}

/// A peer that only answers imports.
struct Answers<'a, 'b>(&'a mut WireAnswer<'b>);

impl Peer for Answers<'_, '_> {
    fn import(&mut self, interface: &str, func: &str, args: Vec<Value>) -> Answered {
        Answered {
            results: (self.0)(interface, func, args),
            drop_first: None,
        }
    }
}

/// The types of the functions a component imports (those the parent
/// answers) and exports, as witness's engine sees them.
#[derive(Clone, Default)]
pub struct Signatures {
    imports: HashMap<(String, String), ComponentFunc>,
    exports: HashMap<(Option<String>, String), ComponentFunc>,
}

impl Signatures {
    /// The type of an export it has.
    pub fn export(&self, interface: Option<&str>, func: &str) -> Option<&ComponentFunc> {
        self.exports
            .get(&(interface.map(str::to_string), func.to_string()))
    }

    /// The functions `imports` names and `exports` names, from `component`.
    pub fn of(
        engine: &Engine,
        component: &Component,
        imports: &[(String, Vec<String>)],
        exports: &[(Option<String>, String)],
    ) -> Result<Signatures, String> {
        let ty = component.component_type();
        let mut out = Signatures::default();
        for (iface, funcs) in imports {
            let Some(ComponentItem::ComponentInstance(inst)) =
                ty.get_import(engine, iface).map(|e| e.ty)
            else {
                return Err(format!("the component does not import `{iface}`"));
            };
            for func in funcs {
                let Some(ComponentItem::ComponentFunc(f)) =
                    inst.get_export(engine, func).map(|e| e.ty)
                else {
                    return Err(format!("`{iface}` has no function `{func}`"));
                };
                out.imports.insert((iface.clone(), func.clone()), f);
            }
        }
        for (iface, func) in exports {
            let f = match iface {
                Some(i) => {
                    let Some(ComponentItem::ComponentInstance(inst)) =
                        ty.get_export(engine, i).map(|e| e.ty)
                    else {
                        return Err(format!("the component does not export `{i}`"));
                    };
                    inst.get_export(engine, func).map(|e| e.ty)
                }
                None => ty.get_export(engine, func).map(|e| e.ty),
            };
            let Some(ComponentItem::ComponentFunc(f)) = f else {
                return Err(format!("the component does not export `{func}`"));
            };
            out.exports.insert((iface.clone(), func.clone()), f);
        }
        Ok(out)
    }
}

/// What the executor loads: the component's file, the sandbox and the
/// imports the parent answers.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadRequest {
    pub component: PathBuf,
    pub sandbox: Sandbox,
    pub imports: Vec<(String, Vec<String>)>,
    /// The parent's resource types, as (interface, name).
    pub resources: Vec<(String, String)>,
    /// Every value as a tree.
    pub trees: bool,
}

/// The start of an executor's stderr (where a panic message is) and its
/// end (where the backtrace ends and a later message is).
#[derive(Default)]
struct StderrLog {
    head: Vec<u8>,
    tail: Vec<u8>,
    /// Bytes dropped between the two.
    dropped: usize,
}

impl StderrLog {
    fn push(&mut self, mut bytes: &[u8]) {
        let room = STDERR_HEAD.saturating_sub(self.head.len());
        let into_head = room.min(bytes.len());
        self.head.extend_from_slice(&bytes[..into_head]);
        bytes = &bytes[into_head..];
        self.tail.extend_from_slice(bytes);
        if self.tail.len() > 2 * STDERR_TAIL {
            let cut = self.tail.len() - STDERR_TAIL;
            self.tail.drain(..cut);
            self.dropped += cut;
        }
    }

    fn text(&self) -> String {
        let mut out = String::from_utf8_lossy(&self.head).into_owned();
        if self.dropped > 0 {
            out.push_str(&format!("\n[... {} bytes ...]\n", self.dropped));
        }
        out.push_str(&String::from_utf8_lossy(&self.tail));
        out
    }
}

/// The executor binary of `runtime`: the one named by
/// `WITNESS_EXECUTOR_<MAJOR>_<MINOR>_<PATCH>` if set, else the one witness
/// builds ([`super::build::executor`]).
pub fn binary_for(runtime: &RuntimeSpec, progress: bool) -> Result<PathBuf, ExecutorError> {
    let var = format!(
        "WITNESS_EXECUTOR_{}_{}_{}",
        runtime.version.major, runtime.version.minor, runtime.version.patch
    );
    match std::env::var_os(&var) {
        Some(path) => Ok(PathBuf::from(path)),
        None => Ok(super::build::executor(runtime, progress)?),
    }
}

/// A live executor process.
struct Process {
    child: Child,
    stdin: ChildStdin,
    replies: Receiver<Option<Result<Reply, String>>>,
    stderr: Arc<Mutex<StderrLog>>,
}

/// An executor of one runtime, restarted after every death.
pub struct Executor {
    runtime: RuntimeSpec,
    binary: PathBuf,
    /// Where component files are written for the executor to load.
    components: PathBuf,
    child: Option<Process>,
    /// What the live child has loaded.
    loaded: Option<LoadRequest>,
    /// Slack on top of a request's own deadline before it is a hang.
    slack: Duration,
}

impl Executor {
    /// Builds (if need be) and starts the executor of `runtime`.
    /// `WITNESS_EXECUTOR_<MAJOR>_<MINOR>_<PATCH>` names a binary to use
    /// instead (a test hook, and a way to run a locally patched runtime).
    pub fn start(runtime: &RuntimeSpec, progress: bool) -> Result<Executor, ExecutorError> {
        Executor::start_binary(runtime, binary_for(runtime, progress)?)
    }

    /// Starts `binary` as the executor of `runtime` (it must say so).
    pub fn start_binary(runtime: &RuntimeSpec, binary: PathBuf) -> Result<Executor, ExecutorError> {
        let components = super::build::cache_dir().join("components");
        std::fs::create_dir_all(&components).map_err(|e| ExecutorError::Io {
            path: components.clone(),
            source: e,
        })?;
        let mut executor = Executor {
            runtime: runtime.clone(),
            binary,
            components,
            child: None,
            loaded: None,
            slack: Duration::from_secs(30),
        };
        executor.ensure_child()?;
        Ok(executor)
    }

    /// How long past a request's own deadline a silent executor is given
    /// before it is a hang (30 s by default: a runtime's own deadline
    /// normally stops a guest long before).
    pub fn set_slack(&mut self, slack: Duration) {
        self.slack = slack;
    }

    pub fn runtime(&self) -> &RuntimeSpec {
        &self.runtime
    }

    /// Writes `bytes` where the executor can load them (content-addressed).
    pub fn component_file(&self, bytes: &[u8]) -> Result<PathBuf, ExecutorError> {
        let key = crate::disk::content_key(&[bytes]);
        let path = self.components.join(format!("{}.wasm", &key[..32]));
        if std::fs::read(&path).ok().as_deref() != Some(bytes) {
            crate::disk::write_atomic(&path, bytes).map_err(|e| ExecutorError::Io {
                path: path.clone(),
                source: e,
            })?;
        }
        Ok(path)
    }

    fn ensure_child(&mut self) -> Result<(), ExecutorError> {
        if self.child.is_some() {
            return Ok(());
        }
        self.loaded = None;
        let mut child = Command::new(&self.binary)
            .env_clear()
            .env("RUST_BACKTRACE", "1")
            .current_dir(&self.components)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| ExecutorError::Spawn {
                binary: self.binary.clone(),
                source: e,
            })?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let mut stderr_pipe = child.stderr.take().expect("piped");
        let (tx, replies) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut line = String::new();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => {
                        let _ = tx.send(None);
                        return;
                    }
                    Ok(_) => {
                        let reply = protocol::parse::<Reply>(&line).map_err(|e| e.to_string());
                        if tx.send(Some(reply)).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        let stderr = Arc::new(Mutex::new(StderrLog::default()));
        let log = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr_pipe.read(&mut buf) {
                if n == 0 {
                    return;
                }
                log.lock().expect("stderr log").push(&buf[..n]);
            }
        });
        self.child = Some(Process {
            child,
            stdin,
            replies,
            stderr,
        });
        match self.exchange(&Request::Hello, Duration::from_secs(60), &mut |_, _, _| {
            Err("no imports during the handshake".into())
        })? {
            Ended::Reply(Reply::Ready {
                protocol,
                runtime,
                version,
            }) if protocol == PROTOCOL_VERSION
                && runtime == "wasmtime"
                && version == self.runtime.version.to_string() =>
            {
                Ok(())
            }
            Ended::Reply(Reply::Ready {
                protocol,
                runtime,
                version,
            }) => {
                self.kill();
                Err(ExecutorError::Mismatch {
                    binary: self.binary.clone(),
                    said: format!("{runtime}@{version} (protocol {protocol})"),
                    asked: self.runtime.to_string(),
                })
            }
            other => {
                self.kill();
                Err(ExecutorError::Protocol {
                    runtime: self.runtime.clone(),
                    message: format!("the handshake ended with {other:?}"),
                })
            }
        }
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.child.kill();
            let _ = c.child.wait();
        }
        self.loaded = None;
    }

    /// Sends `request`, answers import calls with `answer`, and waits (up to
    /// `deadline` plus the slack) for the reply that ends it.
    fn exchange(
        &mut self,
        request: &Request,
        deadline: Duration,
        answer: &mut WireAnswer<'_>,
    ) -> Result<Ended, ExecutorError> {
        self.exchange_peer(request, deadline, &mut Answers(answer))
    }

    /// Sends `request` to the live instance loaded from `load` (a call, a
    /// drop, a question about its memory), with `peer` on the parent's side,
    /// and waits for the reply that ends it (up to `deadline` plus the
    /// slack).
    pub fn exchange_with(
        &mut self,
        load: &LoadRequest,
        request: &Request,
        deadline: Duration,
        peer: &mut dyn Peer,
    ) -> Result<Ended, ExecutorError> {
        if self.child.is_none() || self.loaded.as_ref() != Some(load) {
            return Err(ExecutorError::Protocol {
                runtime: self.runtime.clone(),
                message: "a request with no live instance (instantiate first)".into(),
            });
        }
        self.exchange_peer(request, deadline, peer)
    }

    /// Loads `load` unless the live child has it, and instantiates it with
    /// `peer` on the parent's side.
    pub fn instantiate_with(
        &mut self,
        load: &LoadRequest,
        seed: u64,
        peer: &mut dyn Peer,
    ) -> Result<Ended, ExecutorError> {
        if let Some(ended) = self.ensure_loaded(load)? {
            return Ok(ended);
        }
        let deadline = Duration::from_millis(load.sandbox.instantiation_deadline_ms);
        self.exchange_peer(&Request::Instantiate { seed }, deadline, peer)
    }

    fn exchange_peer(
        &mut self,
        request: &Request,
        deadline: Duration,
        peer: &mut dyn Peer,
    ) -> Result<Ended, ExecutorError> {
        let limit = deadline + self.slack;
        let started = Instant::now();
        let mut next = Some(request.clone());
        // An answer held back while the drop it asked for first runs.
        let mut held: Option<Request> = None;
        loop {
            let child = self.child.as_mut().expect("a child is running");
            if let Some(message) = next.take()
                && protocol::send(&mut child.stdin, &message).is_err()
            {
                return Ok(Ended::Died(self.reap(None)));
            }
            let left = limit.saturating_sub(started.elapsed());
            let reply = match child.replies.recv_timeout(left) {
                Ok(Some(Ok(reply))) => reply,
                Ok(Some(Err(message))) => {
                    self.kill();
                    return Err(ExecutorError::Protocol {
                        runtime: self.runtime.clone(),
                        message,
                    });
                }
                Ok(None) | Err(RecvTimeoutError::Disconnected) => {
                    return Ok(Ended::Died(self.reap(None)));
                }
                Err(RecvTimeoutError::Timeout) => {
                    return Ok(Ended::Died(self.reap(Some(limit))));
                }
            };
            match reply {
                Reply::Import {
                    interface,
                    func,
                    args,
                } => {
                    let answered = peer.import(&interface, &func, args);
                    let answer = match answered.results {
                        Ok(results) => Request::Answer { results },
                        Err(message) => Request::Refuse { message },
                    };
                    match answered.drop_first {
                        Some(slot) => {
                            held = Some(answer);
                            next = Some(Request::DropHandle { slot });
                        }
                        None => next = Some(answer),
                    }
                }
                Reply::Dropped { error } if held.is_some() => {
                    peer.dropped(error);
                    next = held.take();
                }
                Reply::Destructor { resource, rep } => peer.destructor(resource, rep),
                Reply::Refused { message } => {
                    return Err(ExecutorError::Protocol {
                        runtime: self.runtime.clone(),
                        message: format!("the executor refused {request:?}: {message}"),
                    });
                }
                other => return Ok(Ended::Reply(other)),
            }
        }
    }

    /// The child is dead or hung: kill it, collect how it ended.
    fn reap(&mut self, hung_after: Option<Duration>) -> Crash {
        let mut c = self.child.take().expect("a child is running");
        self.loaded = None;
        if hung_after.is_some() {
            let _ = c.child.kill();
        }
        let status = c.child.wait().ok();
        // Let the stderr thread drain what the child wrote last.
        std::thread::sleep(Duration::from_millis(50));
        let tail = c.stderr.lock().expect("stderr").text();
        let how = match (hung_after, status) {
            (Some(after), _) => CrashKind::Hang(after),
            (None, Some(status)) => {
                use std::os::unix::process::ExitStatusExt;
                match (status.signal(), status.code()) {
                    (Some(signal), _) => CrashKind::Signal(signal),
                    (None, Some(code)) => CrashKind::Exit(code),
                    (None, None) => CrashKind::Exit(-1),
                }
            }
            (None, None) => CrashKind::Exit(-1),
        };
        Crash {
            panic: panic_message(&tail),
            how,
            stderr_tail: tail,
        }
    }

    /// Loads `load` unless the live child has it already.
    fn ensure_loaded(&mut self, load: &LoadRequest) -> Result<Option<Ended>, ExecutorError> {
        self.ensure_child()?;
        if self.loaded.as_ref() == Some(load) {
            return Ok(None);
        }
        let request = Request::Load {
            component: load.component.clone(),
            sandbox: load.sandbox.clone(),
            imports: load.imports.clone(),
            resources: load.resources.clone(),
            trees: load.trees,
        };
        let ended = self.exchange(&request, Duration::from_secs(600), &mut |_, _, _| {
            Err("no imports while loading".into())
        })?;
        match ended {
            Ended::Reply(Reply::Loaded) => {
                self.loaded = Some(load.clone());
                Ok(None)
            }
            other => Ok(Some(other)),
        }
    }

    /// Loads (a `Failed` reply or a death is the result) and instantiates.
    pub fn instantiate(
        &mut self,
        load: &LoadRequest,
        seed: u64,
        signatures: &Signatures,
        answer: &mut dyn FnMut(&str, &str, Vec<Val>) -> ImportAnswer,
    ) -> Result<Ended, ExecutorError> {
        if let Some(ended) = self.ensure_loaded(load)? {
            return Ok(ended);
        }
        let deadline = Duration::from_millis(load.sandbox.instantiation_deadline_ms);
        self.exchange(
            &Request::Instantiate { seed },
            deadline,
            &mut translate(signatures, answer),
        )
    }

    /// Calls an export of the live instance (instantiated by the last
    /// [`Executor::instantiate`]); `Returned` results are read with
    /// [`Executor::results`].
    pub fn call(
        &mut self,
        load: &LoadRequest,
        interface: Option<&str>,
        func: &str,
        args: &[Val],
        signatures: &Signatures,
        answer: &mut dyn FnMut(&str, &str, Vec<Val>) -> ImportAnswer,
    ) -> Result<Ended, ExecutorError> {
        if self.child.is_none() || self.loaded.as_ref() != Some(load) {
            return Err(ExecutorError::Protocol {
                runtime: self.runtime.clone(),
                message: "a call with no live instance (instantiate first)".into(),
            });
        }
        let args = args
            .iter()
            .map(encode)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|message| ExecutorError::Protocol {
                runtime: self.runtime.clone(),
                message,
            })?;
        let deadline = Duration::from_millis(load.sandbox.deadline_ms);
        self.exchange(
            &Request::Call {
                interface: interface.map(str::to_string),
                func: func.to_string(),
                args,
            },
            deadline,
            &mut translate(signatures, answer),
        )
    }

    /// A reply that has no place where it came: the executor broke the
    /// protocol.
    pub fn unexpected(&self, reply: &Reply) -> ExecutorError {
        ExecutorError::Protocol {
            runtime: self.runtime.clone(),
            message: format!("an unexpected reply: {reply:?}"),
        }
    }

    /// The values of a `Returned` reply of `func`.
    pub fn results(
        &self,
        signatures: &Signatures,
        interface: Option<&str>,
        func: &str,
        results: &[Value],
    ) -> Result<Vec<Val>, ExecutorError> {
        let protocol = |message: String| ExecutorError::Protocol {
            runtime: self.runtime.clone(),
            message,
        };
        let ty = signatures
            .exports
            .get(&(interface.map(str::to_string), func.to_string()))
            .ok_or_else(|| protocol(format!("no signature for export `{func}`")))?;
        let types: Vec<Type> = ty.results().collect();
        if types.len() != results.len() {
            return Err(protocol(format!(
                "`{func}` returned {} values for {} results",
                results.len(),
                types.len()
            )));
        }
        types
            .iter()
            .zip(results)
            .map(|(t, v)| decode(t, v).map_err(protocol))
            .collect()
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Adapts an answer over `Val`s to one over wire values.
fn translate<'a>(
    signatures: &'a Signatures,
    answer: &'a mut dyn FnMut(&str, &str, Vec<Val>) -> ImportAnswer,
) -> impl FnMut(&str, &str, Vec<Value>) -> Result<Vec<Value>, String> + 'a {
    move |iface, func, args| {
        let ty = signatures
            .imports
            .get(&(iface.to_string(), func.to_string()))
            .ok_or_else(|| format!("witness: no signature for import `{iface}#{func}`"))?;
        let types: Vec<Type> = ty.params().map(|(_, t)| t).collect();
        if types.len() != args.len() {
            return Err(format!(
                "witness: `{iface}#{func}` called with {} arguments for {}",
                args.len(),
                types.len()
            ));
        }
        let vals = types
            .iter()
            .zip(&args)
            .map(|(t, v)| decode(t, v))
            .collect::<Result<Vec<_>, _>>()?;
        let results = answer(iface, func, vals)?;
        results.iter().map(encode).collect()
    }
}

/// A value for the wire (see [`Value`]).
pub fn encode(v: &Val) -> Result<Value, String> {
    if let Val::List(items) = v
        && !items.is_empty()
        && items.iter().all(|x| matches!(x, Val::U8(_)))
    {
        let bytes: Vec<u8> = items
            .iter()
            .map(|x| if let Val::U8(b) = x { *b } else { 0 })
            .collect();
        return Ok(Value::Bytes(protocol::hex(&bytes)));
    }
    v.to_wave().map(Value::Wave).map_err(|e| format!("{e:#}"))
}

/// A value off the wire, of type `ty`.
pub fn decode(ty: &Type, v: &Value) -> Result<Val, String> {
    match v {
        Value::Wave(text) => Val::from_wave(ty, text).map_err(|e| format!("{e:#}: {text}")),
        Value::Bytes(hex) => {
            let bytes = protocol::unhex(hex).ok_or_else(|| "bytes that are not hex".to_string())?;
            Ok(Val::List(bytes.into_iter().map(Val::U8).collect()))
        }
        Value::Tree(node) => crate::runtime::handles::val(ty, node, &mut |h| {
            Err(format!(
                "a handle ({h:?}) where witness expects a plain value"
            ))
        }),
    }
}

#[cfg(test)]
mod tests;
