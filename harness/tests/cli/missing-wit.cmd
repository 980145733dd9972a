run --wit harness/tests/cli/inputs/no-such-file.wit --corpus {corpus} --quiet
