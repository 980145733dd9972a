rediscover --affected wasmtime@42.0.1 --fixed wasmtime@42.0.1 -- abi --cases 1
