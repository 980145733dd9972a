abi --runtime wasmer@4.0.0 --cases 1 --corpus {corpus} --quiet
