//! Passing an exported function's owned arguments on to an imported function.
//!
//! wit-bindgen's Rust generator gives imported functions borrowed parameters
//! where a type holds a list or string (`&str`, `&[T]`, `&Record`,
//! `Option<&str>`, ...) and owned ones elsewhere. `AsArg` lets the echo body
//! write `upstream::f(x.as_arg(), ...)` for any parameter type: the compiler
//! picks the impl from the imported function's signature.
//! Named types get their impls from the `impl_named!` lines the harness
//! appends for each record, variant, enum and flags type of the case.

pub trait AsArg<'a, T> {
    fn as_arg(&'a self) -> T;
}

/// Borrow at the top: `&Record`, `&Vec<T>`.
impl<'a, T> AsArg<'a, &'a T> for T {
    fn as_arg(&'a self) -> &'a T {
        self
    }
}

/// A reference passed on as it is (a `borrow` handle: `&Res`).
impl<'a, 'b, T: ?Sized> AsArg<'a, &'b T> for &'b T {
    fn as_arg(&'a self) -> &'b T {
        self
    }
}

impl<'a> AsArg<'a, &'a str> for String {
    fn as_arg(&'a self) -> &'a str {
        self
    }
}

impl<'a> AsArg<'a, String> for String {
    fn as_arg(&'a self) -> String {
        self.clone()
    }
}

impl<'a, T> AsArg<'a, &'a [T]> for Vec<T> {
    fn as_arg(&'a self) -> &'a [T] {
        self
    }
}

impl<'a, T: Clone> AsArg<'a, Vec<T>> for Vec<T> {
    fn as_arg(&'a self) -> Vec<T> {
        self.clone()
    }
}

impl<'a, T: Clone, const N: usize> AsArg<'a, [T; N]> for [T; N] {
    fn as_arg(&'a self) -> [T; N] {
        self.clone()
    }
}

impl<'a, A: AsArg<'a, B>, B> AsArg<'a, Option<B>> for Option<A> {
    fn as_arg(&'a self) -> Option<B> {
        self.as_ref().map(|a| a.as_arg())
    }
}

impl<'a, A: AsArg<'a, B>, B, E: AsArg<'a, F>, F> AsArg<'a, Result<B, F>> for Result<A, E> {
    fn as_arg(&'a self) -> Result<B, F> {
        match self {
            Ok(a) => Ok(a.as_arg()),
            Err(e) => Err(e.as_arg()),
        }
    }
}

impl<'a, K: Clone + Ord, V: Clone> AsArg<'a, std::collections::BTreeMap<K, V>>
    for std::collections::BTreeMap<K, V>
{
    fn as_arg(&'a self) -> std::collections::BTreeMap<K, V> {
        self.clone()
    }
}

macro_rules! impl_copy {
    ($($t:ty),* $(,)?) => {$(
        impl<'a> AsArg<'a, $t> for $t {
            fn as_arg(&'a self) -> $t {
                *self
            }
        }
    )*};
}
impl_copy!(bool, u8, u16, u32, u64, i8, i16, i32, i64, f32, f64, char, ());

macro_rules! impl_tuple {
    ($(($a:ident $b:ident $i:tt))+) => {
        impl<'a, $($a: AsArg<'a, $b>, $b),+> AsArg<'a, ($($b,)+)> for ($($a,)+) {
            fn as_arg(&'a self) -> ($($b,)+) {
                ($(self.$i.as_arg(),)+)
            }
        }
    };
}
impl_tuple!((A0 B0 0));
impl_tuple!((A0 B0 0) (A1 B1 1));
impl_tuple!((A0 B0 0) (A1 B1 1) (A2 B2 2));
impl_tuple!((A0 B0 0) (A1 B1 1) (A2 B2 2) (A3 B3 3));
impl_tuple!((A0 B0 0) (A1 B1 1) (A2 B2 2) (A3 B3 3) (A4 B4 4));
impl_tuple!((A0 B0 0) (A1 B1 1) (A2 B2 2) (A3 B3 3) (A4 B4 4) (A5 B5 5));
impl_tuple!((A0 B0 0) (A1 B1 1) (A2 B2 2) (A3 B3 3) (A4 B4 4) (A5 B5 5) (A6 B6 6));
impl_tuple!((A0 B0 0) (A1 B1 1) (A2 B2 2) (A3 B3 3) (A4 B4 4) (A5 B5 5) (A6 B6 6) (A7 B7 7));
impl_tuple!((A0 B0 0) (A1 B1 1) (A2 B2 2) (A3 B3 3) (A4 B4 4) (A5 B5 5) (A6 B6 6) (A7 B7 7) (A8 B8 8));
impl_tuple!((A0 B0 0) (A1 B1 1) (A2 B2 2) (A3 B3 3) (A4 B4 4) (A5 B5 5) (A6 B6 6) (A7 B7 7) (A8 B8 8) (A9 B9 9));
impl_tuple!((A0 B0 0) (A1 B1 1) (A2 B2 2) (A3 B3 3) (A4 B4 4) (A5 B5 5) (A6 B6 6) (A7 B7 7) (A8 B8 8) (A9 B9 9) (A10 B10 10));
impl_tuple!((A0 B0 0) (A1 B1 1) (A2 B2 2) (A3 B3 3) (A4 B4 4) (A5 B5 5) (A6 B6 6) (A7 B7 7) (A8 B8 8) (A9 B9 9) (A10 B10 10) (A11 B11 11));
impl_tuple!((A0 B0 0) (A1 B1 1) (A2 B2 2) (A3 B3 3) (A4 B4 4) (A5 B5 5) (A6 B6 6) (A7 B7 7) (A8 B8 8) (A9 B9 9) (A10 B10 10) (A11 B11 11) (A12 B12 12));
impl_tuple!((A0 B0 0) (A1 B1 1) (A2 B2 2) (A3 B3 3) (A4 B4 4) (A5 B5 5) (A6 B6 6) (A7 B7 7) (A8 B8 8) (A9 B9 9) (A10 B10 10) (A11 B11 11) (A12 B12 12) (A13 B13 13));
impl_tuple!((A0 B0 0) (A1 B1 1) (A2 B2 2) (A3 B3 3) (A4 B4 4) (A5 B5 5) (A6 B6 6) (A7 B7 7) (A8 B8 8) (A9 B9 9) (A10 B10 10) (A11 B11 11) (A12 B12 12) (A13 B13 13) (A14 B14 14));
impl_tuple!((A0 B0 0) (A1 B1 1) (A2 B2 2) (A3 B3 3) (A4 B4 4) (A5 B5 5) (A6 B6 6) (A7 B7 7) (A8 B8 8) (A9 B9 9) (A10 B10 10) (A11 B11 11) (A12 B12 12) (A13 B13 13) (A14 B14 14) (A15 B15 15));

/// `AsArg` by clone for a named type of the case (records, variants, enums,
/// flags), used where wit-bindgen passes it by value.
#[macro_export]
macro_rules! impl_named {
    ($($t:path),* $(,)?) => {$(
        impl<'a> $crate::as_arg::AsArg<'a, $t> for $t {
            fn as_arg(&'a self) -> $t {
                self.clone()
            }
        }
    )*};
}
