#!/bin/bash -eu
# Builds every witness fuzz target into $OUT, OSS-Fuzz style (used by
# .clusterfuzzlite/build.sh, and usable as an OSS-Fuzz project's build.sh).
#
# - `cargo fuzz build -O` with the sanitizer and coverage flags the OSS-Fuzz
#   builder sets in $SANITIZER / $RUSTFLAGS;
# - each binary copied to $OUT with its seed corpus
#   ($OUT/<target>_seed_corpus.zip, from corpus/fuzz/<target>/);
# - the guests of the echo targets built once here, where the guest
#   toolchains can be installed, and shipped in $OUT/witness-guests/ (the
#   runners have no toolchains; the echo targets load guests from there).
#
# Locally: OUT=/tmp/out SRC=$PWD/.. fuzz/oss-fuzz-build.sh (from the repo root).
cd "$SRC/witness"

sanitizer="${SANITIZER:-address}"
case "$sanitizer" in
  address|memory|thread|leak) flag=(--sanitizer "$sanitizer") ;;
  coverage|undefined|none|*) flag=(--sanitizer none) ;;
esac

cargo fuzz build -O --debug-assertions "${flag[@]}"
bin_dir="fuzz/target/x86_64-unknown-linux-gnu/release"

targets=$(cargo fuzz list)
for target in $targets; do
  cp "$bin_dir/$target" "$OUT/"
  if [ -d "corpus/fuzz/$target" ]; then
    (cd "corpus/fuzz/$target" && zip -q -j "$OUT/${target}_seed_corpus.zip" ./*)
  fi
done

# Prebuild the echo targets' guests: one run each with no inputs builds the
# fixture and exports its components.
export WITNESS_CACHE="${WITNESS_CACHE:-$WORK/witness-cache}"
export WITNESS_FUZZ_EXPORT_GUESTS="$OUT/witness-guests"
for target in $targets; do
  case "$target" in
    echo|echo_*|resource_sequences) "$bin_dir/$target" -runs=1 ;;
  esac
done
ls -R "$OUT/witness-guests"
