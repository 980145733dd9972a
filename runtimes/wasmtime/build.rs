//! Names the wasmtime version the executor is built with, read from the pin
//! in its own manifest (`wasmtime = { version = "=X.Y.Z", ... }`), so that
//! `Ready` tells the parent which runtime it really got.

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let manifest = std::path::Path::new(&dir).join("Cargo.toml");
    println!("cargo:rerun-if-changed={}", manifest.display());
    let text = std::fs::read_to_string(&manifest).expect("the manifest is readable");
    let version = text
        .lines()
        .find_map(|line| {
            let rest = line.trim().strip_prefix("wasmtime = ")?;
            let start = rest.find("\"=")? + 2;
            let len = rest[start..].find('"')?;
            Some(rest[start..start + len].to_string())
        })
        .expect("the manifest pins `wasmtime = { version = \"=X.Y.Z\" ... }`");
    println!("cargo:rustc-env=WITNESS_WASMTIME_VERSION={version}");
}
