//! Test support: hand-written WIT worlds seen both ways, as a witness
//! [`CaseWorld`] (to generate values) and as the wasmtime [`Type`]s of a real
//! component built from the same WIT (to read values back).
//!
//! The component is wit-component's dummy module for the world, embedded and
//! encoded, and compiled by a wasmtime [`Engine`] with maps and fixed-length
//! lists enabled; its export types come from `Component::component_type()`
//! (nothing is instantiated).

use std::collections::HashMap;

use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Type};
use wasmtime::{Config, Engine};
use wit_component::{ComponentEncoder, StringEncoding, dummy_module, embed_component_metadata};
use wit_parser::{ManglingAndAbi, Resolve, TypeId, WorldItem};

use crate::ty::{self, CaseWorld, Ty};

/// A function of a test world with its wasmtime types.
pub struct TestFunc {
    pub name: String,
    /// Parameters with their model types and their wasmtime types.
    pub params: Vec<(String, Ty, Type)>,
    pub result: Option<(Ty, Type)>,
}

/// A test world: the model and the functions of its exported interface.
pub struct TestWorld {
    pub world: CaseWorld,
    pub funcs: Vec<TestFunc>,
}

impl TestWorld {
    pub fn func(&self, name: &str) -> &TestFunc {
        self.funcs
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no function `{name}` in the test world"))
    }
}

/// Loads `wit`: a package with one world `w` that exports one interface.
/// Its functions become [`TestWorld::funcs`], its named types
/// [`CaseWorld::types`].
pub fn load(wit: &str) -> TestWorld {
    let mut resolve = Resolve::new();
    let pkg = resolve.push_str("test.wit", wit).expect("test WIT parses");
    let world_id = resolve.select_world(&[pkg], Some("w")).expect("world `w`");

    let mut module = dummy_module(&resolve, world_id, ManglingAndAbi::Standard32);
    embed_component_metadata(&mut module, &resolve, world_id, StringEncoding::UTF8, false)
        .expect("embed metadata");
    let bytes = ComponentEncoder::default()
        .module(&module)
        .expect("dummy module")
        .validate(true)
        .encode()
        .expect("encode component");

    let mut config = Config::new();
    config.wasm_component_model_map(true);
    config.wasm_component_model_fixed_length_lists(true);
    let engine = Engine::new(&config).expect("engine");
    let component = Component::new(&engine, &bytes).expect("compile component");
    let component_ty = component.component_type();

    let world = &resolve.worlds[world_id];
    let (key, iface_id) = world
        .exports
        .iter()
        .find_map(|(key, item)| match item {
            WorldItem::Interface { id, .. } => Some((key.clone(), *id)),
            _ => None,
        })
        .expect("the world exports an interface");
    let export_name = resolve.name_world_key(&key);
    let Some(ComponentItem::ComponentInstance(instance)) =
        component_ty.get_export(&engine, &export_name).map(|e| e.ty)
    else {
        panic!("export `{export_name}` is not an instance");
    };

    let mut converter = Converter {
        resolve: &resolve,
        world: CaseWorld::default(),
        named: HashMap::new(),
    };
    let mut funcs = Vec::new();
    for (name, func) in &resolve.interfaces[iface_id].functions {
        let Some(ComponentItem::ComponentFunc(func_ty)) =
            instance.get_export(&engine, name).map(|e| e.ty)
        else {
            panic!("export `{name}` is not a function");
        };
        let wasm_params: Vec<(String, Type)> =
            func_ty.params().map(|(n, t)| (n.to_string(), t)).collect();
        let params = func
            .params
            .iter()
            .zip(wasm_params)
            .map(|(p, (n, t))| {
                assert_eq!(p.name, n);
                (n, converter.ty(&p.ty), t)
            })
            .collect();
        let result = func.result.as_ref().map(|r| {
            (
                converter.ty(r),
                func_ty.results().next().expect("a result type"),
            )
        });
        funcs.push(TestFunc {
            name: name.clone(),
            params,
            result,
        });
    }
    TestWorld {
        world: converter.world,
        funcs,
    }
}

/// wit-parser types to the witness model.
struct Converter<'r> {
    resolve: &'r Resolve,
    world: CaseWorld,
    named: HashMap<TypeId, ty::TypeIndex>,
}

