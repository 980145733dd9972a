//! Handles over the executor protocol, on the real 48.0.8 executor and the
//! Rust resources guest: guest handles made, borrowed, dropped and used
//! stale; a host resource made by the parent, given to the guest and taken
//! back; a borrow read by the parent's import, a drop while lent refused
//! inside the import call; destructors of both sides seen where they run.

use crate::disk::Cache;
use crate::runtime::RuntimeSpec;
use crate::runtime::executor::{Answered, Ended, Executor, LoadRequest, Peer};
use std::time::Duration;
use witness_executor_protocol::{ErrorInfo, Handle, Node, Reply, Request, Value};

/// The parent's side: answers `token`'s methods and `see`, and logs.
#[derive(Default)]
struct Log {
    imports: Vec<(String, Vec<Node>)>,
    /// A slot to drop inside the next `see`.
    drop_in_see: Option<u32>,
    dropped: Vec<Option<ErrorInfo>>,
    destructors: Vec<(u32, u32)>,
}

fn rep_of(node: &Node) -> u32 {
    match node {
        Node::Handle(Handle::Slot {
            own: false,
            resource: Some(0),
            rep: Some(rep),
            ..
        }) => *rep,
        other => panic!("expected a borrowed token, got {other:?}"),
    }
}

impl Peer for Log {
    fn import(&mut self, _interface: &str, func: &str, args: Vec<Value>) -> Answered {
        let args: Vec<Node> = args
            .into_iter()
            .map(|v| match v {
                Value::Tree(n) => n,
                other => panic!("a tree was asked for, got {other:?}"),
            })
            .collect();
        self.imports.push((func.to_string(), args.clone()));
        let (result, drop_first) = match func {
            "[constructor]token" => {
                let Node::U32(id) = args[0] else {
                    panic!("{args:?}")
                };
                (
                    Node::Handle(Handle::New {
                        resource: 0,
                        rep: id,
                    }),
                    None,
                )
            }
            "[method]token.id" => (Node::U32(rep_of(&args[0])), None),
            "see" => (Node::U32(rep_of(&args[0])), self.drop_in_see.take()),
            other => panic!("no import `{other}`"),
        };
        Answered {
            results: Ok(vec![Value::Tree(result)]),
            drop_first,
        }
    }

    fn dropped(&mut self, error: Option<ErrorInfo>) {
        self.dropped.push(error);
    }

    fn destructor(&mut self, resource: u32, rep: u32) {
        self.destructors.push((resource, rep));
    }
}

fn tree(reply: Ended) -> Vec<Node> {
    match reply {
        Ended::Reply(Reply::Returned { results, .. }) => results
            .into_iter()
            .map(|v| match v {
                Value::Tree(n) => n,
                other => panic!("a tree was asked for, got {other:?}"),
            })
            .collect(),
        other => panic!("expected a return, got {other:?}"),
    }
}

fn slot(node: &Node) -> (u32, bool, Option<u32>) {
    match node {
        Node::Handle(Handle::Slot {
            slot,
            own,
            resource,
            ..
        }) => (*slot, *own, *resource),
        other => panic!("expected a handle, got {other:?}"),
    }
}

fn token_key(id: u32) -> Node {
    Node::Record(vec![
        ("kind".into(), Node::Enum("token".into())),
        ("id".into(), Node::U32(id)),
    ])
}

