abi --runtime wasmtime@12.0.0 --cases 1 --corpus {corpus} --quiet
