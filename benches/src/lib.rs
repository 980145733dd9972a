//! Criterion benchmarks: components against raw core modules.
