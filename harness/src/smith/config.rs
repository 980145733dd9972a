//! The generator's swarm configuration: which type kinds a world may use and
//! how big it may get.
//!
//! [`Config::default`] is a sensible fixed configuration; the `Arbitrary`
//! impl draws every switch and limit from the bytes (swarm testing: each
//! world explores a different corner, e.g. only records of floats), and
//! [`Config::extremes`] turns everything on at its cap.

use arbitrary::{Arbitrary, Unstructured};

use crate::ty::MAX_FLAGS;

/// Limits and switches for [`crate::smith::smith`].
///
/// Sizes are *expanded* sizes: a named type counts with everything it
/// contains, and `list<T, N>` counts `T` `N` times, so a bounded size also
/// bounds the flat count, the memory size and the WIT a guest must compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Deepest nesting of a type, named types seen through (`u8` is 1,
    /// `list<u8>` is 2).
    pub max_type_depth: usize,
    /// Largest expanded size of one type (each type node counts 1).
    pub max_type_size: usize,
    /// Most named types generated (unused ones are then dropped).
    pub max_named_types: usize,
    pub max_record_fields: usize,
    pub max_variant_cases: usize,
    /// Most enum cases; an enum this long is drawn only now and then.
    pub max_enum_cases: usize,
    /// Most flags members, 1 to [`MAX_FLAGS`].
    pub max_flags: usize,
    pub max_tuple_arity: usize,
    /// Longest `list<T, N>` (only with [`Config::fixed_length_lists`]).
    pub max_fixed_list_len: u32,
    /// Most functions per world (at least one is always generated).
    pub max_funcs: usize,
    /// Most parameters per function.
    pub max_params: usize,

    pub bools: bool,
    /// `s8` to `s64` and `u8` to `u64`.
    pub ints: bool,
    /// `f32` and `f64`.
    pub floats: bool,
    pub chars: bool,
    pub strings: bool,
    pub lists: bool,
    pub tuples: bool,
    pub records: bool,
    pub variants: bool,
    pub enums: bool,
    pub options: bool,
    pub results: bool,
    pub flags: bool,
    /// `type a = b;`
    pub aliases: bool,
    /// `list<T, N>`: the component model's fixed-length lists proposal. Off by
    /// default and never drawn on by `Arbitrary`: wasmtime needs
    /// `Config::wasm_component_model_fixed_length_lists(true)` to load them.
    pub fixed_length_lists: bool,
    /// `map<K, V>`: the component model's map proposal. Off by default and
    /// never drawn on by `Arbitrary`: wasmtime 48 needs
    /// `Config::wasm_component_model_map(true)` to load them.
    pub maps: bool,
    /// Mix in names that are keywords or builtins in WIT, Rust, Go or Python
    /// (`type`, `self`, `none`, `func`, `len`, ...) for every kind of name.
    pub keyword_names: bool,
    /// Resources defined by the host in `types`, with constructors, methods
    /// and static functions, and `own<r>` / `borrow<r>` anywhere a value
    /// type may be (borrows only where WIT allows them: not in results).
    /// Never drawn on by `Arbitrary`, so that worlds without resources stay
    /// what they were for every seed; campaigns switch it on per world.
    pub resources: bool,
    /// Most resources per world (only with [`Config::resources`]).
    pub max_resources: usize,
    /// With [`Config::resources`], each resource is defined by the guest in
    /// `api` half the time (see [`crate::ty::TypeDefKind::GuestResource`]):
    /// it always has a constructor, and its handles appear in signatures
    /// alone or in lists, options, results and tuples of values without
    /// host handles or named types. Never drawn on by `Arbitrary`.
    pub guest_resources: bool,
}

