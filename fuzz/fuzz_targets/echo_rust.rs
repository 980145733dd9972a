#![no_main]
//! `echo_rust`: see `witness::fuzzing` for what it checks.

use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    if witness::fuzzing::run("echo_rust", data) {
        Corpus::Keep
    } else {
        Corpus::Reject
    }
});
