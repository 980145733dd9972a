//! Findings: what a failure leaves behind in `corpus/findings/<id>/`, so a
//! maintainer can read it as a bug report and replay it with one command.
//!
//! Findings are bucketed by a [`Signature`] (language, hop, what went wrong,
//! type kind), so one bug is one directory with a hit count. The directory
//! keeps the smallest reproducer seen so far (by case and value weight).
//!
//! Layout of a finding directory:
//! - `finding.toml`: the typed record ([`FindingMeta`], [`record`]): id,
//!   signature, kind, where it was seen, summary, count, the replay record
//!   and the host limits, toolchain and runtime versions; its first line is
//!   the replay command for people, rendered from the record;
//! - `world.wit`: the echo package (or the protocol of a resources finding);
//! - `call.wave`: the arguments sent and the result `upstream` answered;
//! - `steps.txt`: the steps of a resources finding (or its leak check);
//! - `observed.wave`: what arrived instead (when something arrived);
//! - `trap.txt`, `guest-output.txt`, `build.log`: when there are any.
//!
//! Every write is atomic: a whole directory is staged next to its final
//! place and swapped in with renames, and an interrupted swap is repaired
//! the next time the store is opened, so a killed campaign never loses a
//! finding it already reported, nor leaves half of one.

pub mod record;

pub use record::{Kind, Limits, Replay, Stage};

use crate::disk;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How a user runs witness, for the replay commands written in findings:
/// `$WITNESS_COMMAND`, else `cargo run --release -p witness --`.
pub fn command_prefix() -> String {
    std::env::var("WITNESS_COMMAND")
        .unwrap_or_else(|_| "cargo run --release -p witness --".to_string())
}

/// What a finding is about, for bucketing: one bug, one signature.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Signature {
    /// `rust`, `go`, `python`, or a chain `rust>go>python`.
    pub language: String,
    pub kind: Kind,
    /// Where it was seen: the echo [`Stage`] (`host->guest`, `build`), the
    /// class of a resources violation (`leak`), or the byte-level oracle's
    /// phase (`host lift-result`).
    pub site: String,
    /// What went wrong, normalised: `string-content in string`,
    /// `cannot leave component instance`, `error[E0412]`...
    pub class: String,
}

impl Signature {
    /// The one-line form written in `finding.toml` and matched by
    /// suppressions: `rust | trap | import result | cannot leave component instance`.
    pub fn text(&self) -> String {
        format!(
            "{} | {} | {} | {}",
            self.language, self.kind, self.site, self.class
        )
    }

    /// Reads back the one-line form of [`Signature::text`] (as written in
    /// `finding.toml`); `None` unless it has exactly four ` | `-separated parts.
    pub fn parse(text: &str) -> Option<Signature> {
        let mut parts = text.splitn(4, " | ");
        let (language, kind, site, class) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        Some(Signature {
            language: language.into(),
            kind: Kind::parse(kind)?,
            site: site.into(),
            class: class.into(),
        })
    }

    /// The finding's directory name: `rust-trap-1a2b3c4d`.
    pub fn id(&self) -> String {
        let hash = disk::content_key(&[self.text().as_bytes()]);
        let lang = self.language.replace(['>', ','], "-");
        format!("{lang}-{}-{}", self.kind, &hash[..8])
    }
}

/// Makes a message fit for a signature: numbers, addresses and quoted
/// names vary between hits of one bug, so they are replaced.
pub fn normalise_message(message: &str) -> String {
    let first = message
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let mut out = String::with_capacity(first.len());
    let mut chars = first.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            if c == '0' && chars.peek() == Some(&'x') {
                chars.next();
                while chars.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                    chars.next();
                }
                out.push_str("0xN");
                continue;
            }
            while chars.peek().is_some_and(|c| c.is_ascii_digit()) {
                chars.next();
            }
            out.push('N');
        } else if c == '`' {
            // `name` → `_`
            for c in chars.by_ref() {
                if c == '`' {
                    break;
                }
            }
            out.push_str("`_`");
        } else {
            out.push(c);
        }
    }
    if out.len() > 200 {
        let mut cut = 200;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out
}

