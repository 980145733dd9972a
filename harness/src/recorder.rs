//! The recorder every campaign (`witness run`, `resources`, `abi`, the fuzz
//! targets) writes its failures through: it stores each failure's finding,
//! matches it against the suppressions, and keeps the tallies each summary
//! prints (passed, failed, failures known as suppressed bugs, hits per
//! finding kind, the distinct findings hit, how often each known bug fired),
//! and the last line of every run (`N passed, N failed`).
//!
//! A [`Tally`] is plain data (saved with a campaign's progress, so a resumed
//! campaign goes on counting where it stopped); a [`Recorder`] is the store
//! and the suppressions, shared by all the tallies of a run.

use crate::finding::{Finding, FindingError, FindingStore, Signature};
use crate::suppress::Suppressions;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How often a known (suppressed) finding fired.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct KnownHits {
    pub hits: u64,
    /// The first sentence of the suppression's reason.
    pub reason: String,
}

/// The counts of one row of a summary (a language, a target).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Tally {
    pub passed: u64,
    /// Every failure, known ones included.
    pub failed: u64,
    /// Failures whose finding is suppressed as known.
    pub suppressed: u64,
    /// Hits per finding kind (`trap`, `mismatch`, `build`, ...), known ones
    /// included.
    pub by_kind: BTreeMap<String, u64>,
    /// Ids of the distinct findings hit, in the order first hit.
    pub findings: Vec<String>,
    /// Hits per known finding id.
    pub known: BTreeMap<String, KnownHits>,
}

impl Tally {
    /// Failures that are not known: what fails a run.
    pub fn unknown_failures(&self) -> u64 {
        self.failed.saturating_sub(self.suppressed)
    }

    /// Counts `n` passes.
    pub fn pass(&mut self, n: u64) {
        self.passed += n;
    }

    /// Counts `n` failures, known (suppressed) or not.
    pub fn fail(&mut self, n: u64, known: bool) {
        self.failed += n;
        if known {
            self.suppressed += n;
        }
    }

    /// `trap: 3, build: 1`, or `-`.
    pub fn kinds_cell(&self) -> String {
        if self.by_kind.is_empty() {
            return "-".into();
        }
        self.by_kind
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `5`, or `5 (3 known)`.
    pub fn failed_cell(&self) -> String {
        match self.suppressed {
            0 => self.failed.to_string(),
            n => format!("{} ({n} known)", self.failed),
        }
    }

    /// One line per known finding that fired: how often, out of `out_of`
    /// `unit` (`calls`), in the row named `row`.
    pub fn known_lines(&self, row: &str, out_of: u64, unit: &str) -> Vec<String> {
        self.known
            .iter()
            .map(|(id, k)| {
                let per_mille = if out_of > 0 {
                    1000.0 * k.hits as f64 / out_of as f64
                } else {
                    0.0
                };
                format!(
                    "known {id}: {} of {out_of} {row} {unit} ({per_mille:.1}‰): {}",
                    k.hits, k.reason
                )
            })
            .collect()
    }
}

/// The last line of every run over `tallies`: `N passed, N failed`, with
/// the known failures counted apart (`N failed` counts only unknown ones).
pub fn last_line<'a>(tallies: impl IntoIterator<Item = &'a Tally>) -> String {
    let (mut passed, mut unknown, mut known) = (0, 0, 0);
    for t in tallies {
        passed += t.passed;
        unknown += t.unknown_failures();
        known += t.suppressed;
    }
    match known {
        0 => format!("{passed} passed, {unknown} failed"),
        n => format!("{passed} passed, {unknown} failed ({n} suppressed as known)"),
    }
}

/// What recording a finding did.
#[derive(Debug, Clone)]
pub struct Written {
    pub id: String,
    /// The finding's directory (`None` when the recorder keeps no store).
    pub dir: Option<PathBuf>,
    /// First hit of its signature.
    pub new: bool,
    /// The suppression's reason when the finding is known.
    pub known: Option<String>,
}

/// The store and the suppressions of a run.
pub struct Recorder {
    store: Option<FindingStore>,
    suppressions: Suppressions,
    /// Directories of findings first hit in this run (not known ones).
    pub new_findings: Vec<PathBuf>,
}

impl Recorder {
    /// A recorder writing to `findings_dir` (`None`: count, write nothing).
    pub fn open(
        findings_dir: Option<&Path>,
        suppressions: Suppressions,
    ) -> Result<Recorder, FindingError> {
        let store = findings_dir.map(FindingStore::open).transpose()?;
        Ok(Recorder {
            store,
            suppressions,
            new_findings: Vec::new(),
        })
    }

    /// The same recorder, writing replay commands that start with `prefix`.
    pub fn with_command_prefix(mut self, prefix: &str) -> Recorder {
        self.store = self.store.map(|s| s.with_command_prefix(prefix));
        self
    }

    pub fn store(&self) -> Option<&FindingStore> {
        self.store.as_ref()
    }

    pub fn suppressions(&self) -> &Suppressions {
        &self.suppressions
    }

