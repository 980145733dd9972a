resources --replay harness/tests/cli/inputs/resources/findings/rust-resource-cbac02e0