/// `finding.toml`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FindingMeta {
    pub id: String,
    /// [`Signature::text`]: what suppressions match.
    pub signature: String,
    pub kind: Kind,
    /// `rust`, a chain `rust>go`, or `raw` for the byte-level oracle.
    pub language: String,
    /// The echo stage it was seen at (echo findings only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hop: Option<Stage>,
    /// The class of the violation (resources findings only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub violation: Option<String>,
    /// The oracle's phase (abi findings only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// Where in the value it diverged: `x.rows[3].cell.text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The `api` function of the smallest reproducer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    pub summary: String,
    /// For a chain: which link (or adapter between links) the failure was
    /// narrowed down to, by replaying the call on sub-chains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// How many times this signature was hit (over all campaigns).
    pub count: u64,
    /// Weight of the reproducer (case + values); smaller replaces larger.
    pub weight: u64,
    /// How it replays.
    pub replay: Replay,
    /// The host limits it ran under.
    pub limits: Limits,
    /// Runtime and toolchain versions.
    pub versions: BTreeMap<String, String>,
}

impl FindingMeta {
    /// The signature, read back from its text.
    pub fn parsed_signature(&self) -> Option<Signature> {
        Signature::parse(&self.signature)
    }
}

/// A finding about to be recorded, or loaded back.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub meta: FindingMeta,
    pub world_wit: String,
    /// `call.wave`: the call (echo and abi findings).
    pub call: Option<String>,
    /// `steps.txt`: the steps or the leak check (resources findings).
    pub steps: Option<String>,
    pub observed: Option<String>,
    pub trap: Option<String>,
    pub guest_output: Option<String>,
    pub build_log: Option<String>,
}

const FILES: [&str; 7] = [
    "world.wit",
    "call.wave",
    "steps.txt",
    "observed.wave",
    "trap.txt",
    "guest-output.txt",
    "build.log",
];

impl Finding {
    fn file_texts(&self) -> [Option<&str>; 7] {
        [
            Some(self.world_wit.as_str()),
            self.call.as_deref(),
            self.steps.as_deref(),
            self.observed.as_deref(),
            self.trap.as_deref(),
            self.guest_output
                .as_deref()
                .filter(|s| !s.trim().is_empty()),
            self.build_log.as_deref(),
        ]
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FindingError {
    #[error("I/O error at {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path} is not a readable finding: {reason}\nA finding directory holds finding.toml and \
         world.wit as witness writes them; restore the file from version control, or delete the \
         directory and run the campaign again.", reason = reason.trim_end()
    )]
    Corrupt { path: PathBuf, reason: String },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> FindingError + '_ {
    move |source| FindingError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What recording a finding did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub id: String,
    pub dir: PathBuf,
    /// First hit of this signature.
    pub new: bool,
    /// The stored reproducer was replaced by a smaller one.
    pub replaced: bool,
    pub count: u64,
}

/// The findings directory (`corpus/findings`).
#[derive(Debug, Clone)]
pub struct FindingStore {
    dir: PathBuf,
    /// How a user runs witness, for the replay command at the top of every
    /// `finding.toml` ([`command_prefix`] unless set).
    command_prefix: String,
}

