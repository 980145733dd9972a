resources --lang cobol --corpus {corpus} --quiet