impl Converter<'_> {
    fn ty(&mut self, t: &wit_parser::Type) -> Ty {
        use wit_parser::Type as W;
        match t {
            W::Bool => Ty::Bool,
            W::U8 => Ty::U8,
            W::U16 => Ty::U16,
            W::U32 => Ty::U32,
            W::U64 => Ty::U64,
            W::S8 => Ty::S8,
            W::S16 => Ty::S16,
            W::S32 => Ty::S32,
            W::S64 => Ty::S64,
            W::F32 => Ty::F32,
            W::F64 => Ty::F64,
            W::Char => Ty::Char,
            W::String => Ty::String,
            W::ErrorContext => panic!("error-context is not a witness type"),
            W::Id(id) => self.id(*id),
        }
    }

    fn id(&mut self, id: TypeId) -> Ty {
        use wit_parser::TypeDefKind as K;
        if let Some(&index) = self.named.get(&id) {
            return Ty::Named(index);
        }
        let def = &self.resolve.types[id];
        let inline = match &def.kind {
            K::List(t) => Some(Ty::List(Box::new(self.ty(t)))),
            K::FixedLengthList(t, n) => Some(Ty::FixedList(Box::new(self.ty(t)), *n)),
            K::Map(k, v) => Some(Ty::Map(Box::new(self.ty(k)), Box::new(self.ty(v)))),
            K::Tuple(t) => Some(Ty::Tuple(t.types.iter().map(|t| self.ty(t)).collect())),
            K::Option(t) => Some(Ty::Option(Box::new(self.ty(t)))),
            K::Result(r) => Some(Ty::Result {
                ok: r.ok.as_ref().map(|t| Box::new(self.ty(t))),
                err: r.err.as_ref().map(|t| Box::new(self.ty(t))),
            }),
            K::Type(t) if def.name.is_none() => Some(self.ty(t)),
            _ => None,
        };
        let name = def.name.clone();
        let kind = match (inline, name.is_some()) {
            (Some(inline), false) => return inline,
            (Some(inline), true) => ty::TypeDefKind::Alias(inline),
            (None, _) => match &def.kind {
                K::Record(r) => ty::TypeDefKind::Record(
                    r.fields
                        .iter()
                        .map(|f| ty::Field {
                            name: f.name.clone(),
                            ty: self.ty(&f.ty),
                        })
                        .collect(),
                ),
                K::Variant(v) => ty::TypeDefKind::Variant(
                    v.cases
                        .iter()
                        .map(|c| ty::Case {
                            name: c.name.clone(),
                            ty: c.ty.as_ref().map(|t| self.ty(t)),
                        })
                        .collect(),
                ),
                K::Enum(e) => {
                    ty::TypeDefKind::Enum(e.cases.iter().map(|c| c.name.clone()).collect())
                }
                K::Flags(f) => {
                    ty::TypeDefKind::Flags(f.flags.iter().map(|f| f.name.clone()).collect())
                }
                K::Type(t) => ty::TypeDefKind::Alias(self.ty(t)),
                other => panic!("unsupported type kind in a test world: {}", other.as_str()),
            },
        };
        let index = self.world.types.len();
        self.world.types.push(ty::TypeDef {
            name: name.expect("named"),
            kind,
        });
        self.named.insert(id, index);
        Ty::Named(index)
    }
}

/// A world that uses every kind of type, with names that are WAVE keywords
/// (a variant case `none`, an enum case `ok`, flags `none` and `true`, a
/// record field `ok`) and WIT keywords (a field, a parameter and a function
/// named `type`).
pub const ALL_KINDS: &str = r#"
package test:vals;

interface api {
    record point { x: f64, y: f32 }
    record cell { text: string, %type: u8, ok: option<u32> }
    variant shape { circle(f32), none, square(point), empty, some(string) }
    enum status { ok, err, pending, nan, inf, some-thing }
    enum many { c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15, c16, c17, c18, c19 }
    flags perms { read, write, none, %true, exec }
    type bytes = list<u8>;
    type pt = point;
    record row { cells: list<cell>, tag: option<option<status>>, m: many }

    scalars: func(a: bool, b: s8, c: s16, d: s32, e: s64, f: u8, g: u16, h: u32, i: u64,
                  j: f32, k: f64, l: char, m: string);
    containers: func(a: list<u32>, b: tuple<u8, string, f64>, c: option<string>,
                     d: result<u32, string>, e: result, f: result<_, shape>, g: result<shape>)
                     -> result<list<row>, shape>;
    named: func(p: pt, s: shape, st: status, pr: perms, r: row, b: bytes) -> shape;
    maps: func(m: map<string, u32>, n: map<u32, list<point>>, o: map<char, map<s8, shape>>,
               p: map<bool, option<string>>);
    fixed: func(a: list<u8, 4>, b: list<point, 2>, c: list<list<string, 3>, 2>,
                d: option<list<f32, 1>>);
    %type: func(%type: u32, %record: string) -> option<shape>;
}

world w { export api; }
"#;

/// [`ALL_KINDS`], loaded once.
pub fn all_kinds() -> &'static TestWorld {
    static WORLD: std::sync::OnceLock<TestWorld> = std::sync::OnceLock::new();
    WORLD.get_or_init(|| load(ALL_KINDS))
}