    /// The reason of the suppression matching `signature`, if it is known.
    pub fn known(&self, signature: &Signature) -> Option<String> {
        self.suppressions
            .matching(signature)
            .map(|s| s.reason.clone())
    }

    /// Writes `finding` (hit `hits` times) and notes it in `tally`: its id,
    /// its kind's hits, and its known hits when it is known. Counts no pass
    /// or failure: see [`Recorder::fail`] for the usual case.
    pub fn record(
        &mut self,
        tally: &mut Tally,
        mut finding: Finding,
        hits: u64,
    ) -> Result<Written, FindingError> {
        let id = finding.meta.id.clone();
        let signature = finding.meta.parsed_signature();
        let known = signature.as_ref().and_then(|s| self.known(s));
        finding.meta.count = hits.max(1);
        let (dir, new) = match &self.store {
            Some(store) => {
                let recorded = store.record(finding.clone())?;
                (Some(recorded.dir), recorded.new)
            }
            None => (None, !tally.findings.contains(&id)),
        };
        *tally
            .by_kind
            .entry(finding.meta.kind.as_str().to_string())
            .or_default() += hits;
        if !tally.findings.contains(&id) {
            tally.findings.push(id.clone());
        }
        if let Some(reason) = &known {
            let k = tally.known.entry(id.clone()).or_default();
            k.hits += hits;
            k.reason = first_sentence(reason);
        } else if new && let Some(dir) = &dir {
            self.new_findings.push(dir.clone());
        }
        Ok(Written {
            id,
            dir,
            new,
            known,
        })
    }

    /// Records `finding` for `hits` failures and counts them as failed (and
    /// as suppressed when the finding is known).
    pub fn fail(
        &mut self,
        tally: &mut Tally,
        finding: Finding,
        hits: u64,
    ) -> Result<Written, FindingError> {
        let written = self.record(tally, finding, hits)?;
        tally.fail(hits, written.known.is_some());
        Ok(written)
    }
}

fn first_sentence(reason: &str) -> String {
    reason
        .split(". ")
        .next()
        .unwrap_or("")
        .trim_end_matches('.')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{FindingMeta, Kind, Limits, Replay, Stage};

    fn finding(class: &str) -> Finding {
        let sig = Signature {
            language: "go".into(),
            kind: Kind::Trap,
            site: Stage::ImportResult.as_str().into(),
            class: class.into(),
        };
        Finding {
            meta: FindingMeta {
                id: sig.id(),
                signature: sig.text(),
                kind: Kind::Trap,
                language: "go".into(),
                hop: Some(Stage::ImportResult),
                violation: None,
                phase: None,
                path: None,
                function: Some("f".into()),
                summary: class.into(),
                link: None,
                count: 1,
                weight: 1,
                replay: Replay::Echo {
                    links: vec!["go".into()],
                    instance_seed: 1,
                    seed: Some(1),
                    world: Some(0),
                    call: Some(0),
                },
                limits: Limits::of(&crate::host::HostConfig::default()),
                versions: BTreeMap::new(),
            },
            world_wit: "package witness:case;\n".into(),
            call: Some("// witness call: f\n".into()),
            steps: None,
            observed: None,
            trap: None,
            guest_output: None,
            build_log: None,
        }
    }

    #[test]
    fn known_failures_are_counted_apart_and_do_not_fail_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let suppressions: Suppressions = toml::from_str(
            "[[suppress]]\nsignature = \"go | trap | * | known bug\"\nreason = \"It is known. Details.\"\n",
        )
        .unwrap();
        let mut recorder = Recorder::open(Some(dir.path()), suppressions).unwrap();
        let mut tally = Tally::default();
        tally.pass(7);
        let known = recorder.fail(&mut tally, finding("known bug"), 2).unwrap();
        assert_eq!(known.known.as_deref(), Some("It is known. Details."));
        let unknown = recorder.fail(&mut tally, finding("new bug"), 1).unwrap();
        assert!(unknown.new && unknown.known.is_none());
        recorder.fail(&mut tally, finding("new bug"), 1).unwrap();
        assert_eq!((tally.passed, tally.failed, tally.suppressed), (7, 4, 2));
        assert_eq!(tally.by_kind["trap"], 4);
        assert_eq!(tally.findings.len(), 2);
        assert_eq!(tally.known[&known.id].hits, 2);
        assert_eq!(tally.known[&known.id].reason, "It is known");
        assert_eq!(recorder.new_findings.len(), 1, "known findings are not new");
        assert_eq!(
            last_line([&tally]),
            "7 passed, 2 failed (2 suppressed as known)"
        );
        let stored = crate::finding::load(unknown.dir.as_ref().unwrap()).unwrap();
        assert_eq!(stored.meta.count, 2);
    }

    #[test]
    fn a_recorder_without_a_store_still_counts() {
        let mut recorder = Recorder::open(None, Suppressions::default()).unwrap();
        let mut tally = Tally::default();
        let w = recorder.fail(&mut tally, finding("x"), 1).unwrap();
        assert!(w.dir.is_none() && w.new);
        assert_eq!(last_line([&tally]), "0 passed, 1 failed");
    }
}
