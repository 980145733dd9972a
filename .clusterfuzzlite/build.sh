#!/bin/bash -eu
# ClusterFuzzLite entry point: the OSS-Fuzz-style build script does the work.
exec "$SRC/witness/fuzz/oss-fuzz-build.sh"
