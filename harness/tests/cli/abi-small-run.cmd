abi --seed 1 --cases 25 --corpus {corpus} --quiet
