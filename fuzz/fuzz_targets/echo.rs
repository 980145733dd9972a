#![no_main]
//! `echo`: see `witness::fuzzing` for what it checks; `WITNESS_FUZZ_ECHO_LANG`
//! names the guest language (any of the registry; `rust` by default).

use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    if witness::fuzzing::run("echo", data) {
        Corpus::Keep
    } else {
        Corpus::Reject
    }
});
