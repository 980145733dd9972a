run --worlds 1 --calls 1 --corpus harness/tests/cli/inputs/bad-corpus --quiet