impl FindingStore {
    /// Opens (and creates) the store, repairing any swap a killed campaign
    /// left half done.
    pub fn open(dir: impl Into<PathBuf>) -> Result<FindingStore, FindingError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        for entry in std::fs::read_dir(&dir).map_err(io_err(&dir))? {
            let entry = entry.map_err(io_err(&dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(id) = name.strip_prefix(".old-") {
                let live = dir.join(id);
                if live.join("finding.toml").exists() {
                    let _ = std::fs::remove_dir_all(entry.path());
                } else {
                    // The swap stopped between its two renames: put the old
                    // finding back.
                    let _ = std::fs::remove_dir_all(&live);
                    std::fs::rename(entry.path(), &live).map_err(io_err(&live))?;
                }
            } else if name.starts_with(".new-") {
                let _ = std::fs::remove_dir_all(entry.path());
            } else if name.starts_with(disk::TEMP_PREFIX) {
                std::fs::remove_file(entry.path()).map_err(io_err(&entry.path()))?;
            }
        }
        // A process killed while it rewrote a finding.toml leaves its
        // temporary file behind.
        for entry in std::fs::read_dir(&dir).map_err(io_err(&dir))? {
            let path = entry.map_err(io_err(&dir))?.path();
            if path.is_dir() {
                disk::remove_temp_files(&path).map_err(io_err(&path))?;
            }
        }
        Ok(FindingStore {
            dir,
            command_prefix: command_prefix(),
        })
    }

    /// The same store, writing replay commands that start with `prefix`.
    pub fn with_command_prefix(mut self, prefix: impl Into<String>) -> FindingStore {
        self.command_prefix = prefix.into();
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The command that replays `meta` as stored in this store.
    /// A finding made on another runtime than the in-process one is
    /// replayed on that runtime (`--runtime`).
    pub fn replay_command(&self, meta: &FindingMeta) -> String {
        let command =
            meta.replay
                .command(&self.command_prefix, &self.dir.join(&meta.id), &meta.limits);
        match meta.versions.get("wasmtime") {
            Some(v) if v != crate::host::WASMTIME_VERSION => {
                format!("{command} --runtime wasmtime@{v}")
            }
            _ => command,
        }
    }

    /// Records a hit: a new directory for a new signature, else the count is
    /// raised and the reproducer replaced when the new one is lighter.
    pub fn record(&self, mut finding: Finding) -> Result<Recorded, FindingError> {
        let id = finding.meta.id.clone();
        let live = self.dir.join(&id);
        let existing = if live.join("finding.toml").exists() {
            Some(read_meta(&live)?)
        } else {
            None
        };
        match existing {
            None => {
                finding.meta.count = finding.meta.count.max(1);
                let count = finding.meta.count;
                self.swap_in(&finding)?;
                Ok(Recorded {
                    id,
                    dir: live,
                    new: true,
                    replaced: false,
                    count,
                })
            }
            Some(old) => {
                let count = old.count + finding.meta.count.max(1);
                if finding.meta.weight < old.weight {
                    finding.meta.count = count;
                    self.swap_in(&finding)?;
                    Ok(Recorded {
                        id,
                        dir: live,
                        new: false,
                        replaced: true,
                        count,
                    })
                } else {
                    let meta = FindingMeta { count, ..old };
                    self.write_meta(&live, &meta)?;
                    Ok(Recorded {
                        id,
                        dir: live,
                        new: false,
                        replaced: false,
                        count,
                    })
                }
            }
        }
    }

    /// The hit count of the finding `id`; `None` when there is none.
    pub fn count(&self, id: &str) -> Result<Option<u64>, FindingError> {
        let live = self.dir.join(id);
        if !live.join("finding.toml").exists() {
            return Ok(None);
        }
        Ok(Some(read_meta(&live)?.count))
    }

    /// Puts the hit count of the finding `id` back to `count`, as it was
    /// before an interrupted piece of work that is about to run again
    /// ([`FindingStore::count`]); `None` removes a finding that piece of
    /// work made.
    pub fn restore_count(&self, id: &str, count: Option<u64>) -> Result<(), FindingError> {
        let live = self.dir.join(id);
        if !live.join("finding.toml").exists() {
            return Ok(());
        }
        match count {
            Some(count) => {
                let meta = FindingMeta {
                    count,
                    ..read_meta(&live)?
                };
                self.write_meta(&live, &meta)
            }
            None => {
                let old = self.dir.join(format!(".old-{id}"));
                let _ = std::fs::remove_dir_all(&old);
                std::fs::rename(&live, &old).map_err(io_err(&live))?;
                std::fs::remove_dir_all(&old).map_err(io_err(&old))
            }
        }
    }

    /// Replaces the stored reproducer of an existing finding with `finding`
    /// when it is lighter, keeping the hit count (a shrunk reproducer is not
    /// a new hit). Returns whether it was replaced.
    pub fn replace_reproducer(&self, mut finding: Finding) -> Result<bool, FindingError> {
        let live = self.dir.join(&finding.meta.id);
        let old = read_meta(&live)?;
        if finding.meta.weight >= old.weight {
            return Ok(false);
        }
        finding.meta.count = old.count;
        self.swap_in(&finding)?;
        Ok(true)
    }

    /// Writes `finding` into a staging directory, then swaps it in.
    fn swap_in(&self, finding: &Finding) -> Result<(), FindingError> {
        let id = &finding.meta.id;
        let live = self.dir.join(id);
        let staged = self.dir.join(format!(".new-{id}"));
        let old = self.dir.join(format!(".old-{id}"));
        let _ = std::fs::remove_dir_all(&staged);
        std::fs::create_dir_all(&staged).map_err(io_err(&staged))?;
        for (name, text) in FILES.iter().zip(finding.file_texts()) {
            if let Some(text) = text {
                let path = staged.join(name);
                disk::write_atomic(&path, text.as_bytes()).map_err(io_err(&path))?;
            }
        }
        self.write_meta(&staged, &finding.meta)?;
        if live.exists() {
            let _ = std::fs::remove_dir_all(&old);
            std::fs::rename(&live, &old).map_err(io_err(&live))?;
        }
        std::fs::rename(&staged, &live).map_err(io_err(&live))?;
        let _ = std::fs::remove_dir_all(&old);
        Ok(())
    }

    /// Every finding in the store, sorted by id.
    pub fn list(&self) -> Result<Vec<FindingMeta>, FindingError> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.dir).map_err(io_err(&self.dir))? {
            let entry = entry.map_err(io_err(&self.dir))?;
            if entry.path().join("finding.toml").exists() {
                out.push(read_meta(&entry.path())?);
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }
}

impl FindingStore {
    /// Writes `meta` as `dir/finding.toml` (`dir` is the finding's directory
    /// or its staging copy), headed by its replay command.
    fn write_meta(&self, dir: &Path, meta: &FindingMeta) -> Result<(), FindingError> {
        let path = dir.join("finding.toml");
        let text = toml::to_string_pretty(meta).expect("finding metadata serialises");
        let text = format!(
            "# witness finding: replay with `{}`\n{text}",
            self.replay_command(meta)
        );
        disk::write_atomic(&path, text.as_bytes()).map_err(io_err(&path))
    }
}

fn read_meta(dir: &Path) -> Result<FindingMeta, FindingError> {
    let path = dir.join("finding.toml");
    let text = std::fs::read_to_string(&path).map_err(io_err(&path))?;
    toml::from_str(&text).map_err(|e| FindingError::Corrupt {
        path,
        reason: e.to_string(),
    })
}

/// Loads the finding in `dir` (for `witness repro`).
pub fn load(dir: &Path) -> Result<Finding, FindingError> {
    if !dir.join("finding.toml").exists() {
        return Err(FindingError::Corrupt {
            path: dir.to_path_buf(),
            reason: "there is no finding.toml in it".into(),
        });
    }
    let meta = read_meta(dir)?;
    let read = |name: &str| -> Result<Option<String>, FindingError> {
        let path = dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(FindingError::Io { path, source: e }),
        }
    };
    let world_wit = read("world.wit")?.ok_or_else(|| FindingError::Corrupt {
        path: dir.join("world.wit"),
        reason: "the file is missing".into(),
    })?;
    Ok(Finding {
        meta,
        world_wit,
        call: read("call.wave")?,
        steps: read("steps.txt")?,
        observed: read("observed.wave")?,
        trap: read("trap.txt")?,
        guest_output: read("guest-output.txt")?,
        build_log: read("build.log")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(class: &str, weight: u64) -> Finding {
        let sig = Signature {
            language: "rust".into(),
            kind: Kind::Mismatch,
            site: Stage::ExportResult.as_str().into(),
            class: class.into(),
        };
        Finding {
            meta: FindingMeta {
                id: sig.id(),
                signature: sig.text(),
                kind: sig.kind,
                language: sig.language.clone(),
                hop: Some(Stage::ExportResult),
                violation: None,
                phase: None,
                path: Some("result.a".into()),
                function: Some("f".into()),
                summary: format!("weight {weight}"),
                link: None,
                count: 1,
                weight,
                replay: Replay::Echo {
                    links: vec!["rust".into()],
                    instance_seed: 1,
                    seed: Some(1),
                    world: Some(2),
                    call: Some(3),
                },
                limits: Limits::of(&crate::host::HostConfig::default()),
                versions: BTreeMap::from([("wasmtime".to_string(), "48.0.8".to_string())]),
            },
            world_wit: format!("package witness:case; // {weight}\n"),
            call: Some("x: 1\n".into()),
            steps: None,
            observed: Some("x: 2\n".into()),
            trap: None,
            guest_output: None,
            build_log: None,
        }
    }

    #[test]
    fn one_signature_is_one_finding_with_a_count_and_the_lightest_reproducer() {
        let dir = tempfile::tempdir().unwrap();
        let store = FindingStore::open(dir.path()).unwrap();
        let first = store.record(finding("int-value in int", 50)).unwrap();
        assert!(first.new);
        let heavier = store.record(finding("int-value in int", 80)).unwrap();
        assert!(!heavier.new && !heavier.replaced);
        let lighter = store.record(finding("int-value in int", 10)).unwrap();
        assert!(lighter.replaced);
        assert_eq!(lighter.count, 3);
        let back = load(&first.dir).unwrap();
        assert_eq!(back.meta.count, 3);
        assert_eq!(back.meta.weight, 10);
        assert!(back.world_wit.contains("// 10"));
        let other = store
            .record(finding("string-content in string", 10))
            .unwrap();
        assert!(other.new);
        assert_eq!(store.list().unwrap().len(), 2);
    }

    #[test]
    fn a_shrunk_reproducer_replaces_a_heavier_one_and_keeps_the_count() {
        let dir = tempfile::tempdir().unwrap();
        let store = FindingStore::open(dir.path()).unwrap();
        store.record(finding("c", 50)).unwrap();
        store.record(finding("c", 60)).unwrap();
        assert!(
            !store.replace_reproducer(finding("c", 50)).unwrap(),
            "not lighter"
        );
        assert!(store.replace_reproducer(finding("c", 7)).unwrap());
        let back = store.list().unwrap().remove(0);
        assert_eq!((back.weight, back.count), (7, 2));
        let sig = Signature::parse(&back.signature).unwrap();
        assert_eq!(sig.id(), back.id);
        assert!(Signature::parse("rust | trap").is_none());
    }

    #[test]
    fn an_interrupted_swap_is_repaired_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let store = FindingStore::open(dir.path()).unwrap();
        let rec = store.record(finding("c", 5)).unwrap();
        // Simulate a kill between the two renames of a swap.
        let old = dir.path().join(format!(".old-{}", rec.id));
        std::fs::rename(&rec.dir, &old).unwrap();
        std::fs::create_dir_all(dir.path().join(format!(".new-{}", rec.id))).unwrap();
        let store = FindingStore::open(dir.path()).unwrap();
        assert_eq!(store.list().unwrap().len(), 1);
        assert!(load(&rec.dir).is_ok());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "staging leftovers are removed"
        );
    }

    #[test]
    fn the_replay_command_names_the_store_it_is_in() {
        let dir = tempfile::tempdir().unwrap();
        let store = FindingStore::open(dir.path().join("mine"))
            .unwrap()
            .with_command_prefix("witness");
        let rec = store.record(finding("c", 5)).unwrap();
        let text = std::fs::read_to_string(rec.dir.join("finding.toml")).unwrap();
        let first = text.lines().next().unwrap();
        assert_eq!(
            first,
            format!(
                "# witness finding: replay with `witness repro {}`",
                rec.dir.display()
            )
        );
        assert!(!text.contains("corpus/findings"), "{text}");
    }

    #[test]
    fn a_finding_in_the_old_untyped_form_is_refused_with_the_file_named() {
        let dir = tempfile::tempdir().unwrap();
        let store = FindingStore::open(dir.path()).unwrap();
        let rec = store.record(finding("c", 5)).unwrap();
        let old = "id = \"x\"\nsignature = \"rust | trap | link | x\"\nkind = \"trap\"\n\
                   language = \"rust\"\nhop = \"link\"\nsummary = \"s\"\ncount = 1\nweight = 1\n\
                   replay = \"witness repro corpus/findings/x\"\n[versions]\n";
        std::fs::write(rec.dir.join("finding.toml"), old).unwrap();
        let err = load(&rec.dir).unwrap_err().to_string();
        assert!(err.contains("finding.toml"), "{err}");
    }

    #[test]
    fn a_broken_finding_file_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = FindingStore::open(dir.path()).unwrap();
        let rec = store.record(finding("c", 5)).unwrap();
        std::fs::write(rec.dir.join("finding.toml"), "count = \"many\"").unwrap();
        let err = load(&rec.dir).unwrap_err().to_string();
        assert!(err.contains("finding.toml"), "{err}");
        assert!(err.contains("restore"), "{err}");
    }

    #[test]
    fn messages_are_normalised_for_signatures() {
        assert_eq!(
            normalise_message("invalid discriminant 7 at 0x1fa0 in `foo`\nbacktrace..."),
            "invalid discriminant N at 0xN in `_`"
        );
    }
}
