run --lang cobol --worlds 1 --calls 1 --corpus {corpus} --quiet
