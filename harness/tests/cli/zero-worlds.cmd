run --worlds 0 --corpus {corpus} --quiet
