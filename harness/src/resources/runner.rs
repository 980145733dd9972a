//! The runner: executes a sequence of steps on a fresh guest instance and
//! checks, after every step, what the model says must hold.
//!
//! After every step:
//! - the call returned what the model says (ids, handles of the right kind,
//!   `none` where the guest holds nothing), or failed with the error class
//!   the model names for an illegal step, and no legal step failed;
//! - exactly the destructors the model expects ran, once each: the host's
//!   log of token destructors and the guest's log of thing destructors
//!   (from `status`) are compared with the model's list;
//! - the guest's live count of things, and the host's table of live tokens,
//!   are the model's;
//! - the guest constructed exactly the tokens the model expects, and the
//!   host functions saw no borrow of a token that is not live.
//!
//! After the last step the runner releases everything (the model's
//! teardown: the host drops its handles, the guest releases its own) and
//! checks the same, so a sequence that ends cleanly ends with no live thing
//! and no live token. [`Runner::leak_check`] runs create/drop cycles and
//! compares the guest's memory and allocation counts before and after.

use super::messages;
use super::model::{Expect, Model, Outcome, Ret};
use super::session::{CallError, LinkedGuest, Session, TOKEN};
use super::step::{Arg, Key, Kind, Step};
use crate::host::HostError;
use std::collections::HashMap;
use witness_executor_protocol::{Handle, Node};

mod cycle;
mod violation;

use cycle::growth;
pub use cycle::{Cycle, LeakReport};
use violation::crash_violation;
pub use violation::{Violation, ViolationClass, unexpected_failure};

/// What running one sequence did.
#[derive(Debug, Clone)]
pub struct SequenceRun {
    /// Steps executed, teardown included.
    pub steps: usize,
    /// Illegal steps executed.
    pub illegal: usize,
    /// Illegal steps the guest's language cannot express (see
    /// `misuse-keep-borrow`), which end the sequence as passed.
    pub skipped: usize,
    /// The first violation, which ends the run.
    pub violation: Option<Violation>,
}

/// The guest's `report` record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub live: u32,
    pub destroyed: Vec<u32>,
    /// The total size of the store's linear memories, measured by the host.
    pub memory_bytes: u64,
    pub heap_bytes: Option<u64>,
    pub heap_objects: Option<u64>,
}

impl Report {
    fn from_node(val: &Node, memory_bytes: u64) -> Result<Report, String> {
        let Node::Record(fields) = val else {
            return Err(format!("status returned {val:?}, not a report record"));
        };
        let field = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v);
        let u64_of = |v: Option<&Node>| match v {
            Some(Node::U64(n)) => Some(*n),
            _ => None,
        };
        let opt_u64 = |v: Option<&Node>| match v {
            Some(Node::Option(Some(inner))) => u64_of(Some(inner)),
            _ => None,
        };
        let live = match field("live") {
            Some(Node::U32(n)) => *n,
            other => return Err(format!("report.live is {other:?}")),
        };
        let destroyed = match field("destroyed") {
            Some(Node::List(items)) => items
                .iter()
                .map(|v| {
                    if let Node::U32(n) = v {
                        Ok(*n)
                    } else {
                        Err(format!("report.destroyed holds {v:?}"))
                    }
                })
                .collect::<Result<_, _>>()?,
            other => return Err(format!("report.destroyed is {other:?}")),
        };
        Ok(Report {
            live,
            destroyed,
            memory_bytes,
            heap_bytes: opt_u64(field("heap-bytes")),
            heap_objects: opt_u64(field("heap-objects")),
        })
    }
}

