//! Shared by the tests of the resources module: one host, and each guest
//! (language and fault) built once per test process (and cached on disk
//! across processes by the guest builder).

use super::{Fault, Prepared, prepare};
use crate::disk::Cache;
use crate::host::{Host, HostConfig};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

pub(crate) fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| Host::new(HostConfig::default(), &Cache::from_env()).expect("a host"))
}

/// Built guests by language and fault.
type Guests = HashMap<(String, Option<Fault>), &'static Prepared<'static>>;

/// The resources guest of `language` built with `fault`, ready to run.
pub(crate) fn guest(language: &str, fault: Option<Fault>) -> &'static Prepared<'static> {
    static GUESTS: OnceLock<Mutex<Guests>> = OnceLock::new();
    let guests = GUESTS.get_or_init(Default::default);
    // Held while building: one guest build at a time in the process.
    let mut map = guests.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(prepared) = map.get(&(language.to_string(), fault)) {
        return prepared;
    }
    let prepared = prepare(language, fault, host(), &Cache::from_env(), 1)
        .unwrap_or_else(|e| panic!("the {language} toolchain is not usable: {e}"))
        .unwrap_or_else(|e| {
            panic!("the {language} resources guest (fault {fault:?}) does not build: {e}")
        });
    let prepared: &'static Prepared<'static> = Box::leak(Box::new(prepared));
    map.insert((language.to_string(), fault), prepared);
    prepared
}
