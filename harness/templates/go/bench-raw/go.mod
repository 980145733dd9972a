module witness_bench_raw

go 1.24
