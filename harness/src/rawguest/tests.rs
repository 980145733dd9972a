//! Raw guests built and run with hand-made plans.

use std::collections::VecDeque;

use wasmtime::component::Val;

use super::host::{Event, Plan, RawProgram, Step, compile};
use super::*;
use crate::disk::Cache;
use crate::host::{Host, HostConfig};
use crate::ty::{Param, Ty};

fn host() -> Host {
    let cache = Cache::at(tempfile::tempdir().unwrap().keep());
    Host::new(HostConfig::default(), &cache).unwrap()
}

fn options(encoding: StringEncoding) -> CanonOptions {
    CanonOptions {
        encoding,
        memory: true,
        realloc: true,
        post_return: true,
    }
}

fn u32_guest() -> (CaseWorld, RawGuest) {
    let func = Func {
        name: "f".into(),
        params: vec![Param {
            name: "x".into(),
            ty: Ty::U32,
        }],
        result: Some(Ty::U32),
    };
    let guest = RawGuest {
        id: 0,
        func,
        lift: options(StringEncoding::Utf8),
        lower: options(StringEncoding::Utf16),
        abi_pages: 1,
        abi_first: false,
        script: ScriptEntry::spares().to_vec(),
    };
    (CaseWorld::default(), guest)
}

#[test]
fn a_scalar_guest_reports_and_follows_its_steps() {
    let (world, guest) = u32_guest();
    let bytes = build(&world, &guest).unwrap();
    let host = host();
    let component = compile(&host, &bytes).unwrap();
    let program = RawProgram::new(&host, &component, "f").unwrap();
    let plan = Plan {
        steps: vec![VecDeque::from([
            Step {
                call: true,
                flat: vec![7],
                pages: 1,
                image: vec![],
            },
            Step {
                call: false,
                flat: vec![11],
                pages: 1,
                image: vec![1, 2, 3],
            },
        ])],
        upstream: VecDeque::from([Some(Val::U32(9))]),
    };
    let obs = program.run(plan, &[Val::U32(5)], true, 1).unwrap();
    assert_eq!(obs.outcome, Ok(Some(Val::U32(11))));
    let reports: Vec<_> = obs.reports().collect();
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0].flat, vec![5]);
    assert_eq!(reports[1].flat, vec![9]);
    assert_eq!(reports[0].memory.len(), 65536);
    assert!(
        obs.events
            .iter()
            .any(|e| matches!(e, Event::Upstream(a) if a == &[Val::U32(7)]))
    );
    let control = obs.control_after.unwrap();
    let word = |at: u32| u32::from_le_bytes(control[at as usize..][..4].try_into().unwrap());
    assert_eq!(word(layout::STATE_POST_COUNT), 1);
    assert_eq!(word(layout::STATE_POST_ARG), 11);
}

fn string_guest(script: Vec<ScriptEntry>) -> (CaseWorld, RawGuest) {
    let func = Func {
        name: "take".into(),
        params: vec![Param {
            name: "s".into(),
            ty: Ty::String,
        }],
        result: None,
    };
    let guest = RawGuest {
        id: 3,
        func,
        lift: options(StringEncoding::Utf8),
        lower: options(StringEncoding::Utf8),
        abi_pages: 1,
        abi_first: true,
        script,
    };
    (CaseWorld::default(), guest)
}

fn run_string_guest(script: Vec<ScriptEntry>, text: &str) -> super::host::Observation {
    let (world, guest) = string_guest(script);
    let host = host();
    let component = compile(&host, &build(&world, &guest).unwrap()).unwrap();
    let program = RawProgram::new(&host, &component, "take").unwrap();
    let mut steps = vec![VecDeque::new(); 4];
    steps[3].push_back(Step {
        call: false,
        flat: vec![],
        pages: 1,
        image: vec![],
    });
    let plan = Plan {
        steps,
        upstream: VecDeque::new(),
    };
    program
        .run(plan, &[Val::String(text.into())], false, 1)
        .unwrap()
}

#[test]
fn realloc_follows_its_script_and_logs_each_call() {
    let obs = run_string_guest(vec![ScriptEntry::serve(2, 65536 + 3)], "hello");
    assert_eq!(obs.outcome, Ok(None));
    let report = obs.reports().next().unwrap();
    assert_eq!(report.id, 3);
    assert_eq!(report.flat, vec![65539, 5]);
    assert_eq!(
        report.memory.len(),
        2 * 65536,
        "the entry grew the memory to 2 pages"
    );
    assert_eq!(&report.memory[65539..65544], b"hello");
    let word = |at: u32| u32::from_le_bytes(report.control[at as usize..][..4].try_into().unwrap());
    let entry = layout::SCRIPT_BASE;
    assert_eq!(word(entry + layout::ENTRY_USED), 1);
    assert_eq!(
        [
            layout::ENTRY_OLD_PTR,
            layout::ENTRY_OLD_SIZE,
            layout::ENTRY_ALIGN,
            layout::ENTRY_NEW_SIZE
        ]
        .map(|o| word(entry + o)),
        [0, 0, 1, 5]
    );
}

#[test]
fn past_its_script_realloc_hands_out_spare_blocks() {
    // An unexpected call: a logged spare entry, then one past the script.
    for script in [ScriptEntry::spares().to_vec(), vec![]] {
        let obs = run_string_guest(script.clone(), "spare");
        assert_eq!(obs.outcome, Ok(None));
        let report = obs.reports().next().unwrap();
        assert_eq!(
            report.flat,
            vec![65536, 5],
            "the block starts at the old end of memory"
        );
        assert_eq!(&report.memory[65536..65541], b"spare");
        let logged = report
            .control
            .get((layout::SCRIPT_BASE + layout::ENTRY_USED) as usize)
            .copied();
        assert_eq!(
            logged.unwrap_or(0),
            u8::from(!script.is_empty()),
            "logged only in a spare entry"
        );
    }
}
