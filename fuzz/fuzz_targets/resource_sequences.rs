#![no_main]
//! `resource_sequences`: see `witness::fuzzing` for what it checks.

use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    if witness::fuzzing::run("resource_sequences", data) {
        Corpus::Keep
    } else {
        Corpus::Reject
    }
});
