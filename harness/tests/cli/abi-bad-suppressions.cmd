abi --seed 1 --cases 5 --corpus harness/tests/cli/inputs/bad-corpus --quiet
