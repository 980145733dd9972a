shrink harness/tests/cli/inputs/corrupt-finding
