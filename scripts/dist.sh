#!/usr/bin/env bash
# dist.sh: fill dist/ with what the npm package ships beside js/ (run by
# `npm pack` and `npm publish` as the prepack script): the prebuilt standard
# module (wmesh_std) that createMesh() loads by default, with the TypeScript
# names of its functions (wmesh_std.d.ts), and the runtime and the standard
# functions as static libraries (libwmesh.a, libwmesh_std.a) for
# cmake/wmesh.cmake to link users' modules against (include/ holds their
# headers, wmesh.h and wmesh_std.h).
set -euo pipefail
cd "$(dirname "$0")/.."
# Build first (incremental), so the package never ships a stale module,
# but only the targets it ships: not the test, demo and bench modules;
# on stderr, so that `npm pack --json` keeps a clean stdout.
bash scripts/build.sh wmesh wmesh_std_lib wmesh_std >&2
rm -rf dist
mkdir -p dist
cp build/wmesh_std.js build/wmesh_std.mjs build/wmesh_std.wasm build/wmesh_std.d.ts build/libwmesh.a build/libwmesh_std.a dist/
# The glue is CommonJS inside a "type": "module" package.
printf '{"type": "commonjs"}\n' >dist/package.json
