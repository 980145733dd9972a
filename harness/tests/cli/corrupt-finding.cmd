repro harness/tests/cli/inputs/corrupt-finding
