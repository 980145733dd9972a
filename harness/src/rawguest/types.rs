//! Component-level value types of a raw guest: the types of a [`CaseWorld`]
//! encoded with wasm-encoder into a component or an instance type.
//!
//! The component model requires every record, variant, enum and flags type
//! that an imported or exported function mentions to be *named* (imported or
//! exported under a name) before use. So each named type of the world is
//! defined and at once exported under its WIT name, and everything that
//! refers to it afterwards (other types, function types) uses the index the
//! export created. Aliases are seen through; anonymous types are defined
//! once per distinct type.

use std::collections::HashMap;

use wasm_encoder::{
    ComponentBuilder, ComponentExportKind, ComponentTypeEncoder, ComponentTypeRef,
    ComponentValType, InstanceType, PrimitiveValType, TypeBounds,
};

use crate::ty::{CaseWorld, Func, Ty, TypeDefKind, TypeIndex};

/// Where types are defined: a component or an instance type.
pub(crate) trait TypeSpace {
    /// A fresh type index and the encoder that defines it.
    fn define(&mut self) -> (u32, ComponentTypeEncoder<'_>);
    /// Names type `index` as `name`; returns the index the naming created.
    fn name_type(&mut self, name: &str, index: u32) -> u32;
}

impl TypeSpace for ComponentBuilder {
    fn define(&mut self) -> (u32, ComponentTypeEncoder<'_>) {
        self.ty(None)
    }

    fn name_type(&mut self, name: &str, index: u32) -> u32 {
        self.export(name, ComponentExportKind::Type, index, None)
    }
}

impl TypeSpace for InstanceType {
    fn define(&mut self) -> (u32, ComponentTypeEncoder<'_>) {
        let index = self.type_count();
        (index, self.ty())
    }

    fn name_type(&mut self, name: &str, index: u32) -> u32 {
        self.export(name, ComponentTypeRef::Type(TypeBounds::Eq(index)));
        self.type_count() - 1
    }
}

/// Encodes the types of one world into one type space, remembering what it
/// defined (a named type is defined and named once).
pub(crate) struct TypeEncoder<'w> {
    world: &'w CaseWorld,
    named: HashMap<TypeIndex, ComponentValType>,
    anonymous: HashMap<Ty, ComponentValType>,
    /// The named types in the order they were named: (name, index).
    pub names: Vec<(String, u32)>,
}

impl<'w> TypeEncoder<'w> {
    pub fn new(world: &'w CaseWorld) -> Self {
        TypeEncoder {
            world,
            named: HashMap::new(),
            anonymous: HashMap::new(),
            names: Vec::new(),
        }
    }

    /// The value type of `ty`, defining whatever it needs first.
    pub fn val(&mut self, space: &mut impl TypeSpace, ty: &Ty) -> ComponentValType {
        use PrimitiveValType as P;
        let prim = |p| ComponentValType::Primitive(p);
        match ty {
            Ty::Bool => prim(P::Bool),
            Ty::S8 => prim(P::S8),
            Ty::S16 => prim(P::S16),
            Ty::S32 => prim(P::S32),
            Ty::S64 => prim(P::S64),
            Ty::U8 => prim(P::U8),
            Ty::U16 => prim(P::U16),
            Ty::U32 => prim(P::U32),
            Ty::U64 => prim(P::U64),
            Ty::F32 => prim(P::F32),
            Ty::F64 => prim(P::F64),
            Ty::Char => prim(P::Char),
            Ty::String => prim(P::String),
            Ty::Named(i) => self.named(space, *i),
            _ => {
                if let Some(v) = self.anonymous.get(ty) {
                    return *v;
                }
                let v = self.anonymous_type(space, ty);
                self.anonymous.insert(ty.clone(), v);
                v
            }
        }
    }

