//! Golden tests for the WIT importer (model: wit-parser's `tests/ui`).
//!
//! Every `*.wit` file and every directory (a package directory, with
//! `deps/`) in `tests/ui/wit-import/` is imported with
//! `witness::wit_import::import_wit`. The printed echo package goes to
//! `NAME.stdout`; skipped functions, or the error, go to `NAME.stderr`. An
//! absent file means "expected empty". Run with `BLESS=1` to rewrite the
//! expected files from the current output; never edit them by hand.
//!
//! Each successful import is also checked to be a fixed point: the printed
//! echo package, imported again, prints the same text.

use std::fs;
use std::path::{Path, PathBuf};

use witness::wit_import::{ImportedCase, import_wit};
use witness::wit_text::echo_package;

/// Relative to the package root (where cargo runs tests), so the paths in
/// error messages are the same on every machine.
const UI_DIR: &str = "tests/ui/wit-import";

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = fs::read_dir(UI_DIR)
        .unwrap_or_else(|e| panic!("cannot read {UI_DIR}: {e}"))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "wit"))
        .collect();
    cases.sort();
    cases
}

fn render(result: &Result<ImportedCase, witness::wit_import::WitImportError>) -> (String, String) {
    match result {
        Ok(case) => {
            let stderr: String = case
                .skipped
                .iter()
                .map(|s| format!("skipped {}: {}\n", s.origin, s.reason))
                .collect();
            (echo_package(&case.world), stderr)
        }
        Err(e) => (String::new(), format!("error: {e}\n")),
    }
}

/// Compares `actual` with the file at `path` (absent = empty), or rewrites
/// it when blessing. Returns a description of the difference.
fn check(path: &Path, actual: &str, bless: bool) -> Option<String> {
    if bless {
        if actual.is_empty() {
            let _ = fs::remove_file(path);
        } else {
            fs::write(path, actual).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
        return None;
    }
    let expected = fs::read_to_string(path).unwrap_or_default();
    if expected == actual {
        return None;
    }
    Some(format!(
        "{} differs (run with BLESS=1 to accept the new output)\n--- expected\n{expected}\n+++ actual\n{actual}",
        path.display()
    ))
}

#[test]
fn wit_import_ui() {
    let bless = std::env::var_os("BLESS").is_some();
    let scratch = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let cases = cases();
    assert!(
        cases.len() >= 7,
        "expected the UI cases in {UI_DIR}, found {cases:?}"
    );
    for case in &cases {
        let result = import_wit(case);
        let (stdout, stderr) = render(&result);
        let stem = case.file_stem().unwrap().to_str().unwrap();
        let expected = |ext: &str| Path::new(UI_DIR).join(format!("{stem}.{ext}"));
        failures.extend(check(&expected("stdout"), &stdout, bless));
        failures.extend(check(&expected("stderr"), &stderr, bless));

        if let Ok(imported) = &result {
            let printed = scratch.path().join(format!("{stem}.wit"));
            fs::write(&printed, &stdout).unwrap();
            match import_wit(&printed) {
                Ok(again) if echo_package(&again.world) == stdout && again.skipped.is_empty() => {}
                Ok(again) => failures.push(format!(
                    "{}: the echo package does not import back to itself:\n{}",
                    case.display(),
                    echo_package(&again.world)
                )),
                Err(e) => failures.push(format!(
                    "{}: the echo package does not import: {e}\n{stdout}",
                    case.display()
                )),
            }
            assert!(!imported.world.funcs.is_empty());
        }
    }
    // Expected files must belong to a case (a renamed case leaves stale ones).
    for entry in fs::read_dir(UI_DIR).unwrap() {
        let path = entry.unwrap().path();
        if path
            .extension()
            .is_some_and(|e| e == "stdout" || e == "stderr")
        {
            let stem = path.file_stem().unwrap();
            let owned = cases.iter().any(|c| c.file_stem() == Some(stem));
            if !owned {
                failures.push(format!("{} belongs to no case", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}
