#!/usr/bin/env bash
# demo.sh: set up, build, and run the text pipeline demo in Node.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
node demos/text/run.mjs "$@"
