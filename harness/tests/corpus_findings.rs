//! The regression corpus: every finding committed under `corpus/findings`
//! is replayed. A suppressed one must still reproduce with its signature
//! (else its suppression is stale); one that is not suppressed must pass (a
//! bug fixed upstream stays fixed). Echo, resource and abi findings all
//! replay. The rule itself is checked on copies of committed findings: not
//! suppressed, and with their bug edited away.

use std::path::{Path, PathBuf};
use witness::disk::{Cache, workspace_root};
use witness::host::HostConfig;
use witness::reproduce::check_regression;
use witness::suppress::Suppressions;

fn findings() -> Vec<PathBuf> {
    let dir = workspace_root().join("corpus/findings");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.join("finding.toml").is_file())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn suppressions() -> Suppressions {
    Suppressions::load(&workspace_root().join("corpus/suppressions.toml")).unwrap()
}

#[test]
fn every_committed_finding_replays_as_its_suppression_says() {
    let cache = Cache::from_env();
    let list = suppressions();
    let all = findings();
    assert!(
        !all.is_empty(),
        "corpus/findings holds the regression findings"
    );
    let mut violations = Vec::new();
    for dir in &all {
        if let Err(message) = check_regression(dir, &list, &cache, HostConfig::default()).unwrap() {
            violations.push(message);
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n\n"));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn the_rule_catches_an_unsuppressed_bug_and_a_stale_suppression() {
    let cache = Cache::from_env();
    let Some(builtin) = findings().into_iter().find(|d| {
        std::fs::read_to_string(d.join("finding.toml"))
            .unwrap()
            .contains("cannot call")
    }) else {
        panic!("the committed Go builtin-name finding is missing")
    };
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join(builtin.file_name().unwrap());
    copy_dir(&builtin, &copy);
    // Reproduces, but nothing suppresses it.
    let verdict = check_regression(
        &copy,
        &Suppressions::default(),
        &cache,
        HostConfig::default(),
    )
    .unwrap();
    assert!(verdict.unwrap_err().contains("not suppressed"));
    // Suppressed, but the world no longer has the bug (the parameter named
    // like a Go builtin is renamed): the suppression is stale.
    let wit = std::fs::read_to_string(copy.join("world.wit")).unwrap();
    let builtins = [
        "len", "make", "append", "panic", "cap", "new", "copy", "delete", "print", "close",
        "uintptr", "int", "string",
    ];
    let fixed = wit
        .lines()
        .map(|line| {
            let mut line = line.to_string();
            for b in builtins {
                line = line
                    .replace(&format!("({b}: "), &format!("(x{b}: "))
                    .replace(&format!(", {b}: "), &format!(", x{b}: "));
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(
        fixed, wit,
        "the finding's world names a parameter after a Go builtin"
    );
    std::fs::write(copy.join("world.wit"), fixed).unwrap();
    let verdict = check_regression(&copy, &suppressions(), &cache, HostConfig::default()).unwrap();
    assert!(verdict.unwrap_err().contains("no longer reproduces"));
}

/// The committed finding whose `finding.toml` has `kind` and contains
/// `text`.
fn committed(kind: &str, text: &str) -> PathBuf {
    findings()
        .into_iter()
        .find(|d| {
            let meta = std::fs::read_to_string(d.join("finding.toml")).unwrap();
            meta.contains(&format!("kind = \"{kind}\"")) && meta.contains(text)
        })
        .unwrap_or_else(|| panic!("no committed `{kind}` finding with `{text}`"))
}

#[test]
fn the_rule_catches_an_unsuppressed_resource_finding_and_a_stale_suppression() {
    let cache = Cache::from_env();
    // The Go guest's leak: a thing it made itself is never destroyed.
    let leak = committed("resource", "go | resource | leak | release thing");
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join(leak.file_name().unwrap());
    copy_dir(&leak, &copy);
    let verdict = check_regression(
        &copy,
        &Suppressions::default(),
        &cache,
        HostConfig::default(),
    )
    .unwrap();
    let message = verdict.unwrap_err();
    assert!(message.contains("not suppressed"), "{message}");
    assert!(message.contains("go | resource | leak"), "{message}");
    // Suppressed, but the steps no longer show the bug: a thing the host
    // makes and drops itself is destroyed once, as it must be.
    let steps = std::fs::read_to_string(copy.join("steps.txt")).unwrap();
    let header: String = steps
        .lines()
        .filter(|l| l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(copy.join("steps.txt"), format!("{header}1. new t1\n")).unwrap();
    let verdict = check_regression(&copy, &suppressions(), &cache, HostConfig::default()).unwrap();
    let message = verdict.unwrap_err();
    assert!(message.contains("no longer reproduces"), "{message}");
    assert!(message.contains("passes"), "{message}");
}

#[test]
fn an_abi_finding_replays_its_case() {
    let cache = Cache::from_env();
    let abi = committed("abi", "string-too-long");
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join(abi.file_name().unwrap());
    copy_dir(&abi, &copy);
    let verdict = check_regression(
        &copy,
        &Suppressions::default(),
        &cache,
        HostConfig::default(),
    )
    .unwrap();
    assert!(verdict.unwrap_err().contains("not suppressed"));
    // The case is drawn again from its seed and index: a world.wit that is
    // not the one drawn means the generator changed, and says so.
    let wit = std::fs::read_to_string(copy.join("world.wit")).unwrap();
    std::fs::write(copy.join("world.wit"), format!("// edited\n{wit}")).unwrap();
    let error = check_regression(&copy, &suppressions(), &cache, HostConfig::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains("no longer draws that case"), "{error}");
}

#[test]
fn a_finding_of_an_unknown_kind_is_an_error() {
    let cache = Cache::from_env();
    let abi = committed("abi", "string-too-long");
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join(abi.file_name().unwrap());
    copy_dir(&abi, &copy);
    let meta = std::fs::read_to_string(copy.join("finding.toml")).unwrap();
    std::fs::write(
        copy.join("finding.toml"),
        meta.replace("kind = \"abi\"", "kind = \"sabotage\""),
    )
    .unwrap();
    let error = check_regression(&copy, &suppressions(), &cache, HostConfig::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains("unknown variant `sabotage`"), "{error}");
    assert!(error.contains("finding.toml"), "{error}");
}

/// Every committed finding gives the same verdict through `witness repro`
/// (the binary) as through the library replay the test above uses.
#[test]
fn repro_and_the_corpus_test_agree_on_every_committed_finding() {
    let cache = Cache::from_env();
    let list = suppressions();
    for dir in findings() {
        let replayed =
            witness::reproduce::replay_finding(&dir, &cache, HostConfig::default()).unwrap();
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_witness"))
            .arg("repro")
            .arg(&dir)
            .env("WITNESS_CACHE", cache.root())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let (word, code) = match (&replayed.got, replayed.reproduced()) {
            (Some(_), true) => ("reproduced:", 1),
            (Some(_), false) => ("failed differently", 1),
            (None, _) => ("did not reproduce:", 0),
        };
        assert!(
            stdout.starts_with(word) && output.status.code() == Some(code),
            "{}: the library says `{word}`, `witness repro` printed:\n{stdout}{}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        // And the corpus rule holds for it.
        let verdict = witness::reproduce::regression_verdict(&dir, &replayed, &list);
        assert!(verdict.is_ok(), "{verdict:?}");
    }
}

/// A copy of the committed echo finding `text` names, in a temporary
/// directory.
fn echo_copy(text: &str) -> (tempfile::TempDir, PathBuf) {
    let src = committed("build", text);
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join(src.file_name().unwrap());
    copy_dir(&src, &copy);
    (tmp, copy)
}

#[test]
fn a_call_finding_without_its_call_file_is_an_error_not_a_pass() {
    let cache = Cache::from_env();
    // A build finding turned into a call finding whose call.wave is gone.
    let (_tmp, copy) = echo_copy("cannot call panic");
    let meta = std::fs::read_to_string(copy.join("finding.toml")).unwrap();
    let as_call = meta.replace("kind = \"build\"", "kind = \"trap\"").replace(
        "hop = \"build\"",
        "hop = \"export-result\"\nfunction = \"f\"",
    );
    std::fs::write(copy.join("finding.toml"), as_call).unwrap();
    let _ = std::fs::remove_file(copy.join("call.wave"));
    let error = witness::reproduce::replay_finding(&copy, &cache, HostConfig::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains("call.wave"), "{error}");
    assert!(error.contains("missing"), "{error}");
}