#[test]
fn handles_cross_the_executor_protocol_with_their_identity_and_destructors() {
    let (component, _) = super::build_guest("rust", None, &Cache::from_env())
        .unwrap()
        .unwrap();
    let mut executor = Executor::start(&RuntimeSpec::in_process(), true).unwrap();
    let load = LoadRequest {
        component: executor.component_file(&component).unwrap(),
        sandbox: super::test_support::host().sandbox(),
        imports: vec![(
            super::world::HOST.into(),
            vec![
                "[constructor]token".into(),
                "[method]token.id".into(),
                "see".into(),
            ],
        )],
        resources: vec![(super::world::HOST.into(), "token".into())],
        trees: true,
    };
    let mut log = Log::default();
    assert!(matches!(
        executor.instantiate_with(&load, 1, &mut log).unwrap(),
        Ended::Reply(Reply::Instantiated)
    ));
    let deadline = Duration::from_secs(10);
    let call = |executor: &mut Executor, log: &mut Log, func: &str, args: Vec<Node>| {
        executor
            .exchange_with(
                &load,
                &Request::Call {
                    interface: Some(super::world::API.into()),
                    func: func.into(),
                    args: args.into_iter().map(Value::Tree).collect(),
                },
                deadline,
                log,
            )
            .unwrap()
    };

    let drop = |executor: &mut Executor, log: &mut Log, slot: u32| {
        executor
            .exchange_with(&load, &Request::DropHandle { slot }, deadline, log)
            .unwrap()
    };

    // A guest resource: made, read through a borrow of it.
    let made = tree(call(
        &mut executor,
        &mut log,
        "[constructor]thing",
        vec![Node::U32(7)],
    ));
    let (thing, own, resource) = slot(&made[0]);
    assert!(own && resource.is_none(), "{made:?}");
    let id = tree(call(
        &mut executor,
        &mut log,
        "[method]thing.id",
        vec![made[0].clone()],
    ));
    assert_eq!(id, [Node::U32(7)]);

    // A host resource the parent makes, given to the guest and taken back.
    let new_token = Node::Handle(Handle::New {
        resource: 0,
        rep: 5,
    });
    let given = Node::List(vec![Node::Option(Some(Box::new(Node::Variant(
        "token".into(),
        Some(Box::new(new_token)),
    ))))]);
    assert_eq!(tree(call(&mut executor, &mut log, "hold", vec![given])), []);
    let taken = tree(call(
        &mut executor,
        &mut log,
        "take",
        vec![Node::List(vec![token_key(5)])],
    ));
    let Node::List(items) = &taken[0] else {
        panic!("{taken:?}")
    };
    let Node::Option(Some(variant)) = &items[0] else {
        panic!("{taken:?}")
    };
    let Node::Variant(case, Some(handle)) = &**variant else {
        panic!("{taken:?}")
    };
    assert_eq!(case, "token");
    let (token, own, resource) = slot(handle);
    assert!(own && resource == Some(0), "{taken:?}");
    assert_ne!(token, thing);

    // Lent to the guest, which reads it through the parent's imports; the
    // parent's drop of its own handle while it is lent must fail.
    log.drop_in_see = Some(token);
    let lens = Node::Variant("token".into(), Some(handle.clone()));
    let seen = tree(call(&mut executor, &mut log, "inspect", vec![lens]));
    assert_eq!(seen, [Node::U32(5)]);
    let funcs: Vec<&str> = log.imports.iter().map(|(f, _)| f.as_str()).collect();
    assert!(funcs.contains(&"see"), "{funcs:?}");
    assert_eq!(log.dropped.len(), 1);
    let refused = log.dropped[0]
        .as_ref()
        .expect("a drop while lent must fail");
    assert!(!refused.message.is_empty());
    assert!(log.destructors.is_empty(), "{:?}", log.destructors);

    // Dropped by the parent: the host destructor runs and is reported.
    let dropped = drop(&mut executor, &mut log, token);
    assert!(
        matches!(dropped, Ended::Reply(Reply::Dropped { error: None })),
        "{dropped:?}"
    );
    assert_eq!(log.destructors, [(0, 5)]);

    // The guest resource dropped: its destructor ran in the guest, and the
    // stale handle is refused.
    let dropped = drop(&mut executor, &mut log, thing);
    assert!(matches!(
        dropped,
        Ended::Reply(Reply::Dropped { error: None })
    ));
    let report = tree(call(&mut executor, &mut log, "status", vec![]));
    let Node::Record(fields) = &report[0] else {
        panic!("{report:?}")
    };
    assert_eq!(fields[0], ("live".into(), Node::U32(0)));
    assert_eq!(
        fields[1],
        ("destroyed".into(), Node::List(vec![Node::U32(7)]))
    );
    let stale = call(
        &mut executor,
        &mut log,
        "[method]thing.id",
        vec![made[0].clone()],
    );
    assert!(
        matches!(stale, Ended::Reply(Reply::Trapped { .. })),
        "a stale handle was accepted: {stale:?}"
    );
    let again = drop(&mut executor, &mut log, thing);
    assert!(
        matches!(again, Ended::Reply(Reply::Dropped { error: Some(_) })),
        "a second drop was accepted: {again:?}"
    );

    let memory = executor
        .exchange_with(&load, &Request::Memory, deadline, &mut log)
        .unwrap();
    assert!(
        matches!(memory, Ended::Reply(Reply::Memory { bytes }) if bytes >= 65536),
        "{memory:?}"
    );
}

