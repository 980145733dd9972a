#![no_main]
//! `world_generation`: see `witness::fuzzing` for what it checks.

use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    if witness::fuzzing::run("world_generation", data) {
        Corpus::Keep
    } else {
        Corpus::Reject
    }
});
