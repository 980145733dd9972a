resources --sequences 0 --cycles 0 --corpus {corpus} --quiet
