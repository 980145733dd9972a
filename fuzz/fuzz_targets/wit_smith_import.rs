#![no_main]
//! `wit_smith_import`: see `witness::fuzzing` for what it checks.

use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    if witness::fuzzing::run("wit_smith_import", data) {
        Corpus::Keep
    } else {
        Corpus::Reject
    }
});
