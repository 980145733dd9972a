//! Refusing settings that make no test: zero counts, a zero or overflowing
//! memory cap, zero fuel, a zero deadline.
//!
//! Each would otherwise run "successfully": `--worlds 0` passes nothing and
//! exits 0, `--memory-mib 0` turns every world into a fake trap finding,
//! `--fuel 0` makes every instantiation trap. The command line checks its
//! options with these functions (exit 2, the message names the option and
//! the fix); [`crate::host::Host::new`] checks its [`HostConfig`] with
//! [`HostConfig::validate`] for library callers.

use crate::host::HostConfig;

/// A setting under which nothing would be tested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    #[error(
        "{option} 0 asks for no {what}, so nothing would be tested; give {option} a positive number (or leave it out for the default)"
    )]
    ZeroCount {
        option: &'static str,
        what: &'static str,
    },
    #[error(
        "--memory-mib {mib} is not a usable linear memory cap: {why}; give a number of MiB from 1 to {max} (the default is 1024)",
        max = usize::MAX >> 20
    )]
    MemoryCap { mib: usize, why: &'static str },
    #[error(
        "--fuel 0 gives each call no fuel, so every guest would trap before it runs; give --fuel a positive number of (roughly) wasm instructions per call (the default is {})",
        HostConfig::default().fuel_per_call
    )]
    ZeroFuel,
    #[error(
        "the host's {what} is zero, so every guest would be stopped before it runs; give it a positive duration"
    )]
    ZeroDeadline { what: &'static str },
    #[error(
        "--sequences 0 with --cycles 0 asks for neither sequences nor a leak check, so nothing would be tested; give --sequences a positive number, or --cycles a positive number to run only the leak check"
    )]
    NoResourcesWork,
}

/// `value` of the count option `option` (`--worlds`), refused when zero;
/// `what` names what it counts (`worlds`).
pub fn count(option: &'static str, what: &'static str, value: u64) -> Result<u64, LimitError> {
    if value == 0 {
        Err(LimitError::ZeroCount { option, what })
    } else {
        Ok(value)
    }
}

/// `--memory-mib` in bytes, refused when zero or when it does not fit in
/// the address space.
pub fn memory_mib(mib: usize) -> Result<usize, LimitError> {
    match mib.checked_mul(1 << 20) {
        _ if mib == 0 => Err(LimitError::MemoryCap {
            mib,
            why: "a guest could not even have its first page",
        }),
        None => Err(LimitError::MemoryCap {
            mib,
            why: "that many bytes do not fit in this machine's address space",
        }),
        Some(bytes) => Ok(bytes),
    }
}

/// `--fuel`, refused when zero.
pub fn fuel(fuel: u64) -> Result<u64, LimitError> {
    if fuel == 0 {
        Err(LimitError::ZeroFuel)
    } else {
        Ok(fuel)
    }
}

/// A resources run's `--sequences` and `--cycles`: zero sequences is a
/// leak-check-only run, but both zero is nothing.
pub fn resources_work(sequences: u64, cycles: u32) -> Result<(), LimitError> {
    if sequences == 0 && cycles == 0 {
        Err(LimitError::NoResourcesWork)
    } else {
        Ok(())
    }
}

impl HostConfig {
    /// Refuses a configuration under which no guest could run: no memory,
    /// no fuel, no time.
    pub fn validate(&self) -> Result<(), LimitError> {
        if self.memory_limit == 0 {
            return Err(LimitError::MemoryCap {
                mib: 0,
                why: "a guest could not even have its first page",
            });
        }
        fuel(self.fuel_per_call)?;
        if self.deadline.is_zero() {
            return Err(LimitError::ZeroDeadline {
                what: "per-call deadline",
            });
        }
        if self.instantiation_deadline.is_zero() {
            return Err(LimitError::ZeroDeadline {
                what: "instantiation deadline",
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_counts_are_refused_and_name_their_option() {
        assert_eq!(count("--worlds", "worlds", 3), Ok(3));
        let e = count("--worlds", "worlds", 0).unwrap_err();
        assert!(
            e.to_string().starts_with("--worlds 0 asks for no worlds"),
            "{e}"
        );
        assert!(
            count("--calls", "calls", 0)
                .unwrap_err()
                .to_string()
                .contains("--calls")
        );
    }

    #[test]
    fn zero_and_wrapping_memory_caps_are_refused() {
        assert_eq!(memory_mib(1024), Ok(1 << 30));
        assert!(matches!(
            memory_mib(0),
            Err(LimitError::MemoryCap { mib: 0, .. })
        ));
        // 2^44 MiB << 20 wraps to 0 on a 64-bit machine.
        let wrapping = 1usize << (usize::BITS - 20);
        assert_eq!(wrapping.wrapping_shl(20), 0);
        let e = memory_mib(wrapping).unwrap_err();
        assert!(e.to_string().contains("--memory-mib"), "{e}");
        assert_eq!(memory_mib(usize::MAX >> 20), Ok((usize::MAX >> 20) << 20));
    }

    #[test]
    fn zero_fuel_and_zero_deadlines_are_refused() {
        assert_eq!(fuel(0), Err(LimitError::ZeroFuel));
        assert_eq!(fuel(10), Ok(10));
        assert_eq!(HostConfig::default().validate(), Ok(()));
        let no_memory = HostConfig {
            memory_limit: 0,
            ..HostConfig::default()
        };
        assert!(no_memory.validate().is_err());
        let no_fuel = HostConfig {
            fuel_per_call: 0,
            ..HostConfig::default()
        };
        assert_eq!(no_fuel.validate(), Err(LimitError::ZeroFuel));
        let no_time = HostConfig {
            deadline: std::time::Duration::ZERO,
            ..HostConfig::default()
        };
        assert!(no_time.validate().is_err());
    }

    #[test]
    fn a_resources_run_needs_sequences_or_a_leak_check() {
        assert_eq!(resources_work(0, 0), Err(LimitError::NoResourcesWork));
        assert_eq!(resources_work(0, 100), Ok(()), "leak checks only");
        assert_eq!(resources_work(5, 0), Ok(()));
    }
}
