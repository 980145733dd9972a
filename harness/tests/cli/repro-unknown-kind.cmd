repro harness/tests/cli/inputs/unknown-kind