/// How one step's call(s) ended.
enum Actual {
    Returned(Option<Node>),
    CallFailed(CallError),
    DropFailed(CallError),
    /// The legal call that prepares an illegal one failed (`stash-borrow`
    /// before `misuse-use-stash`).
    PreludeFailed(&'static str, CallError),
    /// The guest says its language cannot express the misuse (its bindings
    /// prevent it).
    CannotMisuse,
}

fn key_node(key: Key) -> Node {
    Node::Record(vec![
        ("kind".into(), Node::Enum(key.kind.wit_name().into())),
        ("id".into(), Node::U32(key.id)),
    ])
}

fn variant(kind: Kind, handle: Handle) -> Node {
    Node::Variant(kind.wit_name().into(), Some(Box::new(Node::Handle(handle))))
}

fn some(v: Node) -> Node {
    Node::Option(Some(Box::new(v)))
}

/// Whether `handle` is an own handle.
fn owned(handle: &Handle) -> bool {
    match handle {
        Handle::Slot { own, .. } => *own,
        Handle::New { .. } => true,
    }
}

/// Short text of a value for messages (handles shown by kind only).
fn show(val: &Node) -> String {
    match val {
        Node::Handle(h) => if owned(h) { "<own>" } else { "<borrow>" }.to_string(),
        Node::U32(n) => n.to_string(),
        Node::Bool(b) => b.to_string(),
        Node::Option(None) => "none".into(),
        Node::Option(Some(v)) => format!("some({})", show(v)),
        Node::Result(Ok(v)) => format!("ok({})", v.as_deref().map_or(String::new(), show)),
        Node::Result(Err(v)) => format!("err({})", v.as_deref().map_or(String::new(), show)),
        Node::Variant(case, v) => format!("{case}({})", v.as_deref().map_or(String::new(), show)),
        Node::List(items) => format!(
            "[{}]",
            items.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        Node::Tuple(items) => format!(
            "({})",
            items.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        Node::Record(fields) => {
            format!(
                "{{{}}}",
                fields
                    .iter()
                    .map(|(n, v)| format!("{n}: {}", show(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        other => format!("{other:?}"),
    }
}

/// The host's handles during one run.
#[derive(Default)]
struct Handles {
    /// Own handles the host holds, by id.
    owned: HashMap<u32, Handle>,
    /// The last handle the host gave away or dropped, by id.
    stale: HashMap<u32, Handle>,
}

impl Handles {
    /// Takes the own handle of `id` out (to pass or drop it); it becomes
    /// stale.
    fn take(&mut self, id: u32) -> Handle {
        let handle = self
            .owned
            .remove(&id)
            .expect("the model says the host owns it");
        self.stale.insert(id, handle);
        handle
    }

    fn get(&self, id: u32) -> Handle {
        *self
            .owned
            .get(&id)
            .expect("the model says the host owns it")
    }
}

/// Runs sequences against one compiled guest.
pub struct Runner<'h> {
    linked: LinkedGuest<'h>,
    seed: u64,
}

/// One run in progress.
struct Run<'a> {
    session: Session<'a>,
    handles: Handles,
    model: Model,
    /// Whether to read the guest's report after every step (the leak check
    /// reads it every [`LEAK_CHECK_EVERY`] cycles instead).
    per_step_status: bool,
    /// Thing destructors the model expects that no report has shown yet
    /// (when reports are not read after every step).
    pending_things: Vec<u32>,
    /// Illegal steps the guest's language cannot express.
    misuses_skipped: usize,
    /// In the leak check: go on after a destructor or live-count violation
    /// (keeping the first), to measure what the leak costs.
    keep_going: bool,
    first_violation: Option<Violation>,
}

/// How many leak-check cycles run between two reads of the guest's report
/// (which also empties its destructor log, so that the log's own growth is
/// the same at both measurements).
pub const LEAK_CHECK_EVERY: u32 = 100;

impl<'h> Runner<'h> {
    pub fn new(linked: LinkedGuest<'h>, seed: u64) -> Runner<'h> {
        Runner { linked, seed }
    }

    /// A fresh instance; `Ok(Err(violation))` when the runtime died
    /// instantiating it (a finding).
    fn start(&self, per_step_status: bool) -> Result<Result<Run<'_>, Violation>, HostError> {
        let session = match self.linked.instantiate(self.seed) {
            Ok(session) => session,
            Err(HostError::Crash(crash)) => {
                return Ok(Err(crash_violation(
                    &crash,
                    0,
                    "instantiate".into(),
                    false,
                    String::new(),
                )));
            }
            Err(e) => return Err(e),
        };
        Ok(Ok(Run {
            session,
            handles: Handles::default(),
            model: Model::new(),
            per_step_status,
            pending_things: Vec::new(),
            misuses_skipped: 0,
            keep_going: false,
            first_violation: None,
        }))
    }

    /// Runs `steps` (which must be valid for the model: see
    /// [`super::model::normalise`]) and then the teardown, on a fresh
    /// instance, stopping at the first violation.
    pub fn run(&self, steps: &[Step]) -> Result<SequenceRun, HostError> {
        let mut run = match self.start(true)? {
            Ok(run) => run,
            Err(violation) => {
                return Ok(SequenceRun {
                    steps: 0,
                    illegal: 0,
                    skipped: 0,
                    violation: Some(violation),
                });
            }
        };
        let mut executed = 0;
        let mut illegal = 0;
        let finish = |run: &Run, executed: usize, illegal: usize, violation: Option<Violation>| {
            SequenceRun {
                steps: executed,
                illegal: illegal - run.misuses_skipped,
                skipped: run.misuses_skipped,
                violation,
            }
        };
        for (i, step) in steps.iter().enumerate() {
            if !run.model.applicable(step) {
                break;
            }
            executed += 1;
            illegal += usize::from(step.is_illegal());
            let stepped = run.step(i, step, false);
            if let Some(e) = run.session.take_broken() {
                return Err(e);
            }
            if let Err(v) = stepped {
                return Ok(finish(&run, executed, illegal, Some(v)));
            }
            if run.model.ended() {
                return Ok(finish(&run, executed, illegal, None));
            }
        }
        let teardown = run.model.teardown();
        for (i, step) in teardown.iter().enumerate() {
            executed += 1;
            let stepped = run.step(steps.len() + i, step, true);
            if let Some(e) = run.session.take_broken() {
                return Err(e);
            }
            if let Err(v) = stepped {
                return Ok(finish(&run, executed, illegal, Some(v)));
            }
        }
        Ok(finish(&run, executed, illegal, None))
    }

    /// Runs `cycles` repetitions of one create/drop cycle after a warm-up
    /// (a tenth as many, at least [`LEAK_CHECK_EVERY`]: runtimes with a
    /// collector grow their heap once, early, and then stay), and reports
    /// the guest's memory and allocations before and after. Every
    /// [`LEAK_CHECK_EVERY`] cycles the guest's report is read and its
    /// destructor log and live counts checked against the model, as in a
    /// sequence.
    pub fn leak_check(&self, cycle: Cycle, cycles: u32) -> Result<LeakReport, HostError> {
        let mut report = LeakReport {
            cycle,
            cycles,
            before: Report::default(),
            after: Report::default(),
            violations: vec![],
            completed: false,
        };
        let mut run = match self.start(false)? {
            Ok(run) => run,
            Err(violation) => {
                report.violations.push(violation);
                return Ok(report);
            }
        };
        run.keep_going = true;
        let mut index = 0;
        let mut next_id = 100;
        let setup = cycle.setup();
        let warmup = (cycles / 10).max(LEAK_CHECK_EVERY);
        let outcome = run.exec_all(&setup, &mut index).and_then(|()| {
            let mut done = 0;
            while done < warmup {
                let n = LEAK_CHECK_EVERY.min(warmup - done);
                run.cycles(cycle, n, &mut next_id, &mut index)?;
                report.before = run.collect(index)?;
                done += n;
            }
            let mut done = 0;
            while done < cycles {
                let n = LEAK_CHECK_EVERY.min(cycles - done);
                run.cycles(cycle, n, &mut next_id, &mut index)?;
                report.after = run.collect(index)?;
                done += n;
            }
            Ok(())
        });
        if let Some(e) = run.session.take_broken() {
            return Err(e);
        }
        report.violations.extend(run.first_violation.take());
        if let Err(v) = outcome {
            // A failed call: the instance is gone, and so is the measurement.
            report.violations.push(v);
            return Ok(report);
        }
        report.completed = true;
        report.violations.extend(
            growth(&report.before, &report.after, cycles).map(|message| Violation {
                class: ViolationClass::MemoryGrowth,
                step: index,
                step_text: format!("{cycles} cycles of `{}`", cycle.describe()),
                teardown: false,
                message,
                error: None,
                guest_output: run.session.guest_output(),
            }),
        );
        Ok(report)
    }
}

impl Run<'_> {
    fn violation(
        &self,
        class: ViolationClass,
        index: usize,
        step: &Step,
        teardown: bool,
        message: String,
    ) -> Violation {
        self.violation_at(class, index, step.to_string(), teardown, message)
    }

    fn violation_at(
        &self,
        class: ViolationClass,
        index: usize,
        step_text: String,
        teardown: bool,
        message: String,
    ) -> Violation {
        Violation {
            class,
            step: index,
            step_text,
            teardown,
            message,
            error: None,
            guest_output: self.session.guest_output(),
        }
    }

    fn kind_of(&self, handle: &Handle) -> Kind {
        match handle {
            Handle::Slot {
                resource: Some(TOKEN),
                ..
            }
            | Handle::New { .. } => Kind::Token,
            Handle::Slot { .. } => Kind::Thing,
        }
    }

    /// An own handle to `key` in a returned value; kept by the host.
    fn expect_handle(&mut self, val: Option<&Node>, key: Key) -> Result<(), String> {
        match val {
            Some(Node::Handle(handle)) if owned(handle) && self.kind_of(handle) == key.kind => {
                self.handles.owned.insert(key.id, *handle);
                Ok(())
            }
            Some(Node::Handle(handle)) => Err(format!(
                "expected an own {} handle for {key}, got {} {}",
                key.kind.wit_name(),
                if owned(handle) {
                    "an own"
                } else {
                    "a borrowed"
                },
                self.kind_of(handle).wit_name()
            )),
            other => Err(format!(
                "expected a handle for {key}, got {}",
                other.map_or("nothing".into(), show)
            )),
        }
    }

    /// A `handle` variant holding `key`.
    fn expect_variant(&mut self, val: &Node, key: Key) -> Result<(), String> {
        match val {
            Node::Variant(case, Some(inner)) if case == key.kind.wit_name() => {
                self.expect_handle(Some(inner), key)
            }
            other => Err(format!(
                "expected {}(<own>) for {key}, got {}",
                key.kind.wit_name(),
                show(other)
            )),
        }
    }

    /// Checks a returned value against `ret`, keeping the handles in it.
    fn check_return(&mut self, ret: &Ret, val: Option<Node>) -> Result<(), String> {
        let mismatch = |want: String, got: &Option<Node>| {
            Err(format!(
                "expected {want}, got {}",
                got.as_ref().map_or("nothing".into(), show)
            ))
        };
        match (ret, &val) {
            (Ret::Unit, None) => Ok(()),
            (Ret::Handle(key), _) => self.expect_handle(val.as_ref(), *key),
            (Ret::Id(id), Some(Node::U32(n))) if n == id => Ok(()),
            (Ret::Bool(b), Some(Node::Bool(v))) if v == b => Ok(()),
            (Ret::OptId(want), Some(Node::Option(got)))
                if *got == want.map(|n| Box::new(Node::U32(n))) =>
            {
                Ok(())
            }
            (Ret::Ids(want), Some(Node::List(items)))
                if *items
                    == want
                        .iter()
                        .map(|o| Node::Option(o.map(|n| Box::new(Node::U32(n)))))
                        .collect::<Vec<_>>() =>
            {
                Ok(())
            }
            (Ret::Pair(a, b), Some(Node::Tuple(items)))
                if *items == vec![Node::U32(*a), Node::U32(*b)] =>
            {
                Ok(())
            }
            (Ret::Handles(want), Some(Node::List(items))) if items.len() == want.len() => {
                for (want, item) in want.iter().zip(items) {
                    match (want, item) {
                        (None, Node::Option(None)) => {}
                        (Some(key), Node::Option(Some(inner))) => {
                            self.expect_variant(inner, *key)?
                        }
                        _ => return mismatch(format!("{want:?} in the list"), &Some(item.clone())),
                    }
                }
                Ok(())
            }
            (Ret::TakeOne(Ok(key)), Some(Node::Result(Ok(Some(inner))))) => {
                self.expect_variant(inner, *key)
            }
            (Ret::TakeOne(Err(id)), Some(Node::Result(Err(Some(inner)))))
                if **inner == Node::U32(*id) =>
            {
                Ok(())
            }
            (Ret::Bundle(things, token), Some(Node::Record(fields))) => {
                let field = |name: &str| {
                    fields
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, v)| v.clone())
                };
                match (field("things"), field("token")) {
                    (Some(Node::List(got)), Some(Node::Option(got_token)))
                        if got.len() == things.len() =>
                    {
                        for (key, item) in things.iter().zip(&got) {
                            self.expect_handle(Some(item), *key)?;
                        }
                        match (token, got_token) {
                            (None, None) => Ok(()),
                            (Some(key), Some(inner)) => self.expect_handle(Some(&inner), *key),
                            (want, got) => {
                                mismatch(format!("token {want:?}"), &Some(Node::Option(got)))
                            }
                        }
                    }
                    _ => mismatch(format!("a bundle of {} things", things.len()), &val),
                }
            }
            (Ret::Swapped(token, thing), Some(Node::Tuple(items))) if items.len() == 2 => {
                self.expect_handle(Some(&items[0]), *token)?;
                self.expect_handle(Some(&items[1]), *thing)
            }
            (Ret::Reused(new), Some(Node::Tuple(items))) => match items.as_slice() {
                [Node::U32(old), Node::U32(fresh), Node::U32(read)]
                    if old == fresh && read == new =>
                {
                    Ok(())
                }
                [Node::U32(old), Node::U32(fresh), Node::U32(read)] => Err(format!(
                    "the freed index {old} was not reused for the new token (index {fresh}), or reading through it \
                     gave id {read}, not {new}"
                )),
                _ => mismatch("(old index, new index, id)".into(), &val),
            },
            _ => mismatch(format!("{ret:?}"), &val),
        }
    }

    /// An own handle to pass for `arg`.
    fn pass(&mut self, arg: Arg) -> Handle {
        match arg {
            Arg::Held(key) => self.handles.take(key.id),
            Arg::NewToken(id) => self.session.mint_token(id),
        }
    }

    fn call(&mut self, name: &str, args: &[Node], results: usize) -> Actual {
        match self.session.call(name, args, results) {
            Ok(val) => Actual::Returned(val),
            Err(e) => Actual::CallFailed(e),
        }
    }

    /// Performs the step's call(s).
    fn execute(&mut self, step: &Step) -> Actual {
        let token = |h: Handle| Node::Handle(h);
        match step {
            Step::New { id, via } => {
                let name = match via {
                    super::step::Via::Constructor => "[constructor]thing",
                    super::step::Via::Static => "[static]thing.make",
                };
                self.call(name, &[Node::U32(*id)], 1)
            }
            Step::Create { key } => self.call("create", &[key_node(*key)], 0),
            Step::Hold { items } => {
                let list = items
                    .iter()
                    .map(|item| {
                        Node::Option(
                            item.map(|arg| Box::new(variant(arg.key().kind, self.pass(arg)))),
                        )
                    })
                    .collect();
                self.call("hold", &[Node::List(list)], 0)
            }
            Step::HoldBundle { things, token: t } => {
                let things = things
                    .iter()
                    .map(|&id| Node::Handle(self.handles.take(id)))
                    .collect();
                let t = Node::Option(t.map(|arg| Box::new(token(self.pass(arg)))));
                self.call(
                    "hold-bundle",
                    &[Node::Record(vec![
                        ("things".into(), Node::List(things)),
                        ("token".into(), t),
                    ])],
                    0,
                )
            }
            Step::Swap { thing, token: t } => {
                let thing = Node::Handle(self.handles.take(*thing));
                let t = token(self.pass(*t));
                self.call("swap", &[Node::Tuple(vec![thing, t])], 1)
            }
            Step::Take { keys } => self.call(
                "take",
                &[Node::List(keys.iter().map(|k| key_node(*k)).collect())],
                1,
            ),
            Step::TakeOne { key } => self.call("take-one", &[key_node(*key)], 1),
            Step::TakeBundle { things, token: t } => {
                let things = Node::List(things.iter().map(|&id| Node::U32(id)).collect());
                let t = Node::Option(t.map(|id| Box::new(Node::U32(id))));
                self.call("take-bundle", &[things, t], 1)
            }
            Step::Release { key } => self.call("release", &[key_node(*key)], 1),
            Step::Drop { key } => {
                let handle = self.handles.take(key.id);
                match self.session.drop_handle(handle) {
                    Ok(()) => Actual::Returned(None),
                    Err(e) => Actual::DropFailed(e),
                }
            }
            Step::Method { thing } => {
                let h = self.handles.get(*thing);
                self.call("[method]thing.id", &[Node::Handle(h)], 1)
            }
            Step::Inspect { key } => {
                let h = self.handles.get(key.id);
                self.call("inspect", &[variant(key.kind, h)], 1)
            }
            Step::InspectThings { items } => {
                let list = items
                    .iter()
                    .map(|item| {
                        Node::Option(item.map(|id| Box::new(Node::Handle(self.handles.get(id)))))
                    })
                    .collect();
                self.call("inspect-things", &[Node::List(list)], 1)
            }
            Step::InspectPair { thing, token: t } => {
                let (a, b) = (self.handles.get(*thing), self.handles.get(*t));
                self.call(
                    "inspect-pair",
                    &[Node::Record(vec![
                        ("thing".into(), Node::Handle(a)),
                        ("token".into(), Node::Handle(b)),
                    ])],
                    1,
                )
            }
            Step::InspectTuple { thing, token: t } => {
                let (a, b) = (self.handles.get(*thing), self.handles.get(*t));
                self.call(
                    "inspect-tuple",
                    &[Node::Tuple(vec![Node::Handle(a), Node::Handle(b)])],
                    1,
                )
            }
            Step::Poke { key } => self.call("poke", &[key_node(*key)], 1),
            Step::UseStale { key } => {
                let h = self.handles.stale[&key.id];
                match key.kind {
                    Kind::Thing => self.call("[method]thing.id", &[Node::Handle(h)], 1),
                    Kind::Token => self.call("inspect", &[variant(Kind::Token, h)], 1),
                }
            }
            Step::DropStale { key } => {
                match self.session.drop_handle(self.handles.stale[&key.id]) {
                    Ok(()) => Actual::Returned(None),
                    Err(e) => Actual::DropFailed(e),
                }
            }
            Step::DropBorrowed { key, token: t } => {
                self.session.log().drop_probe = Some(self.handles.get(key.id));
                let tok = self.handles.get(*t);
                match key.kind {
                    Kind::Token => self.call("inspect", &[variant(Kind::Token, tok)], 1),
                    Kind::Thing => {
                        let thing = self.handles.get(key.id);
                        self.call(
                            "inspect-pair",
                            &[Node::Record(vec![
                                ("thing".into(), Node::Handle(thing)),
                                ("token".into(), Node::Handle(tok)),
                            ])],
                            1,
                        )
                    }
                }
            }
            Step::HoldTwice { key } => {
                let h = self.handles.take(key.id);
                let item = some(variant(key.kind, h));
                self.call("hold", &[Node::List(vec![item.clone(), item])], 0)
            }
            Step::GuestUseAfterDrop { token: t } => {
                self.call("misuse-use-after-drop", &[Node::U32(*t)], 1)
            }
            Step::GuestDoubleDrop { token: t } => {
                self.call("misuse-double-drop", &[Node::U32(*t)], 0)
            }
            Step::GuestKeepBorrow { token: t } => {
                let h = self.handles.get(*t);
                match self.call("misuse-keep-borrow", &[Node::Handle(h)], 1) {
                    Actual::Returned(Some(Node::Bool(false))) => Actual::CannotMisuse,
                    other => other,
                }
            }
            Step::GuestUseStash { token: t } => {
                let h = self.handles.get(*t);
                match self.session.call("stash-borrow", &[Node::Handle(h)], 0) {
                    Ok(_) => self.call("misuse-use-stash", &[], 1),
                    Err(e) => Actual::PreludeFailed("stash-borrow", e),
                }
            }
            Step::GuestReuseSlot { old, new } => {
                self.call("misuse-reuse-slot", &[Node::U32(*old), Node::U32(*new)], 1)
            }
        }
    }

    fn unexpected_failure(&self, e: &CallError) -> ViolationClass {
        unexpected_failure(e)
    }

    /// The guest's report (the instance must be usable).
    fn status(&mut self) -> Result<Report, CallError> {
        let val = self.session.call("status", &[], 1)?;
        let memory = self.session.memory_bytes()?;
        Report::from_node(val.as_ref().unwrap_or(&Node::Bool(false)), memory)
            .map_err(CallError::witness)
    }

    /// Runs `steps`, counting them from `index`.
    fn exec_all(&mut self, steps: &[Step], index: &mut usize) -> Result<(), Violation> {
        for step in steps {
            self.step(*index, step, false)?;
            *index += 1;
        }
        Ok(())
    }

    /// Runs `n` cycles of `cycle`, with new ids from `next_id`.
    fn cycles(
        &mut self,
        cycle: Cycle,
        n: u32,
        next_id: &mut u32,
        index: &mut usize,
    ) -> Result<(), Violation> {
        for _ in 0..n {
            let body = cycle.body(*next_id);
            *next_id += 2;
            self.exec_all(&body, index)?;
        }
        Ok(())
    }

    /// Reads the guest's report and checks the destructors it logged since
    /// the last one, and the live counts, against the model.
    fn collect(&mut self, index: usize) -> Result<Report, Violation> {
        let report = self.status().map_err(|e| {
            if let Some(crash) = &e.crash {
                return crash_violation(
                    crash,
                    index,
                    "status".into(),
                    false,
                    self.session.guest_output(),
                );
            }
            let mut v = self.violation_at(
                self.unexpected_failure(&e),
                index,
                "status".into(),
                false,
                format!("the guest's status call failed: {}", e.root_cause),
            );
            v.error = Some(e.message);
            v
        })?;
        let pending = Expect {
            outcome: Outcome::Returns(Ret::Unit),
            destroyed: std::mem::take(&mut self.pending_things)
                .into_iter()
                .map(Key::thing)
                .collect(),
            constructed: vec![],
            probe: None,
        };
        if let Err((class, message)) = self.check_report(&pending, &report) {
            let v = self.violation_at(class, index, "status".into(), false, message);
            if !self.keep_going {
                return Err(v);
            }
            self.first_violation.get_or_insert(v);
        }
        Ok(report)
    }

    /// Runs one step and checks everything the model expects of it.
    fn step(&mut self, index: usize, step: &Step, teardown: bool) -> Result<(), Violation> {
        match self.step_checked(index, step, teardown) {
            Err(v) if self.keep_going && v.class.is_destructor_count() => {
                self.first_violation.get_or_insert(v);
                Ok(())
            }
            other => other,
        }
    }

    /// Runs one step and checks it; the first failed check is the error.
    fn step_checked(&mut self, index: usize, step: &Step, teardown: bool) -> Result<(), Violation> {
        let expect = self.model.apply(step);
        if !self.per_step_status {
            self.pending_things.extend(
                expect
                    .destroyed
                    .iter()
                    .filter(|k| k.kind == Kind::Thing)
                    .map(|k| k.id),
            );
        }
        let actual = self.execute(step);
        let fail = |run: &Self, class, message: String, error: Option<&CallError>| {
            if let Some(crash) = error.and_then(|e| e.crash.as_ref()) {
                return crash_violation(
                    crash,
                    index,
                    step.to_string(),
                    teardown,
                    run.session.guest_output(),
                );
            }
            let mut v = run.violation(class, index, step, teardown, message);
            v.error = error.map(|e| e.message.clone());
            v
        };
        match (&expect.outcome, actual) {
            (_, Actual::CannotMisuse) => {
                self.misuses_skipped += 1;
                return Ok(());
            }
            (_, Actual::PreludeFailed(call, e)) => {
                let class = self.unexpected_failure(&e);
                return Err(fail(
                    self,
                    class,
                    format!(
                        "the legal call `{call}` before the misuse failed: {}",
                        e.root_cause
                    ),
                    Some(&e),
                ));
            }
            (Outcome::Returns(ret), Actual::Returned(val)) => {
                if let Err(message) = self.check_return(ret, val) {
                    return Err(fail(self, ViolationClass::WrongResult, message, None));
                }
            }
            (Outcome::Returns(_), Actual::CallFailed(e) | Actual::DropFailed(e)) => {
                let class = self.unexpected_failure(&e);
                let what = if e.out_of_fuel {
                    "ran out of fuel"
                } else {
                    "failed"
                };
                return Err(fail(
                    self,
                    class,
                    format!("a legal step {what}: {}", e.root_cause),
                    Some(&e),
                ));
            }
            (Outcome::Traps(class) | Outcome::Fails(class), Actual::Returned(val)) => {
                return Err(fail(
                    self,
                    ViolationClass::MissingTrap,
                    format!(
                        "the step must fail with a {class} error, but it returned {}",
                        val.as_ref().map_or("normally".into(), show)
                    ),
                    None,
                ));
            }
            (
                Outcome::Traps(class) | Outcome::Fails(class),
                Actual::CallFailed(e) | Actual::DropFailed(e),
            ) => {
                if messages::classify(&e.message) != Some(*class) {
                    let got = self.unexpected_failure(&e);
                    let violation = if got == ViolationClass::GcTrap {
                        got
                    } else {
                        ViolationClass::MissingTrap
                    };
                    return Err(fail(
                        self,
                        violation,
                        format!(
                            "the step must fail with a {class} error, but it failed with: {}",
                            e.root_cause
                        ),
                        Some(&e),
                    ));
                }
            }
        }
        self.check_probe(&expect)
            .map_err(|(class, message)| fail(self, class, message, None))?;
        self.check_host_log(&expect)
            .map_err(|(class, message)| fail(self, class, message, None))?;
        if self.per_step_status && !self.model.ended() {
            let report = match self.status() {
                Ok(report) => report,
                Err(e) => {
                    let class = self.unexpected_failure(&e);
                    return Err(fail(
                        self,
                        class,
                        format!(
                            "the guest's status call after the step failed: {}",
                            e.root_cause
                        ),
                        Some(&e),
                    ));
                }
            };
            self.check_report(&expect, &report)
                .map_err(|(class, message)| fail(self, class, message, None))?;
        }
        Ok(())
    }

    fn check_probe(&mut self, expect: &Expect) -> Result<(), (ViolationClass, String)> {
        let Some(class) = expect.probe else {
            return Ok(());
        };
        let log = self.session.log();
        log.drop_probe = None;
        match log.probe_result.take() {
            None => Err((
                ViolationClass::WrongResult,
                "the guest never forwarded the borrowed token to `see`".into(),
            )),
            Some(Ok(())) => Err((
                ViolationClass::MissingTrap,
                format!(
                    "the host dropped an own handle while it was lent, which must fail with a {class} error"
                ),
            )),
            Some(Err(message)) if messages::classify(&message) == Some(class) => Ok(()),
            Some(Err(message)) => Err((
                ViolationClass::MissingTrap,
                format!(
                    "dropping a lent handle must fail with a {class} error, but it failed with: {message}"
                ),
            )),
        }
    }

    /// Compares destructor runs of `kind` with the model's; `model` is the
    /// state after the step (a resource that is dead there and was not
    /// expected to die in this step was dead before it).
    fn check_destructors(
        kind: Kind,
        ran: &[u32],
        expect: &Expect,
        model: &Model,
    ) -> Result<(), (ViolationClass, String)> {
        let mut expected: Vec<u32> = expect
            .destroyed
            .iter()
            .filter(|k| k.kind == kind)
            .map(|k| k.id)
            .collect();
        let name = kind.wit_name();
        for (i, &id) in ran.iter().enumerate() {
            let key = Key { kind, id };
            if let Some(at) = expected.iter().position(|&e| e == id) {
                expected.remove(at);
                continue;
            }
            let twice = ran[..i].contains(&id);
            return Err(match model.entity(id) {
                _ if twice => (
                    ViolationClass::DoubleDestructor,
                    format!("the destructor of {name} {key} ran twice in one step"),
                ),
                Some(e) if e.kind == kind && e.owner == super::model::Owner::Dead => (
                    ViolationClass::DoubleDestructor,
                    format!("the destructor of {name} {key} ran again; it had already run"),
                ),
                Some(e) if e.kind == kind => (
                    ViolationClass::EarlyDestructor,
                    format!("the destructor of {name} {key} ran while it was still owned"),
                ),
                _ => (
                    ViolationClass::WrongResult,
                    format!("a destructor ran for {name} {key}, which was never made"),
                ),
            });
        }
        if let Some(&id) = expected.first() {
            return Err((
                ViolationClass::Leak,
                format!(
                    "the destructor of {name} {} did not run when its last own handle was dropped",
                    Key { kind, id }
                ),
            ));
        }
        Ok(())
    }

    /// Token destructors, token constructors and host-function problems.
    fn check_host_log(&mut self, expect: &Expect) -> Result<(), (ViolationClass, String)> {
        let log = self.session.log();
        let destroyed = std::mem::take(&mut log.destroyed);
        let constructed = std::mem::take(&mut log.constructed);
        let problems = std::mem::take(&mut log.problems);
        if let Some(problem) = problems.first() {
            return Err((ViolationClass::WrongResult, problem.clone()));
        }
        Self::check_destructors(Kind::Token, &destroyed, expect, &self.model)?;
        if constructed != expect.constructed {
            return Err((
                ViolationClass::WrongResult,
                format!(
                    "the guest constructed tokens {constructed:?}, the model expects {:?}",
                    expect.constructed
                ),
            ));
        }
        if self.session.log().live_tokens != *self.model.live_tokens() {
            let live = self.session.log().live_tokens.clone();
            return Err((
                ViolationClass::Leak,
                format!(
                    "the host has tokens {live:?} live, the model {:?}",
                    self.model.live_tokens()
                ),
            ));
        }
        Ok(())
    }

    /// Thing destructors and the live count, from the guest's report.
    fn check_report(
        &mut self,
        expect: &Expect,
        report: &Report,
    ) -> Result<(), (ViolationClass, String)> {
        Self::check_destructors(Kind::Thing, &report.destroyed, expect, &self.model)?;
        let want = self.model.live_things();
        if report.live > want {
            return Err((
                ViolationClass::Leak,
                format!(
                    "the guest reports {} live things, the model {want}",
                    report.live
                ),
            ));
        }
        if report.live < want {
            return Err((
                ViolationClass::EarlyDestructor,
                format!(
                    "the guest reports {} live things, the model {want}",
                    report.live
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
