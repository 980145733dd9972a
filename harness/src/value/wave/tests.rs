use arbitrary::Unstructured;
use wasmtime::component::{Type, Val};

use super::*;
use crate::value::test_worlds::{TestFunc, all_kinds};
use crate::value::{ValueConfig, arbitrary_val, compare};

/// Whether wasmtime's own WAVE support lacks something in `ty` (maps in
/// both directions, fixed-length lists when reading).
fn beyond_wasmtime(ty: &Type) -> bool {
    match ty {
        Type::Map(_) | Type::FixedLengthList(_) => true,
        Type::List(l) => beyond_wasmtime(&l.ty()),
        Type::Record(r) => r.fields().any(|f| beyond_wasmtime(&f.ty)),
        Type::Tuple(t) => t.types().any(|t| beyond_wasmtime(&t)),
        Type::Variant(v) => v
            .cases()
            .any(|c| c.ty.as_ref().is_some_and(beyond_wasmtime)),
        Type::Option(o) => beyond_wasmtime(&o.ty()),
        Type::Result(r) => {
            r.ok().as_ref().is_some_and(beyond_wasmtime)
                || r.err().as_ref().is_some_and(beyond_wasmtime)
        }
        _ => false,
    }
}

fn param_types(f: &TestFunc) -> Vec<(String, Type)> {
    f.params
        .iter()
        .map(|(n, _, t)| (n.clone(), t.clone()))
        .collect()
}

fn ty_of<'w>(f: &'w TestFunc, param: &str) -> &'w Type {
    &f.params.iter().find(|p| p.0 == param).expect("parameter").2
}

#[test]
fn generated_values_round_trip_and_match_wasm_wave() {
    let w = all_kinds();
    let config = ValueConfig::default();
    let (mut ours, mut theirs) = (0, 0);
    for seed in 0..250 {
        let bytes = crate::seed::bytes(seed, &[0x3a7e], 16 * 1024);
        let mut u = Unstructured::new(&bytes);
        for f in &w.funcs {
            let result = f
                .result
                .iter()
                .map(|(ty, wasm)| ("result".to_string(), ty.clone(), wasm.clone()));
            for (name, ty, wasm_ty) in f.params.iter().cloned().chain(result) {
                let v = arbitrary_val(&w.world, &ty, &config, &mut u).expect("a value");
                let text = to_wave(&v).expect("plain data");
                let back = from_wave(&wasm_ty, &text)
                    .unwrap_or_else(|e| panic!("{}.{name}: {e}\n{text}", f.name));
                // Flags come back in declaration order, so even wasmtime's
                // (order-sensitive) equality holds, besides ours.
                assert_eq!(back, v, "{}.{name}: {text}", f.name);
                compare(&name, &v, &back).unwrap_or_else(|d| panic!("{d}\n{text}"));
                ours += 1;
                if !beyond_wasmtime(&wasm_ty) {
                    assert_eq!(v.to_wave().expect("wasm-wave writes it"), text);
                    let read = Val::from_wave(&wasm_ty, &text)
                        .unwrap_or_else(|e| panic!("wasm-wave reads {name}: {e}\n{text}"));
                    compare(&name, &v, &read).unwrap_or_else(|d| panic!("{d}\n{text}"));
                    theirs += 1;
                }
            }
        }
    }
    assert!(
        ours > 7_000 && theirs > 3_500,
        "{ours} values, {theirs} checked with wasm-wave"
    );
}

