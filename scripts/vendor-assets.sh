#!/usr/bin/env bash
# Refresh the vendored front-end assets in static/vendor/ from the npm registry.
#
# The app serves htmx, KaTeX, MathLive (the visual math editor, loaded only when a learner
# asks for it) and, for the API docs at /docs, Swagger UI itself (no CDN, no internet at run
# time). axe-core is vendored for the browser tests only, under tests/browser/vendor/. This script
# fetches the pinned versions with `npm pack`, keeps only the files the pages load
# (minified scripts, the stylesheet and the woff2 fonts), and records the versions in
# static/vendor/VERSIONS. Change a version below, run `make vendor`, commit the result.
set -euo pipefail

HTMX_VERSION=2.0.11
KATEX_VERSION=0.16.47
SWAGGER_UI_VERSION=5.35.0
MATHLIVE_VERSION=0.111.1
AXE_CORE_VERSION=4.14.1

root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fetch() { # fetch NAME VERSION -> unpacked package directory
  local name="$1" version="$2"
  mkdir -p "$work/$name"
  (cd "$work/$name" && npm pack --silent "$name@$version" >/dev/null && tar -xzf ./*.tgz)
  echo "$work/$name/package"
}

htmx="$(fetch htmx.org "$HTMX_VERSION")"
katex="$(fetch katex "$KATEX_VERSION")"
swagger="$(fetch swagger-ui-dist "$SWAGGER_UI_VERSION")"
mathlive="$(fetch mathlive "$MATHLIVE_VERSION")"
axe="$(fetch axe-core "$AXE_CORE_VERSION")"

rm -rf "$vendor/htmx" "$vendor/katex" "$vendor/swagger-ui" "$vendor/mathlive"
mkdir -p "$vendor/htmx" "$vendor/katex/fonts" "$vendor/katex/contrib" "$vendor/swagger-ui" \
  "$vendor/mathlive/fonts"
cp "$htmx/dist/htmx.min.js" "$vendor/htmx/"
cp "$htmx/LICENSE" "$vendor/htmx/LICENSE"
cp "$katex/dist/katex.min.js" "$katex/dist/katex.min.css" "$vendor/katex/"
cp "$katex/dist/contrib/auto-render.min.js" "$vendor/katex/contrib/"
cp "$katex/dist/fonts/"*.woff2 "$vendor/katex/fonts/"
cp "$katex/LICENSE" "$vendor/katex/LICENSE"
cp "$swagger/swagger-ui-bundle.js" "$swagger/swagger-ui.css" "$vendor/swagger-ui/"
cp "$swagger/LICENSE" "$vendor/swagger-ui/LICENSE"
cp "$mathlive/mathlive.min.js" "$mathlive/LICENSE.txt" "$vendor/mathlive/"
cp "$mathlive/fonts/"*.woff2 "$vendor/mathlive/fonts/"
tests_vendor="$root/tests/browser/vendor/axe-core"
rm -rf "$tests_vendor" && mkdir -p "$tests_vendor"
cp "$axe/axe.min.js" "$axe/LICENSE" "$tests_vendor/"
echo "axe-core $AXE_CORE_VERSION" > "$tests_vendor/VERSION"

cat > "$vendor/VERSIONS" <<VERSIONS
htmx.org $HTMX_VERSION
katex $KATEX_VERSION
swagger-ui-dist $SWAGGER_UI_VERSION
mathlive $MATHLIVE_VERSION
VERSIONS
echo "vendored htmx.org $HTMX_VERSION, katex $KATEX_VERSION, swagger-ui-dist $SWAGGER_UI_VERSION and mathlive $MATHLIVE_VERSION into static/vendor/, axe-core $AXE_CORE_VERSION into tests/browser/vendor/"
