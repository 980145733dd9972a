run --seed 3 --worlds 2 --calls 10 --corpus {corpus} --quiet
