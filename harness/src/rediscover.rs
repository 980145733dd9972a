//! Rediscovery: a differential across two versions of a runtime. The same
//! seeded campaign runs against the affected version A, and every finding
//! it writes is replayed on the fixed version B (the control) and on A
//! again; the first finding that A reproduces and B does not is what
//! changed between them. Nothing here knows which bug a pair contains.
//!
//! The campaign is any witness campaign command (`abi ...`, `run ...`),
//! run as a child process of witness with `--runtime A` and a corpus of its
//! own, so its findings are written (atomically) exactly as usual and read
//! back through the ordinary finding store. Both executors are built before
//! the clock starts: the time to detection is the campaign's, not cargo's.
//!
//! A table ([`Table`], `corpus/rediscovery.toml`) runs entries over several
//! seeds and renders `reports/rediscovery.md` ([`render_table`]).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::disk::Cache;
use crate::finding::{self, Replay};
use crate::host::HostConfig;
use crate::reproduce::{self, ReproduceError};
use crate::runtime::{Placement, RuntimeSpec};

/// One rediscovery: a campaign on A, controlled on B.
#[derive(Debug, Clone)]
pub struct Pair {
    pub affected: RuntimeSpec,
    pub fixed: RuntimeSpec,
    /// The campaign's command line after `witness` (`abi --seed 1 ...`).
    pub command: Vec<String>,
    pub budget: Duration,
    /// Stop after this many differences (1: at the first). A pair of
    /// versions may lie across several fixes.
    pub differences: usize,
    /// Where the campaign's corpus goes (emptied first).
    pub work: PathBuf,
}

/// What a rediscovery ended with.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The differences found, in the order found (at most the pair's
    /// `differences`).
    pub detections: Vec<Detection>,
    pub elapsed: Duration,
    /// Findings A had that B had too (not differences), or that A did not
    /// reproduce on replay.
    pub shared: Vec<String>,
    /// Why the campaign ended before the budget, if it did.
    pub ended: Option<String>,
}

/// A finding A has and B does not.
#[derive(Debug, Clone)]
pub struct Detection {
    pub elapsed: Duration,
    /// Cases (abi), worlds (run) or sequences (resources) the campaign had reached, from the
    /// finding's replay record.
    pub cases: Option<u64>,
    pub signature: String,
    pub finding: PathBuf,
    /// What B did with it.
    pub control: String,
    /// What `witness shrink` made of it (echo findings; an abi finding is
    /// one case already).
    pub shrunk: Option<String>,
}

impl Detection {
    /// `found in N s (M cases): <signature>`.
    pub fn line(&self) -> String {
        format!(
            "found in {} s ({} cases): {}",
            self.elapsed.as_secs(),
            self.cases.map_or("?".to_string(), |c| c.to_string()),
            self.signature
        )
    }
}

impl Outcome {
    pub fn found(&self) -> bool {
        !self.detections.is_empty()
    }

    /// `found in N s (M cases): <signature>` (the first difference) or
    /// `not found in N s`.
    pub fn last_line(&self) -> String {
        match self.detections.first() {
            Some(d) => d.line(),
            None => format!("not found in {} s", self.elapsed.as_secs()),
        }
    }
}

/// Errors of set-up, not outcomes.
#[derive(Debug, thiserror::Error)]
pub enum RediscoverError {
    #[error(transparent)]
    Executor(#[from] crate::runtime::executor::ExecutorError),
    #[error(transparent)]
    Reproduce(#[from] ReproduceError),
    #[error("I/O error at {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the campaign command `{0}` is not one witness can run against a runtime: give a \
         campaign command after `--`, such as `abi --seed 1 --cases 100000` or \
         `run --lang rust --seed 1 --worlds 1000` or `resources --sequences 2000`"
    )]
    Command(String),
    #[error(
        "the campaign command `{command}` sets {option}, which rediscover sets itself \
         (--runtime, --isolate, --corpus and --quiet): drop it"
    )]
    OwnOption { command: String, option: String },
    #[error("the affected and fixed runtimes are the same ({0}): a differential needs two")]
    SameRuntime(RuntimeSpec),
    #[error("could not read the rediscovery table {}: {message}", path.display())]
    Table { path: PathBuf, message: String },
}

