//! A killed campaign, resumed, ends exactly as an uninterrupted one: the
//! same table, the same findings, the same hit counts. The soak kills the
//! `witness` binary with SIGKILL at many points of a campaign that writes
//! findings (with fuel for a few hundred instructions a call, many calls fail),
//! resumes it, and compares. A damaged progress file stops the campaign
//! with exit 2 and names the file and `--fresh`.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use witness::finding::FindingStore;

const KILLS: u64 = 20;

fn witness(cache: &Path, corpus: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_witness"));
    cmd.args([
        "run", "--lang", "rust", "--seed", "7", "--worlds", "6", "--calls", "5", "--fuel", "300",
        "--quiet", "--corpus",
    ])
    .arg(corpus)
    .args(extra)
    .env("WITNESS_CACHE", cache)
    .stdin(Stdio::null());
    cmd
}

fn run_to_end(cache: &Path, corpus: &Path, extra: &[&str]) -> Output {
    witness(cache, corpus, extra).output().unwrap()
}

/// Every finding's id and count, and the directory listing (no leftovers).
fn store_state(corpus: &Path) -> (Vec<(String, u64)>, Vec<String>) {
    let dir = corpus.join("findings");
    let list = FindingStore::open(&dir).unwrap().list().unwrap();
    let mut files = Vec::new();
    for entry in walk(&dir) {
        files.push(entry.strip_prefix(&dir).unwrap().display().to_string());
    }
    files.sort();
    (list.into_iter().map(|m| (m.id, m.count)).collect(), files)
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        }
        out.push(path);
    }
    out
}

fn table(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| !l.starts_with("new findings") && !l.starts_with("  "))
        .map(|l| {
            // The build-time columns (the last two) vary from run to run.
            let words: Vec<&str> = l.split_whitespace().collect();
            if l.starts_with("rust ") {
                words[..words.len() - 2].join(" ")
            } else {
                words.join(" ")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_campaign_killed_at_random_points_resumes_to_the_uninterrupted_result() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    // The uninterrupted run (which also builds and caches the guests).
    let clean = tmp.path().join("clean");
    let reference = run_to_end(&cache, &clean, &[]);
    assert_eq!(reference.status.code(), Some(1), "{reference:?}");
    let want = store_state(&clean);
    assert!(!want.0.is_empty());
    // How long a warm run takes, to spread the kills over it.
    let timed = tmp.path().join("timed");
    let start = Instant::now();
    run_to_end(&cache, &timed, &["--fresh"]);
    let span = start.elapsed().as_millis().max(50) as u64;

    let killed = tmp.path().join("killed");
    let mut kills = 0;
    for k in 0..KILLS {
        // From an empty corpus: start, kill at a point spread over a warm
        // run, resume to the end, compare.
        let _ = std::fs::remove_dir_all(&killed);
        let _ = std::fs::remove_dir_all(cache.join("campaigns"));
        let mut child = witness(&cache, &killed, &["--fresh"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let at = (k * 7919 % 97) * span / 97;
        std::thread::sleep(Duration::from_millis(at));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            kills += 1;
        }
        child.wait().unwrap();
        let resumed = run_to_end(&cache, &killed, &[]);
        assert_eq!(store_state(&killed), want, "after kill {k} at {at} ms");
        assert_eq!(
            table(&resumed),
            table(&reference),
            "after kill {k} at {at} ms"
        );
    }
    eprintln!("{kills} of {KILLS} kills landed inside a run (a warm run takes {span} ms)");
    assert!(kills >= KILLS / 2, "only {kills} kills landed in a run");
}

#[test]
fn a_damaged_progress_file_stops_the_campaign_and_names_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let corpus = tmp.path().join("corpus");
    run_to_end(&cache, &corpus, &[]);
    let campaigns = cache.join("campaigns");
    let file = std::fs::read_dir(&campaigns)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "toml"))
        .unwrap();
    // Truncated, then one bit flipped: both are refused.
    let bytes = std::fs::read(&file).unwrap();
    let mut flipped = bytes.clone();
    let last = flipped.len() - 2;
    flipped[last] ^= 1;
    for damaged in [bytes[..bytes.len() / 2].to_vec(), flipped] {
        std::fs::write(&file, &damaged).unwrap();
        let before = store_state(&corpus);
        let out = run_to_end(&cache, &corpus, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&file.display().to_string()), "{stderr}");
        assert!(stderr.contains("--fresh"), "{stderr}");
        assert_eq!(
            store_state(&corpus),
            before,
            "no finding is lost or counted"
        );
    }
    // --fresh starts over from it.
    let out = run_to_end(&cache, &corpus, &["--fresh"]);
    assert_eq!(out.status.code(), Some(1));
}
