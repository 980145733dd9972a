run --wit harness/tests/cli/inputs/malformed.wit --corpus {corpus} --quiet
