repro harness/tests/cli/inputs/resources/findings/rust-resource-cbac02e0
