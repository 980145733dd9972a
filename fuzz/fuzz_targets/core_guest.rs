#![no_main]
//! `core_guest`: see `witness::fuzzing` for what it checks.

use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    if witness::fuzzing::run("core_guest", data) {
        Corpus::Keep
    } else {
        Corpus::Reject
    }
});
