resources --lang rust --runtime wasmtime@42.0.1 --corpus {corpus} --quiet