/// The hard caps of each limit: [`Config::validate`] rejects more, and
/// [`Config::extremes`] uses exactly these.
pub mod caps {
    /// The component model allows nesting up to 100; guests' generated code
    /// gets slow long before that.
    pub const MAX_TYPE_DEPTH: usize = 24;
    pub const MAX_TYPE_SIZE: usize = 20_000;
    pub const MAX_NAMED_TYPES: usize = 64;
    pub const MAX_RECORD_FIELDS: usize = 64;
    pub const MAX_VARIANT_CASES: usize = 256;
    pub const MAX_ENUM_CASES: usize = 1_000;
    pub const MAX_FLAGS: usize = crate::ty::MAX_FLAGS;
    pub const MAX_TUPLE_ARITY: usize = 32;
    pub const MAX_FIXED_LIST_LEN: u32 = 64;
    pub const MAX_FUNCS: usize = 64;
    pub const MAX_PARAMS: usize = 64;
    pub const MAX_RESOURCES: usize = 16;
}

/// Why a [`Config`] cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "generator config: `max_flags` is {0}, but the component model allows 1 to {MAX_FLAGS} \
         members in a `flags` type; set `max_flags` to a value in 1..={MAX_FLAGS}"
    )]
    Flags(usize),
    #[error(
        "generator config: `{name}` is {value}, but it must be in {min}..={max}; \
         set it inside that range"
    )]
    OutOfRange {
        name: &'static str,
        value: u64,
        min: u64,
        max: u64,
    },
    #[error(
        "generator config: every scalar kind (`bools`, `ints`, `floats`, `chars`, `strings`) is \
         switched off, so no type can end its nesting; switch at least one of them on"
    )]
    NoScalarKind,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_type_depth: 5,
            max_type_size: 200,
            max_named_types: 12,
            max_record_fields: 8,
            max_variant_cases: 8,
            max_enum_cases: 300,
            max_flags: MAX_FLAGS,
            max_tuple_arity: 5,
            max_fixed_list_len: 8,
            max_funcs: 8,
            max_params: 20,
            bools: true,
            ints: true,
            floats: true,
            chars: true,
            strings: true,
            lists: true,
            tuples: true,
            records: true,
            variants: true,
            enums: true,
            options: true,
            results: true,
            flags: true,
            aliases: true,
            fixed_length_lists: false,
            maps: false,
            keyword_names: true,
            resources: false,
            max_resources: 3,
            guest_resources: false,
        }
    }
}

impl Config {
    /// Every switch on (the two proposals included) and every limit at its
    /// cap (see [`caps`]).
    pub fn extremes() -> Config {
        Config {
            max_type_depth: caps::MAX_TYPE_DEPTH,
            max_type_size: caps::MAX_TYPE_SIZE,
            max_named_types: caps::MAX_NAMED_TYPES,
            max_record_fields: caps::MAX_RECORD_FIELDS,
            max_variant_cases: caps::MAX_VARIANT_CASES,
            max_enum_cases: caps::MAX_ENUM_CASES,
            max_flags: caps::MAX_FLAGS,
            max_tuple_arity: caps::MAX_TUPLE_ARITY,
            max_fixed_list_len: caps::MAX_FIXED_LIST_LEN,
            max_funcs: caps::MAX_FUNCS,
            max_params: caps::MAX_PARAMS,
            fixed_length_lists: true,
            maps: true,
            keyword_names: true,
            resources: true,
            max_resources: caps::MAX_RESOURCES,
            guest_resources: true,
            ..Config::default()
        }
    }

