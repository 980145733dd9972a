resources --fault frobnicate --corpus {corpus} --quiet