    fn anonymous_type(&mut self, space: &mut impl TypeSpace, ty: &Ty) -> ComponentValType {
        let index = match ty {
            Ty::List(t) => {
                let t = self.val(space, t);
                let (i, enc) = space.define();
                enc.defined_type().list(t);
                i
            }
            Ty::FixedList(t, n) => {
                let t = self.val(space, t);
                let (i, enc) = space.define();
                enc.defined_type().fixed_length_list(t, *n);
                i
            }
            Ty::Map(k, v) => {
                let k = self.val(space, k);
                let v = self.val(space, v);
                let (i, enc) = space.define();
                enc.defined_type().map(k, v);
                i
            }
            Ty::Tuple(ts) => {
                let ts: Vec<ComponentValType> = ts.iter().map(|t| self.val(space, t)).collect();
                let (i, enc) = space.define();
                enc.defined_type().tuple(ts);
                i
            }
            Ty::Option(t) => {
                let t = self.val(space, t);
                let (i, enc) = space.define();
                enc.defined_type().option(t);
                i
            }
            Ty::Result { ok, err } => {
                let ok = ok.as_deref().map(|t| self.val(space, t));
                let err = err.as_deref().map(|t| self.val(space, t));
                let (i, enc) = space.define();
                enc.defined_type().result(ok, err);
                i
            }
            Ty::Own(_) | Ty::Borrow(_) => {
                unreachable!("raw guests are drawn from worlds without resources")
            }
            _ => unreachable!("primitives and named types are handled by `val`"),
        };
        ComponentValType::Type(index)
    }

    fn named(&mut self, space: &mut impl TypeSpace, index: TypeIndex) -> ComponentValType {
        if let Some(v) = self.named.get(&index) {
            return *v;
        }
        let def = &self.world.types[index];
        let v = match &def.kind {
            TypeDefKind::Alias(t) => self.val(space, t),
            TypeDefKind::Record(fields) => {
                let tys: Vec<ComponentValType> =
                    fields.iter().map(|f| self.val(space, &f.ty)).collect();
                let (i, enc) = space.define();
                enc.defined_type()
                    .record(fields.iter().zip(tys).map(|(f, t)| (f.name.as_str(), t)));
                self.name(space, &def.name, i)
            }
            TypeDefKind::Variant(cases) => {
                let tys: Vec<Option<ComponentValType>> = cases
                    .iter()
                    .map(|c| c.ty.as_ref().map(|t| self.val(space, t)))
                    .collect();
                let (i, enc) = space.define();
                enc.defined_type()
                    .variant(cases.iter().zip(tys).map(|(c, t)| (c.name.as_str(), t)));
                self.name(space, &def.name, i)
            }
            TypeDefKind::Enum(names) => {
                let (i, enc) = space.define();
                enc.defined_type()
                    .enum_type(names.iter().map(String::as_str));
                self.name(space, &def.name, i)
            }
            TypeDefKind::Flags(names) => {
                let (i, enc) = space.define();
                enc.defined_type().flags(names.iter().map(String::as_str));
                self.name(space, &def.name, i)
            }
            TypeDefKind::Resource(_) | TypeDefKind::GuestResource(_) => {
                unreachable!("raw guests are drawn from worlds without resources")
            }
        };
        self.named.insert(index, v);
        v
    }

    fn name(&mut self, space: &mut impl TypeSpace, name: &str, index: u32) -> ComponentValType {
        let named = space.name_type(name, index);
        self.names.push((name.to_string(), named));
        ComponentValType::Type(named)
    }

    /// Defines the component function type of `func`.
    pub fn func(&mut self, space: &mut impl TypeSpace, func: &Func) -> u32 {
        let params: Vec<(String, ComponentValType)> = func
            .params
            .iter()
            .map(|p| (p.name.clone(), self.val(space, &p.ty)))
            .collect();
        let result = func.result.as_ref().map(|t| self.val(space, t));
        let (i, enc) = space.define();
        let mut f = enc.function();
        f.params(params.iter().map(|(n, t)| (n.as_str(), *t)));
        f.result(result);
        i
    }
}