#[test]
fn keyword_cases_get_a_percent_and_read_back() {
    let named = all_kinds().func("named");
    let shape = ty_of(named, "s");
    let status = ty_of(named, "st");

    let none_case = Val::Variant("none".into(), None);
    assert_eq!(to_wave(&none_case).unwrap(), "%none");
    assert_eq!(
        none_case.to_wave().unwrap(),
        "%none",
        "wasm-wave escapes cases too"
    );
    assert_eq!(from_wave(shape, "%none").unwrap(), none_case);
    // A keyword case written without `%` is still understood.
    assert_eq!(from_wave(shape, "none").unwrap(), none_case);

    let some_case = Val::Variant("some".into(), Some(Box::new(Val::String("x".into()))));
    assert_eq!(to_wave(&some_case).unwrap(), r#"%some("x")"#);
    assert_eq!(from_wave(shape, r#"%some("x")"#).unwrap(), some_case);
    assert_eq!(from_wave(shape, r#"some("x")"#).unwrap(), some_case);

    for case in ["ok", "err", "nan", "inf"] {
        let v = Val::Enum(case.into());
        let text = to_wave(&v).unwrap();
        assert_eq!(text, format!("%{case}"));
        assert_eq!(from_wave(status, &text).unwrap(), v);
        assert_eq!(from_wave(status, case).unwrap(), v);
    }
    let plain = Val::Enum("some-thing".into());
    assert_eq!(to_wave(&plain).unwrap(), "some-thing");
    assert_eq!(from_wave(status, "some-thing").unwrap(), plain);
}

#[test]
fn flags_records_maps_and_fixed_lists_have_their_text() {
    let w = all_kinds();
    let named = w.func("named");
    let perms = ty_of(named, "pr");
    let flags = Val::Flags(vec!["read".into(), "none".into(), "true".into()]);
    assert_eq!(to_wave(&flags).unwrap(), "{read, none, true}");
    // Any order in, declaration order out.
    assert_eq!(from_wave(perms, "{true, read, none}").unwrap(), flags);
    assert_eq!(from_wave(perms, "{}").unwrap(), Val::Flags(vec![]));

    let containers = w.func("containers");
    let row_list = &containers.result.as_ref().unwrap().1;
    let cell = |ok: Option<u32>| {
        Val::Record(vec![
            ("text".into(), Val::String("a".into())),
            ("type".into(), Val::U8(1)),
            ("ok".into(), Val::Option(ok.map(|x| Box::new(Val::U32(x))))),
        ])
    };
    let row = |ok| {
        Val::Record(vec![
            ("cells".into(), Val::List(vec![cell(ok)])),
            ("tag".into(), Val::Option(Some(Box::new(Val::Option(None))))),
            ("m".into(), Val::Enum("c19".into())),
        ])
    };
    let v = Val::Result(Ok(Some(Box::new(Val::List(vec![row(Some(2)), row(None)])))));
    let text = to_wave(&v).unwrap();
    assert_eq!(
        text,
        r#"ok([{cells: [{text: "a", type: 1, ok: some(2)}], tag: some(none), m: c19}, {cells: [{text: "a", type: 1}], tag: some(none), m: c19}])"#
    );
    assert_eq!(from_wave(row_list, &text).unwrap(), v);

    let maps = w.func("maps");
    let m = Val::Map(vec![
        (Val::String("a".into()), Val::U32(1)),
        (Val::String("b".into()), Val::U32(2)),
    ]);
    assert_eq!(to_wave(&m).unwrap(), r#"[("a", 1), ("b", 2)]"#);
    assert_eq!(
        from_wave(ty_of(maps, "m"), r#"[("a", 1), ("b", 2)]"#).unwrap(),
        m
    );
    let err = from_wave(ty_of(maps, "m"), r#"[("a", 1), "b"]"#).unwrap_err();
    assert!(
        err.to_string().contains("map entry `(key, value)`"),
        "{err}"
    );

    let fixed = w.func("fixed");
    let a = ty_of(fixed, "a");
    let four = Val::FixedLengthList((1..=4).map(Val::U8).collect());
    assert_eq!(to_wave(&four).unwrap(), "[1, 2, 3, 4]");
    assert_eq!(from_wave(a, "[1, 2, 3, 4]").unwrap(), four);
    let err = from_wave(a, "[1, 2, 3]").unwrap_err();
    assert!(
        err.to_string().contains("exactly 4 elements, found 3"),
        "{err}"
    );
}

#[test]
fn floats_and_strings_keep_their_edges() {
    let scalars = all_kinds().func("scalars");
    let f32_ty = ty_of(scalars, "j");
    let f64_ty = ty_of(scalars, "k");
    for bits in [0x8000_0000u32, 0x0000_0001, 0x7f7f_ffff, 0xff80_0000] {
        let v = Val::Float32(f32::from_bits(bits));
        let Val::Float32(back) = from_wave(f32_ty, &to_wave(&v).unwrap()).unwrap() else {
            panic!("not an f32")
        };
        assert_eq!(back.to_bits(), bits);
    }
    for bits in [
        0x8000_0000_0000_0000u64,
        1,
        0x000f_ffff_ffff_ffff,
        0x7fef_ffff_ffff_ffff,
    ] {
        let v = Val::Float64(f64::from_bits(bits));
        let Val::Float64(back) = from_wave(f64_ty, &to_wave(&v).unwrap()).unwrap() else {
            panic!("not an f64")
        };
        assert_eq!(back.to_bits(), bits);
    }
    let signalling = Val::Float32(f32::from_bits(0x7fa0_0000));
    assert_eq!(to_wave(&signalling).unwrap(), "nan");

    let string_ty = ty_of(scalars, "m");
    let s = "\0\t\n\r\"'\\\u{7f}\u{1b}é\u{301}\u{fffd}\u{ffff}\u{10ffff}😀";
    let text = to_wave(&Val::String(s.into())).unwrap();
    assert!(
        !text.contains('\n') && !text.contains('\0'),
        "one line: {text}"
    );
    assert_eq!(from_wave(string_ty, &text).unwrap(), Val::String(s.into()));
}

#[test]
fn values_that_do_not_fit_name_line_and_column() {
    let named = all_kinds().func("named");
    let shape = ty_of(named, "s");
    let fits = from_wave(shape, "square({x: 1, y: 2})\n").unwrap();
    assert!(matches!(fits, Val::Variant(ref c, Some(_)) if c == "square"));

    let err = from_wave(shape, "square({x: 1,\n  z: 2})").unwrap_err();
    let WaveError::Value {
        line,
        column,
        message,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!((*line, *column), (2, 6), "{message}");
    assert!(message.contains("no field `z`"), "{message}");

    let err = from_wave(shape, "triangle").unwrap_err();
    assert!(
        err.to_string()
            .contains("one of circle, none, square, empty, some"),
        "{err}"
    );
    let err = from_wave(shape, "circle").unwrap_err();
    assert!(err.to_string().contains("needs a payload"), "{err}");
    let err = from_wave(shape, "empty(1)").unwrap_err();
    assert!(err.to_string().contains("has no payload"), "{err}");
    let err = from_wave(ty_of(named, "b"), "[1, 256]").unwrap_err();
    assert_eq!(err.line(), Some(1));
    assert!(err.to_string().contains("`256` is not a u8"), "{err}");
    let err = from_wave(ty_of(named, "p"), "{x: 1.5}").unwrap_err();
    assert!(err.to_string().contains("lacks its field `y`"), "{err}");
    let err = from_wave(ty_of(named, "p"), "{x: 1.5, y: 2").unwrap_err();
    assert!(err.to_string().contains("unexpected end"), "{err}");
}

#[test]
fn call_files_round_trip_with_keyword_names() {
    let f = all_kinds().func("type");
    let params = vec![
        ("type".to_string(), Val::U32(7)),
        ("record".to_string(), Val::String("a: b\n-> c".into())),
    ];
    let result = Val::Option(Some(Box::new(Val::Variant("none".into(), None))));
    let text = write_call("api.type from world.wit", &params, Some(&result));
    assert_eq!(
        text,
        "// witness call: api.type from world.wit\ntype: 7\nrecord: \"a: b\\n-> c\"\n-> some(%none)\n"
    );
    let result_ty = &f.result.as_ref().unwrap().1;
    let call = read_call(&text, &param_types(f), Some(result_ty)).unwrap();
    assert_eq!(call.func.as_deref(), Some("api.type from world.wit"));
    assert_eq!(call.params, params);
    assert_eq!(call.result, Some(result));

    // Written by hand: names escaped as in WIT, any order, blank lines and
    // comments, no result.
    let text = "\n  // by hand\n%record: \"x\"\n\n%type: 1\n";
    let call = read_call(text, &param_types(f), Some(result_ty)).unwrap();
    assert_eq!(call.func, None);
    assert_eq!(call.params[0], ("type".to_string(), Val::U32(1)));
    assert_eq!(
        call.params[1],
        ("record".to_string(), Val::String("x".into()))
    );
    assert_eq!(call.result, None);
}

#[test]
fn generated_calls_round_trip_through_call_files() {
    let w = all_kinds();
    let config = ValueConfig {
        max_string_len: 512,
        ..ValueConfig::default()
    };
    for seed in 0..100 {
        let bytes = crate::seed::bytes(seed, &[0xca11], 8 * 1024);
        let mut u = Unstructured::new(&bytes);
        for f in &w.funcs {
            let params: Vec<(String, Val)> = f
                .params
                .iter()
                .map(|(n, ty, _)| {
                    (
                        n.clone(),
                        arbitrary_val(&w.world, ty, &config, &mut u).unwrap(),
                    )
                })
                .collect();
            let result = f
                .result
                .as_ref()
                .map(|(ty, _)| arbitrary_val(&w.world, ty, &config, &mut u).unwrap());
            let text = write_call(&format!("api.{}", f.name), &params, result.as_ref());
            assert_eq!(
                text.lines().count(),
                1 + params.len() + usize::from(result.is_some())
            );
            let result_ty = f.result.as_ref().map(|r| &r.1);
            let call = read_call(&text, &param_types(f), result_ty)
                .unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(call.params, params, "{text}");
            assert_eq!(call.result, result, "{text}");
        }
    }
}

#[test]
fn call_file_errors_name_the_line() {
    let f = all_kinds().func("type");
    let params = param_types(f);
    let result_ty = &f.result.as_ref().unwrap().1;
    let read = |text: &str| read_call(text, &params, Some(result_ty)).unwrap_err();

    let err = read("// witness call: api.type\ntype: 7\nrecord: 12\n");
    assert_eq!(
        err,
        WaveError::Value {
            line: 3,
            column: 9,
            message: "the parameter `record`: expected a string (`\"...\"`), found `12`".into()
        }
    );
    assert!(
        err.to_string()
            .starts_with("line 3, column 9: the parameter `record`"),
        "{err}"
    );

    let err = read("type: 7\nrecord: \"x\"\n-> some(circle(1.0)\n");
    assert_eq!(err.line(), Some(3));
    assert!(err.to_string().contains("the result"), "{err}");

    let err = read("type: 7\nrecord: \"x\"\ncolour: 3\n");
    assert_eq!(err.line(), Some(3));
    assert!(
        err.to_string().contains("unknown parameter `colour`"),
        "{err}"
    );
    assert!(err.to_string().contains("type, record"), "{err}");

    let err = read("type: 7\n\ntype: 8\nrecord: \"x\"\n");
    assert_eq!(err.line(), Some(3));
    assert!(
        err.to_string().contains("given twice (first on line 1)"),
        "{err}"
    );

    let err = read("type: 7\nrecord \"x\"\n");
    assert_eq!(err.line(), Some(2));
    assert!(
        err.to_string().contains("one `name: <WAVE value>` line"),
        "{err}"
    );

    let err = read("type: 7\n");
    assert_eq!(
        err,
        WaveError::MissingParam {
            name: "record".into()
        }
    );
    assert!(
        err.to_string()
            .contains("add a line `record: <WAVE value>`"),
        "{err}"
    );

    let err = read("type: 7\nrecord: \"x\"\n-> none\n-> none\n");
    assert_eq!(err.line(), Some(4));

    let scalars = all_kinds().func("scalars");
    let err = read_call("-> 1\n", &param_types(scalars), None).unwrap_err();
    assert_eq!(err.line(), Some(1));
    assert!(err.to_string().contains("no result"), "{err}");
}

#[test]
fn cut_text_ends_with_an_ellipsis() {
    let long = Val::List((0..1000).map(Val::U32).collect());
    let cut = to_wave_cut(&long, 40);
    assert!(cut.ends_with('…') && cut.chars().count() <= 41, "{cut}");
    assert!(cut.starts_with("[0, 1, 2"), "{cut}");
    let short = Val::List((0..3).map(Val::U32).collect());
    assert_eq!(to_wave_cut(&short, 40), "[0, 1, 2]");
}
