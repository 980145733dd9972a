//! The typed record of a finding (`finding.toml`): what kind of failure it
//! is, where it was seen, how to replay it and under which host limits.
//!
//! A finding's replay is data ([`Replay`]), one variant per way of replaying:
//! the command a person runs is rendered from it ([`Replay::command`]) and
//! never parsed back. Every field means one thing: `hop` is the stage of the
//! echo pipeline, `violation` the class of a resources violation, `phase` the
//! byte-level oracle's phase; each appears only on the findings it belongs
//! to.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;

/// What went wrong, as the first word of a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The guest (or a link of a chain, or a resources guest) did not build,
    /// or wasmtime rejected what the toolchain made.
    Build,
    /// A call or an instantiation trapped.
    Trap,
    /// A value arrived different from what was sent.
    Mismatch,
    /// The guest broke the echo protocol, or does not link against it.
    Protocol,
    /// A sandbox limit was hit (fuel, memory, the wall-clock deadline).
    Limit,
    /// A resources violation (`witness resources`).
    Resource,
    /// A disagreement of the byte-level ABI oracle (`witness abi`).
    Abi,
    /// The runtime under test panicked, aborted or was killed by a signal
    /// (SIGSEGV, SIGBUS, SIGILL, ...) in its executor, or in process.
    HostCrash,
    /// The runtime under test did not answer within the wall deadline (in
    /// host code, where the sandbox's epoch deadline cannot stop it).
    Hang,
    /// The guest's linear memory kept growing over thousands of echo calls
    /// on one instance (the echo's leak check on worlds with resources).
    Leak,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::Build,
        Kind::Trap,
        Kind::Mismatch,
        Kind::Protocol,
        Kind::Limit,
        Kind::Resource,
        Kind::Abi,
        Kind::HostCrash,
        Kind::Hang,
        Kind::Leak,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Build => "build",
            Kind::Trap => "trap",
            Kind::Mismatch => "mismatch",
            Kind::Protocol => "protocol",
            Kind::Limit => "limit",
            Kind::Resource => "resource",
            Kind::Abi => "abi",
            Kind::HostCrash => "host-crash",
            Kind::Hang => "hang",
            Kind::Leak => "leak",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in the echo pipeline a failure was seen: a stage before the call,
/// or the crossing of the call where it was first observed (see
/// [`crate::host::echo`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// The bindings generator, the compiler or the composition of a chain.
    Build,
    /// wasmtime compiling the component.
    Compile,
    /// Linking against the echo world.
    Link,
    /// Instantiation.
    Instantiate,
    /// Arguments lowered from the host into the guest's export.
    HostToGuest,
    /// Arguments lifted from the guest's call of the `upstream` import.
    GuestToHostImport,
    /// The import's result lowered back into the guest.
    ImportResult,
    /// The export's result lifted out of the guest.
    ExportResult,
    /// The destructors of the guest's own resources, run during the call
    /// (for the handles it was given to own) and after it (for those it
    /// returned and those it was lent).
    Destructor,
    /// Many calls on one instance (the leak check), not one crossing.
    Cycles,
}

impl Stage {
    /// The text of the stage in signatures (`host->guest`, `export result`).
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Build => "build",
            Stage::Compile => "compile",
            Stage::Link => "link",
            Stage::Instantiate => "instantiate",
            Stage::HostToGuest => "host->guest",
            Stage::GuestToHostImport => "guest->host import",
            Stage::ImportResult => "import result",
            Stage::ExportResult => "export result",
            Stage::Destructor => "destructor",
            Stage::Cycles => "cycles",
        }
    }

    /// Whether the stage is one of a call (a crossing), not one before it.
    pub fn is_call(self) -> bool {
        matches!(
            self,
            Stage::HostToGuest
                | Stage::GuestToHostImport
                | Stage::ImportResult
                | Stage::ExportResult
                | Stage::Destructor
        )
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The host limits a finding was made under; a replay runs under the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Fuel given to each call and to instantiation.
    pub fuel_per_call: u64,
    /// The cap on each linear memory, in bytes.
    pub memory_bytes: u64,
    /// The wall-clock deadline of each call, in milliseconds.
    #[serde(default = "default_deadline_ms")]
    pub deadline_ms: u64,
}

fn default_deadline_ms() -> u64 {
    crate::host::HostConfig::default().deadline.as_millis() as u64
}

impl Limits {
    /// The limits of a host configuration.
    pub fn of(host: &crate::host::HostConfig) -> Limits {
        Limits {
            fuel_per_call: host.fuel_per_call,
            memory_bytes: host.memory_limit as u64,
            deadline_ms: host.deadline.as_millis() as u64,
        }
    }

    /// `host` with these limits.
    pub fn apply(&self, host: crate::host::HostConfig) -> crate::host::HostConfig {
        crate::host::HostConfig {
            fuel_per_call: self.fuel_per_call,
            memory_limit: usize::try_from(self.memory_bytes).unwrap_or(usize::MAX),
            deadline: std::time::Duration::from_millis(self.deadline_ms),
            ..host
        }
    }

    /// The command-line options that set these limits where they differ from
    /// the defaults (` --fuel N --memory-mib M`), for replay commands.
    fn options(&self) -> String {
        let default = Limits::of(&crate::host::HostConfig::default());
        let mut out = String::new();
        if self.fuel_per_call != default.fuel_per_call {
            out.push_str(&format!(" --fuel {}", self.fuel_per_call));
        }
        if self.memory_bytes != default.memory_bytes {
            out.push_str(&format!(" --memory-mib {}", self.memory_bytes >> 20));
        }
        if self.deadline_ms != default.deadline_ms {
            out.push_str(&format!(" --deadline-ms {}", self.deadline_ms));
        }
        out
    }
}