    /// Checks every limit against its range (see [`caps`]) and that some
    /// scalar kind is on.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=MAX_FLAGS).contains(&self.max_flags) {
            return Err(ConfigError::Flags(self.max_flags));
        }
        let ranges: [(&'static str, u64, u64, u64); 11] = [
            (
                "max_resources",
                self.max_resources as u64,
                0,
                caps::MAX_RESOURCES as u64,
            ),
            (
                "max_type_depth",
                self.max_type_depth as u64,
                1,
                caps::MAX_TYPE_DEPTH as u64,
            ),
            (
                "max_type_size",
                self.max_type_size as u64,
                1,
                caps::MAX_TYPE_SIZE as u64,
            ),
            (
                "max_named_types",
                self.max_named_types as u64,
                0,
                caps::MAX_NAMED_TYPES as u64,
            ),
            (
                "max_record_fields",
                self.max_record_fields as u64,
                1,
                caps::MAX_RECORD_FIELDS as u64,
            ),
            (
                "max_variant_cases",
                self.max_variant_cases as u64,
                1,
                caps::MAX_VARIANT_CASES as u64,
            ),
            (
                "max_enum_cases",
                self.max_enum_cases as u64,
                1,
                caps::MAX_ENUM_CASES as u64,
            ),
            (
                "max_tuple_arity",
                self.max_tuple_arity as u64,
                1,
                caps::MAX_TUPLE_ARITY as u64,
            ),
            (
                "max_fixed_list_len",
                u64::from(self.max_fixed_list_len),
                1,
                u64::from(caps::MAX_FIXED_LIST_LEN),
            ),
            (
                "max_funcs",
                self.max_funcs as u64,
                1,
                caps::MAX_FUNCS as u64,
            ),
            (
                "max_params",
                self.max_params as u64,
                0,
                caps::MAX_PARAMS as u64,
            ),
        ];
        for (name, value, min, max) in ranges {
            if !(min..=max).contains(&value) {
                return Err(ConfigError::OutOfRange {
                    name,
                    value,
                    min,
                    max,
                });
            }
        }
        if !(self.bools || self.ints || self.floats || self.chars || self.strings) {
            return Err(ConfigError::NoScalarKind);
        }
        Ok(())
    }
}

impl<'a> Arbitrary<'a> for Config {
    /// A swarm configuration: each type-kind switch is on with probability
    /// 3/4 and each limit drawn from its range (small values more often).
    /// `fixed_length_lists` and `maps` stay off; turn them on afterwards to
    /// include the proposals. The result always passes [`Config::validate`].
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Config> {
        let switch = |u: &mut Unstructured<'a>| u.ratio(3u8, 4u8);
        let mut config = Config {
            max_type_depth: u.int_in_range(1..=8)?,
            max_type_size: if u.ratio(1u8, 8u8)? {
                u.int_in_range(1..=2_000)?
            } else {
                u.int_in_range(1..=300)?
            },
            max_named_types: u.int_in_range(0..=16)?,
            max_record_fields: u.int_in_range(1..=12)?,
            max_variant_cases: u.int_in_range(1..=12)?,
            max_enum_cases: if u.arbitrary()? {
                u.int_in_range(100..=400)?
            } else {
                u.int_in_range(1..=16)?
            },
            max_flags: if u.arbitrary()? {
                MAX_FLAGS
            } else {
                u.int_in_range(1..=MAX_FLAGS)?
            },
            max_tuple_arity: u.int_in_range(1..=8)?,
            max_fixed_list_len: u.int_in_range(1..=16)?,
            max_funcs: u.int_in_range(1..=8)?,
            max_params: u.int_in_range(0..=24)?,
            bools: switch(u)?,
            ints: switch(u)?,
            floats: switch(u)?,
            chars: switch(u)?,
            strings: switch(u)?,
            lists: switch(u)?,
            tuples: switch(u)?,
            records: switch(u)?,
            variants: switch(u)?,
            enums: switch(u)?,
            options: switch(u)?,
            results: switch(u)?,
            flags: switch(u)?,
            aliases: switch(u)?,
            fixed_length_lists: false,
            maps: false,
            keyword_names: u.arbitrary()?,
            resources: false,
            max_resources: Config::default().max_resources,
            guest_resources: false,
        };
        if !(config.bools || config.ints || config.floats || config.chars || config.strings) {
            match u.int_in_range(0..=4u8)? {
                0 => config.bools = true,
                1 => config.ints = true,
                2 => config.floats = true,
                3 => config.chars = true,
                _ => config.strings = true,
            }
        }
        Ok(config)
    }
}