/// The campaign commands a rediscovery can run (those that take
/// `--runtime`).
const CAMPAIGNS: [&str; 3] = ["abi", "run", "resources"];

/// Options a rediscovery sets itself, which the command must not.
const OWN_OPTIONS: [&str; 4] = ["--runtime", "--isolate", "--corpus", "--quiet"];

fn check_command(command: &[String]) -> Result<(), RediscoverError> {
    let text = command.join(" ");
    match command.first() {
        Some(c) if CAMPAIGNS.contains(&c.as_str()) => {}
        _ => return Err(RediscoverError::Command(text)),
    }
    if let Some(option) = command.iter().find(|a| OWN_OPTIONS.contains(&a.as_str())) {
        return Err(RediscoverError::OwnOption {
            command: text,
            option: option.clone(),
        });
    }
    Ok(())
}

/// A host configuration on `runtime`.
fn host_on(runtime: &RuntimeSpec) -> HostConfig {
    HostConfig {
        placement: Placement::of(Some(runtime), false),
        ..HostConfig::default()
    }
}

/// Runs `pair` with `witness` (the witness binary); `say` gets a line per
/// event (new finding, control verdict).
pub fn rediscover(
    witness: &Path,
    pair: &Pair,
    say: &mut dyn FnMut(&str),
) -> Result<Outcome, RediscoverError> {
    check_command(&pair.command)?;
    if pair.affected == pair.fixed {
        return Err(RediscoverError::SameRuntime(pair.affected.clone()));
    }
    // Builds before the clock starts.
    for runtime in [&pair.affected, &pair.fixed] {
        if !matches!(Placement::of(Some(runtime), false), Placement::InProcess) {
            crate::runtime::executor::binary_for(runtime, true)?;
        }
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RediscoverError::Io { path, source }
    };
    if pair.work.exists() {
        std::fs::remove_dir_all(&pair.work).map_err(io(&pair.work))?;
    }
    std::fs::create_dir_all(&pair.work).map_err(io(&pair.work))?;
    let findings = pair.work.join("findings");
    let log_path = pair.work.join("campaign.log");
    let log = std::fs::File::create(&log_path).map_err(io(&log_path))?;
    let log_err = log.try_clone().map_err(io(&log_path))?;
    let started = Instant::now();
    let mut child = Command::new(witness)
        .args(&pair.command)
        .arg("--runtime")
        .arg(pair.affected.to_string())
        .arg("--corpus")
        .arg(&pair.work)
        .arg("--quiet")
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .map_err(io(witness))?;
    let cache = Cache::from_env();
    let mut seen = BTreeSet::new();
    let mut shared = Vec::new();
    let mut detections: Vec<Detection> = Vec::new();
    let ended = loop {
        let ended = child.try_wait().ok().flatten().map(|status| {
            format!(
                "the campaign ended ({status}); its output is in {}",
                log_path.display()
            )
        });
        for dir in new_findings(&findings, &mut seen) {
            let meta = match finding::load(&dir) {
                Ok(f) => f.meta,
                // Not written completely yet: look again next time.
                Err(_) => {
                    seen.remove(&dir);
                    continue;
                }
            };
            say(&format!("finding on {}: {}", pair.affected, meta.signature));
            let control = reproduce::replay_finding(&dir, &cache, host_on(&pair.fixed))?;
            if control.reproduced() {
                say(&format!("  {} has it too: not a difference", pair.fixed));
                shared.push(meta.signature.clone());
                continue;
            }
            let again = reproduce::replay_finding(&dir, &cache, host_on(&pair.affected))?;
            if !again.reproduced() {
                say(&format!(
                    "  {} does not reproduce it on replay: flaky, set aside",
                    pair.affected
                ));
                shared.push(meta.signature.clone());
                continue;
            }
            let d = Detection {
                elapsed: started.elapsed(),
                cases: cases_of(&meta.replay),
                signature: meta.signature.clone(),
                finding: dir.clone(),
                control: format!("{}: {}", pair.fixed, control.what),
                shrunk: None,
            };
            say(&format!("  a difference: {}", d.line()));
            detections.push(d);
            if detections.len() >= pair.differences {
                break;
            }
        }
        if detections.len() >= pair.differences.max(1) {
            break None;
        }
        if ended.is_some() || started.elapsed() >= pair.budget {
            break ended;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let outcome = Outcome {
        detections,
        elapsed: started.elapsed(),
        shared,
        ended,
    };
    let _ = child.kill();
    let _ = child.wait();
    let mut outcome = outcome;
    if let Some(first) = outcome.detections.first_mut() {
        first.shrunk = shrink(witness, &pair.affected, &first.finding, say);
    }
    Ok(outcome)
}

/// Shrinks an echo finding in place on `runtime` (`witness shrink`, a
/// child process); its report's first line, or why it could not.
fn shrink(
    witness: &Path,
    runtime: &RuntimeSpec,
    dir: &Path,
    say: &mut dyn FnMut(&str),
) -> Option<String> {
    let meta = finding::load(dir).ok()?.meta;
    if reproduce::FindingFamily::of(&meta.replay) != reproduce::FindingFamily::Echo {
        return None;
    }
    say("shrinking the first difference");
    let out = Command::new(witness)
        .arg("shrink")
        .arg(dir)
        .arg("--runtime")
        .arg(runtime.to_string())
        .stdin(Stdio::null())
        .output();
    Some(match out {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout)
            .lines()
            .find(|l| l.starts_with("weight"))
            .unwrap_or("shrunk")
            .to_string(),
        Ok(out) => format!(
            "shrink failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or_default()
        ),
        Err(e) => format!("shrink could not run: {e}"),
    })
}

/// Finding directories under `findings` not in `seen` (added to it).
fn new_findings(findings: &Path, seen: &mut BTreeSet<PathBuf>) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(findings) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("finding.toml").is_file() && !seen.contains(p))
        .collect();
    out.sort();
    seen.extend(out.iter().cloned());
    out
}