/// How a finding replays: one variant per kind of case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "kebab-case")]
pub enum Replay {
    /// An echo case: the world in `world.wit` and, for a failure of a call,
    /// the call in `call.wave`, on one guest or a chain (`links`, outermost
    /// first), in an instance whose randomness comes from `instance_seed`.
    /// `seed`, `world` and `call` say where a campaign drew it (a finding
    /// from user WIT has no world index; a shrunk one keeps where it came
    /// from).
    Echo {
        links: Vec<String>,
        instance_seed: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seed: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        world: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        call: Option<u64>,
    },
    /// Steps of the resources protocol (in `steps.txt`) on a language's
    /// resources guest; `sequence` is the sequence of the seed it was shrunk
    /// from.
    ResourceSteps {
        language: String,
        seed: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sequence: Option<u64>,
        /// The deliberate guest fault it was built with
        /// ([`crate::resources::Fault`]), for the oracles' own tests.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fault: Option<String>,
    },
    /// The echo's leak check on the world in `world.wit`: `cycles` calls
    /// on one instance (values and instance drawn from `instance_seed`),
    /// linear memory compared after the first tenth and at the end.
    EchoLeakCheck {
        links: Vec<String>,
        instance_seed: u64,
        cycles: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seed: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        world: Option<u64>,
    },
    /// A leak check: `cycles` cycles of `cycle`
    /// ([`crate::resources::runner::Cycle::name`]).
    LeakCheck {
        language: String,
        seed: u64,
        cycle: String,
        cycles: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fault: Option<String>,
    },
    /// A language's resources guest that does not build.
    ResourceBuild {
        language: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fault: Option<String>,
    },
    /// Case `case` of seed `seed` of the byte-level ABI oracle.
    Abi { seed: u64, case: u64 },
}

impl Replay {
    /// An echo case on `links` in an instance seeded `instance_seed`, not
    /// drawn from a campaign (a test's, a fuzz input's).
    pub fn echo(links: Vec<String>, instance_seed: u64) -> Replay {
        Replay::Echo {
            links,
            instance_seed,
            seed: None,
            world: None,
            call: None,
        }
    }

    /// The command a person runs to replay the finding stored in `dir`
    /// under `limits`, starting with `prefix` (how they run witness).
    pub fn command(&self, prefix: &str, dir: &Path, limits: &Limits) -> String {
        let limits = limits.options();
        let fault = |f: &Option<String>| {
            f.as_ref()
                .map_or(String::new(), |f| format!(" --fault {f}"))
        };
        match self {
            Replay::Echo { .. } | Replay::EchoLeakCheck { .. } => {
                format!("{prefix} repro {}", dir.display())
            }
            Replay::ResourceSteps { .. } => {
                format!("{prefix} resources --replay {}{limits}", dir.display())
            }
            Replay::LeakCheck {
                language,
                cycles,
                fault: f,
                ..
            } => format!(
                "{prefix} resources --lang {language} --sequences 0 --cycles {cycles}{}{limits}",
                fault(f)
            ),
            Replay::ResourceBuild { language, fault: f } => format!(
                "{prefix} resources --lang {language} --sequences 1{}{limits}",
                fault(f)
            ),
            Replay::Abi { seed, case } => {
                format!("{prefix} abi --seed {seed} --case {case}{limits}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::HostConfig;

    #[test]
    fn replay_commands_are_rendered_from_the_record_with_the_limits() {
        let dir = Path::new("/tmp/c/findings/rust-trap-1");
        let default = Limits::of(&HostConfig::default());
        let echo = Replay::Echo {
            links: vec!["rust".into()],
            instance_seed: 7,
            seed: Some(1),
            world: Some(2),
            call: Some(3),
        };
        assert_eq!(
            echo.command("witness", dir, &default),
            "witness repro /tmp/c/findings/rust-trap-1"
        );
        let small = Limits {
            fuel_per_call: 2000,
            memory_bytes: 64 << 20,
            ..default
        };
        let abi = Replay::Abi { seed: 2, case: 9 };
        assert_eq!(
            abi.command("witness", dir, &small),
            "witness abi --seed 2 --case 9 --fuel 2000 --memory-mib 64"
        );
        let leak = Replay::LeakCheck {
            language: "go".into(),
            seed: 1,
            cycle: "new+drop".into(),
            cycles: 100,
            fault: Some("never-destroy".into()),
        };
        assert_eq!(
            leak.command("w", dir, &default),
            "w resources --lang go --sequences 0 --cycles 100 --fault never-destroy"
        );
    }

    #[test]
    fn a_record_survives_toml_and_an_unknown_family_is_refused() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct Doc {
            replay: Replay,
            limits: Limits,
        }
        let doc = Doc {
            replay: Replay::ResourceSteps {
                language: "python".into(),
                seed: 4,
                sequence: Some(7),
                fault: None,
            },
            limits: Limits {
                fuel_per_call: 10,
                memory_bytes: 1 << 20,
                deadline_ms: 500,
            },
        };
        let text = toml::to_string_pretty(&doc).unwrap();
        assert!(text.contains("family = \"resource-steps\""), "{text}");
        assert_eq!(toml::from_str::<Doc>(&text).unwrap(), doc);
        let bad = text.replace("resource-steps", "sabotage");
        assert!(toml::from_str::<Doc>(&bad).is_err());
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
    }
}
