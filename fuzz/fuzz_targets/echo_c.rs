#![no_main]
//! `echo_c`: see `witness::fuzzing` for what it checks.

use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    if witness::fuzzing::run("echo_c", data) {
        Corpus::Keep
    } else {
        Corpus::Reject
    }
});