/// How far the campaign had got when it wrote the finding.
fn cases_of(replay: &Replay) -> Option<u64> {
    match replay {
        Replay::Abi { case, .. } => Some(case + 1),
        Replay::Echo { world, .. } => world.map(|w| w + 1),
        Replay::ResourceSteps { sequence, .. } => sequence.map(|s| s + 1),
        _ => None,
    }
}

/// `corpus/rediscovery.toml`: the calibration entries.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Seeds each entry runs with (`--seed` is added to its command).
    pub seeds: Vec<u64>,
    #[serde(rename = "entry")]
    pub entries: Vec<Entry>,
}

/// A bug, the versions that have and do not have it, and the campaign.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// What the bug is (for the report only: nothing reads it).
    pub bug: String,
    pub affected: String,
    pub fixed: String,
    /// The campaign command, without `--seed`.
    pub command: Vec<String>,
    /// Seconds per seed.
    pub budget_s: u64,
    /// How many differences to look for (the bugs known to lie between the
    /// two versions; 1 by default).
    #[serde(default = "one")]
    pub differences: usize,
}

fn one() -> usize {
    1
}

impl Table {
    pub fn load(path: &Path) -> Result<Table, RediscoverError> {
        let bad = |message: String| RediscoverError::Table {
            path: path.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let table: Table = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if table.seeds.is_empty() || table.entries.is_empty() {
            return Err(bad("it needs at least one seed and one [[entry]]".into()));
        }
        for e in &table.entries {
            for v in [&e.affected, &e.fixed] {
                v.parse::<RuntimeSpec>()
                    .map_err(|err| bad(format!("entry `{}`: {err}", e.bug)))?;
            }
            if e.command.iter().any(|a| a == "--seed") {
                return Err(bad(format!(
                    "entry `{}`: the table adds --seed itself (one run per seed)",
                    e.bug
                )));
            }
            if e.budget_s == 0 {
                return Err(bad(format!("entry `{}`: budget_s must be above 0", e.bug)));
            }
            check_command(&e.command).map_err(|err| bad(format!("entry `{}`: {err}", e.bug)))?;
        }
        Ok(table)
    }
}

/// One entry's runs, one per seed.
#[derive(Debug, Clone)]
pub struct EntryResult {
    pub entry: Entry,
    pub runs: Vec<(u64, Outcome)>,
}

fn median(mut xs: Vec<f64>) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(|a, b| a.total_cmp(b));
    let n = xs.len();
    Some(if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    })
}