/// A resources campaign on `placement`, findings in a fresh corpus.
fn campaign(
    placement: crate::runtime::Placement,
    fault: Option<crate::resources::Fault>,
    sequences: u64,
    cycles: u32,
) -> (crate::resources::Summary, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap().keep();
    let config = crate::resources::ResourcesConfig {
        sequences,
        cycles,
        fault,
        findings_dir: dir.join("findings"),
        host: crate::host::HostConfig {
            placement,
            ..crate::host::HostConfig::default()
        },
        ..crate::resources::ResourcesConfig::default()
    };
    let summary = crate::resources::run(&config, &Cache::from_env()).unwrap();
    (summary, dir.join("findings"))
}

/// The same seeded campaign in process and on the 48.0.8 executor
/// (`--isolate`): the same sequences, steps, violations and findings, for a
/// healthy guest and for one whose fault the oracles must see through the
/// protocol.
#[test]
fn a_campaign_on_the_executor_tallies_what_it_does_in_process() {
    use crate::resources::Fault;
    let isolated = crate::runtime::Placement::Executor(RuntimeSpec::in_process());
    for fault in [None, Some(Fault::NeverDestroy), Some(Fault::KeepReleased)] {
        let (here, here_dir) = campaign(crate::runtime::Placement::InProcess, fault, 25, 50);
        let (there, there_dir) = campaign(isolated.clone(), fault, 25, 50);
        let tally = |s: &crate::resources::Summary| {
            let l = &s.languages[0];
            (
                l.sequences,
                l.steps,
                l.illegal,
                l.violations.clone(),
                l.tally.passed,
                l.tally.failed,
            )
        };
        assert_eq!(
            tally(&here),
            tally(&there),
            "{fault:?}\n{}\n{}",
            here.table(),
            there.table()
        );
        if fault.is_some() {
            assert!(
                here.failed() > 0,
                "{fault:?}: the fault was not seen\n{}",
                here.table()
            );
        }
        let ids = |d: &std::path::Path| -> Vec<String> {
            let mut v: Vec<String> = std::fs::read_dir(d)
                .map(|r| {
                    r.flatten()
                        .map(|e| e.file_name().to_string_lossy().into())
                        .collect()
                })
                .unwrap_or_default();
            v.sort();
            v
        };
        assert_eq!(ids(&here_dir), ids(&there_dir), "{fault:?}");
    }
}

/// An executor that dies on every call: each sequence is a `host-crash`
/// finding with the executor's class, the next sequence gets a new
/// executor, and the campaign runs to its end.
#[test]
fn a_crashing_executor_is_a_host_crash_finding_and_the_campaign_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let binary = crate::runtime::fake::executor(dir.path(), "42.0.1", "kill -SEGV $$").unwrap();
    let placement = crate::runtime::Placement::Binary("wasmtime@42.0.1".parse().unwrap(), binary);
    let (summary, findings) = campaign(placement, None, 6, 0);
    let rust = &summary.languages[0];
    assert_eq!(rust.sequences, 6, "{}", summary.table());
    assert_eq!(rust.tally.failed, 6, "{}", summary.table());
    assert_eq!(
        rust.violations
            .get(&crate::resources::runner::ViolationClass::HostCrash),
        Some(&6),
        "{}",
        summary.table()
    );
    assert!(
        summary.table().contains("host crash"),
        "{}",
        summary.table()
    );
    let written: Vec<_> = std::fs::read_dir(&findings).unwrap().flatten().collect();
    assert!(!written.is_empty());
    for entry in written {
        let f = crate::finding::load(&entry.path()).unwrap();
        assert_eq!(
            f.meta.kind,
            crate::finding::Kind::HostCrash,
            "{}",
            f.meta.signature
        );
        assert!(f.meta.signature.contains("SIGSEGV"), "{}", f.meta.signature);
        assert_eq!(f.meta.versions["wasmtime"], "42.0.1");
    }
}
