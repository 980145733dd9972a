run --memory-mib 0 --worlds 1 --calls 1 --corpus {corpus} --quiet