/// When a difference was found, and after how many cases.
pub type Hit = (Duration, Option<u64>);

/// One difference across an entry's seeds.
#[derive(Debug, Clone)]
pub struct DifferenceRow {
    pub signature: String,
    /// Per seed: the hit, if that seed found it.
    pub found: Vec<(u64, Option<Hit>)>,
}

impl DifferenceRow {
    /// The median time to detection over the seeds, a seed that did not
    /// find it counting as never (so the median is a detection only when
    /// most seeds found it).
    pub fn median_time(&self) -> Option<f64> {
        median(
            self.found
                .iter()
                .map(|(_, f)| f.map_or(f64::INFINITY, |(t, _)| t.as_secs_f64()))
                .collect(),
        )
        .filter(|t| t.is_finite())
    }

    pub fn median_cases(&self) -> Option<f64> {
        median(
            self.found
                .iter()
                .filter_map(|(_, f)| f.and_then(|(_, c)| c).map(|c| c as f64))
                .collect(),
        )
    }

    pub fn hits(&self) -> usize {
        self.found.iter().filter(|(_, f)| f.is_some()).count()
    }
}

impl EntryResult {
    /// The differences found, by signature, first found first.
    pub fn rows(&self) -> Vec<DifferenceRow> {
        let mut signatures: Vec<String> = Vec::new();
        for (_, o) in &self.runs {
            for d in &o.detections {
                if !signatures.contains(&d.signature) {
                    signatures.push(d.signature.clone());
                }
            }
        }
        signatures
            .into_iter()
            .map(|signature| DifferenceRow {
                found: self
                    .runs
                    .iter()
                    .map(|(seed, o)| {
                        let hit = o
                            .detections
                            .iter()
                            .find(|d| d.signature == signature)
                            .map(|d| (d.elapsed, d.cases));
                        (*seed, hit)
                    })
                    .collect(),
                signature,
            })
            .collect()
    }
}

