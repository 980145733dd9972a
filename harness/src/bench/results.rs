//! Reading criterion's results back: every `new/benchmark.json` under
//! criterion's directory names a benchmark (its `full_id`, a
//! [`BenchId`]), and the `new/estimates.json` beside it holds its
//! estimates. Benchmarks whose id is not a [`BenchId`] are not witness's
//! and are skipped.

use super::BenchId;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Criterion's estimate of one benchmark: time per iteration, in ns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub mean_ns: f64,
    /// The mean's 95% confidence interval.
    pub mean_lower_ns: f64,
    pub mean_upper_ns: f64,
    pub median_ns: f64,
}

/// Every witness benchmark found.
#[derive(Debug, Clone, Default)]
pub struct Results {
    pub estimates: BTreeMap<BenchId, Estimate>,
}

#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error(
        "{dir} does not exist: no benchmark has run. Run `cargo bench -p witness-benches` (or with `-- --quick`) \
         first, or point --criterion at the directory criterion wrote"
    )]
    NoDirectory { dir: PathBuf },
    #[error(
        "{path} is not one of criterion's result files ({message}); delete it and run the benchmarks again"
    )]
    Malformed { path: PathBuf, message: String },
    #[error("I/O error at {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

#[derive(Deserialize)]
struct BenchmarkFile {
    full_id: String,
}

#[derive(Deserialize)]
struct EstimatesFile {
    mean: Statistic,
    median: Statistic,
}

#[derive(Deserialize)]
struct Statistic {
    point_estimate: f64,
    confidence_interval: Interval,
}

#[derive(Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

impl Results {
    /// Reads every witness benchmark under `dir` (criterion's directory).
    pub fn read(dir: &Path) -> Result<Results, ResultsError> {
        if !dir.is_dir() {
            return Err(ResultsError::NoDirectory {
                dir: dir.to_path_buf(),
            });
        }
        let mut results = Results::default();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(current) = stack.pop() {
            let io = |source| ResultsError::Io {
                path: current.clone(),
                source,
            };
            for entry in std::fs::read_dir(&current).map_err(io)? {
                let path = entry.map_err(io)?.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.file_name().is_some_and(|n| n == "benchmark.json")
                    && path
                        .parent()
                        .and_then(|p| p.file_name())
                        .is_some_and(|n| n == "new")
                {
                    let benchmark: BenchmarkFile = read_json(&path)?;
                    let Some(id) = BenchId::parse(&benchmark.full_id) else {
                        continue;
                    };
                    let estimates: EstimatesFile =
                        read_json(&path.with_file_name("estimates.json"))?;
                    results.estimates.insert(
                        id,
                        Estimate {
                            mean_ns: estimates.mean.point_estimate,
                            mean_lower_ns: estimates.mean.confidence_interval.lower_bound,
                            mean_upper_ns: estimates.mean.confidence_interval.upper_bound,
                            median_ns: estimates.median.point_estimate,
                        },
                    );
                }
            }
        }
        Ok(results)
    }

    /// Mean time per iteration of `id`, in ns.
    pub fn mean(&self, id: &BenchId) -> Option<f64> {
        self.estimates.get(id).map(|e| e.mean_ns)
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ResultsError> {
    let text = std::fs::read_to_string(path).map_err(|source| ResultsError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| ResultsError::Malformed {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Writes one benchmark's files the way criterion does (for tests and
/// fixtures): `<dir>/<name>/new/{benchmark,estimates}.json`.
pub fn write_fixture(dir: &Path, id: &BenchId, mean_ns: f64) -> std::io::Result<()> {
    let name = id.to_string().replace('/', "_");
    let new = dir.join(name).join("new");
    std::fs::create_dir_all(&new)?;
    let full_id = id.to_string();
    std::fs::write(
        new.join("benchmark.json"),
        format!(
            r#"{{"group_id":"{full_id}","function_id":null,"value_str":null,"throughput":null,"full_id":"{full_id}","directory_name":"{full_id}","title":"{full_id}"}}"#
        ),
    )?;
    let stat = |x: f64| {
        format!(
            r#"{{"confidence_interval":{{"confidence_level":0.95,"lower_bound":{},"upper_bound":{}}},"point_estimate":{x},"standard_error":0.1}}"#,
            x * 0.99,
            x * 1.01
        )
    };
    std::fs::write(
        new.join("estimates.json"),
        format!(
            r#"{{"mean":{},"median":{},"median_abs_dev":{},"slope":null,"std_dev":{}}}"#,
            stat(mean_ns),
            stat(mean_ns),
            stat(1.0),
            stat(1.0)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::{Shape, Way};

    #[test]
    fn results_are_found_by_id_and_foreign_benchmarks_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let id = BenchId::Call {
            lang: "rust".into(),
            way: Way::Typed,
            concurrency: false,
            shape: Shape::Bytes(64),
        };
        write_fixture(dir.path(), &id, 123.0).unwrap();
        write_fixture(
            &dir.path().join("deeper"),
            &BenchId::Memcpy { bytes: 64 },
            4.0,
        )
        .unwrap();
        // A benchmark that is not witness's, and criterion's `base` copy.
        let foreign = dir.path().join("other").join("new");
        std::fs::create_dir_all(&foreign).unwrap();
        std::fs::write(foreign.join("benchmark.json"), r#"{"full_id":"fib/20"}"#).unwrap();
        let base = dir.path().join("x").join("base");
        std::fs::create_dir_all(&base).unwrap();
        std::fs::write(base.join("benchmark.json"), r#"{"full_id":"memcpy/1"}"#).unwrap();
        let results = Results::read(dir.path()).unwrap();
        assert_eq!(results.estimates.len(), 2);
        assert_eq!(results.mean(&id), Some(123.0));
        let e = results.estimates[&id];
        assert!(e.mean_lower_ns < e.mean_ns && e.mean_ns < e.mean_upper_ns);
        assert_eq!(results.mean(&BenchId::Memcpy { bytes: 64 }), Some(4.0));
    }

    #[test]
    fn broken_files_and_missing_directories_are_errors_that_name_them() {
        let dir = tempfile::tempdir().unwrap();
        let err = Results::read(&dir.path().join("nope")).unwrap_err();
        assert!(
            err.to_string().contains("cargo bench -p witness-benches"),
            "{err}"
        );
        let id = BenchId::Memcpy { bytes: 64 };
        write_fixture(dir.path(), &id, 4.0).unwrap();
        let estimates = dir
            .path()
            .join("memcpy_64")
            .join("new")
            .join("estimates.json");
        std::fs::write(&estimates, "{}").unwrap();
        let err = Results::read(dir.path()).unwrap_err();
        assert!(matches!(err, ResultsError::Malformed { .. }));
        assert!(err.to_string().contains("estimates.json"), "{err}");
    }
}
