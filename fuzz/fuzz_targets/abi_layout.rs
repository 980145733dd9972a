#![no_main]
//! `abi_layout`: see `witness::fuzzing` for what it checks.

use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    if witness::fuzzing::run("abi_layout", data) {
        Corpus::Keep
    } else {
        Corpus::Reject
    }
});