/// `reports/rediscovery.md`.
pub fn render_table(results: &[EntryResult], context: &str) -> String {
    let mut out = String::from(
        "# Rediscovery: known runtime bugs found again by a differential across versions\n\n\
         Each entry runs the same seeded campaign on the affected version and replays every \
         finding on the fixed one; a difference is a finding the affected version reproduces \
         and the fixed one does not. Nothing in witness knows which bug a pair holds: the bug \
         column is the table's text, and the rows are the differences the campaign found. \
         Generated by `witness rediscover --table corpus/rediscovery.toml`.\n\n",
    );
    out.push_str(context);
    out.push_str(
        "\n\n| bug (the table's words) | affected | fixed | difference found | seeds | \
         median time to detection | median cases | per seed |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    let cell = |s: &str| s.replace('|', "\\|");
    for r in results {
        let rows = r.rows();
        if rows.is_empty() {
            out.push_str(&format!(
                "| {} | {} | {} | none | 0/{} | not found | - | {} |\n",
                cell(&r.entry.bug),
                r.entry.affected,
                r.entry.fixed,
                r.runs.len(),
                r.runs
                    .iter()
                    .map(|(seed, o)| format!("seed {seed}: not in {} s", o.elapsed.as_secs()))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        for (k, row) in rows.into_iter().enumerate() {
            // The entry's words once, on its first row.
            let bug = if k == 0 {
                cell(&r.entry.bug)
            } else {
                String::new()
            };
            let per_seed: Vec<String> = row
                .found
                .iter()
                .map(|(seed, f)| match f {
                    Some((t, c)) => format!(
                        "seed {seed}: {} s, {} cases",
                        t.as_secs(),
                        c.map_or("?".into(), |c| c.to_string())
                    ),
                    None => format!("seed {seed}: not found"),
                })
                .collect();
            out.push_str(&format!(
                "| {bug} | {} | {} | `{}` | {}/{} | {} | {} | {} |\n",
                r.entry.affected,
                r.entry.fixed,
                cell(&row.signature),
                row.hits(),
                row.found.len(),
                row.median_time()
                    .map_or("not found".to_string(), |t| format!("{t:.0} s")),
                row.median_cases()
                    .map_or("-".to_string(), |c| format!("{c:.0}")),
                per_seed.join("; "),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_with_bad_entries_is_refused_naming_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.toml");
        let entry = |extra: &str| {
            format!(
                "seeds = [1, 2, 3]\n[[entry]]\nbug = \"b\"\naffected = \"wasmtime@42.0.1\"\n\
                 fixed = \"wasmtime@42.0.2\"\nbudget_s = 600\n{extra}\n"
            )
        };
        std::fs::write(&path, entry("command = [\"abi\", \"--cases\", \"9\"]")).unwrap();
        let table = Table::load(&path).unwrap();
        assert_eq!(table.entries[0].command, ["abi", "--cases", "9"]);
        for (bad, says) in [
            ("command = [\"abi\", \"--seed\", \"9\"]", "--seed"),
            ("command = [\"bench\"]", "campaign command"),
            (
                "command = [\"abi\", \"--runtime\", \"wasmtime@40.0.0\"]",
                "--runtime",
            ),
            ("command = [\"abi\"]\nextra = 1", "unknown field"),
        ] {
            std::fs::write(&path, entry(bad)).unwrap();
            let text = Table::load(&path).unwrap_err().to_string();
            assert!(
                text.contains(says) && text.contains("t.toml"),
                "{bad}: {text}"
            );
        }
    }

    #[test]
    fn the_median_counts_a_miss_as_never_and_needs_most_seeds() {
        let found = |s: u64, sig: &str| Detection {
            elapsed: Duration::from_secs(s),
            cases: Some(s * 10),
            signature: sig.into(),
            finding: PathBuf::new(),
            control: String::new(),
            shrunk: None,
        };
        let outcome = |detections: Vec<Detection>| Outcome {
            detections,
            elapsed: Duration::from_secs(600),
            shared: vec![],
            ended: None,
        };
        let entry = Entry {
            bug: "b".into(),
            affected: "wasmtime@42.0.1".into(),
            fixed: "wasmtime@42.0.2".into(),
            command: vec!["abi".into()],
            budget_s: 600,
            differences: 2,
        };
        let r = EntryResult {
            entry,
            runs: vec![
                (1, outcome(vec![found(30, "x"), found(40, "y")])),
                (2, outcome(vec![found(50, "x")])),
                (3, outcome(vec![found(10, "x")])),
            ],
        };
        let rows = r.rows();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].signature, "x");
        assert_eq!(rows[0].median_time(), Some(30.0));
        assert_eq!(rows[0].median_cases(), Some(300.0));
        assert_eq!(rows[1].hits(), 1);
        assert_eq!(rows[1].median_time(), None);
        let table = render_table(&[r], "load average 1.0");
        assert!(table.contains("| `x` | 3/3 | 30 s | 300 |"), "{table}");
        assert!(table.contains("| `y` | 1/3 | not found |"), "{table}");
        assert_eq!(
            outcome(vec![found(7, "s")]).last_line(),
            "found in 7 s (70 cases): s"
        );
        assert_eq!(outcome(vec![]).last_line(), "not found in 600 s");
    }
}
