resources --lang rust --seed 1 --sequences 10 --cycles 200 --corpus {corpus} --quiet
