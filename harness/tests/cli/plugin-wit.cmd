run --wit wit/plugin --calls 20 --corpus {corpus} --quiet
