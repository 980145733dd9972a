repro corpus/findings/raw-abi-6d8f8d8b
