#!/usr/bin/env bash
# Refresh the vendored front-end assets in static/vendor/ from the npm registry.
#
# The app serves htmx, KaTeX and, for the API docs at /docs, Swagger UI itself (no CDN, no
# internet at run time). This script
# fetches the pinned versions with `npm pack`, keeps only the files the pages load
# (minified scripts, the stylesheet and the woff2 fonts), and records the versions in
# static/vendor/VERSIONS. Change a version below, run `make vendor`, commit the result.
set -euo pipefail

HTMX_VERSION=2.0.11
KATEX_VERSION=0.16.47
SWAGGER_UI_VERSION=5.35.0

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

rm -rf "$vendor/htmx" "$vendor/katex" "$vendor/swagger-ui"
mkdir -p "$vendor/htmx" "$vendor/katex/fonts" "$vendor/katex/contrib" "$vendor/swagger-ui"
cp "$htmx/dist/htmx.min.js" "$vendor/htmx/"
cp "$htmx/LICENSE" "$vendor/htmx/LICENSE"
cp "$katex/dist/katex.min.js" "$katex/dist/katex.min.css" "$vendor/katex/"
cp "$katex/dist/contrib/auto-render.min.js" "$vendor/katex/contrib/"
cp "$katex/dist/fonts/"*.woff2 "$vendor/katex/fonts/"
cp "$katex/LICENSE" "$vendor/katex/LICENSE"
cp "$swagger/swagger-ui-bundle.js" "$swagger/swagger-ui.css" "$vendor/swagger-ui/"
cp "$swagger/LICENSE" "$vendor/swagger-ui/LICENSE"

cat > "$vendor/VERSIONS" <<VERSIONS
htmx.org $HTMX_VERSION
katex $KATEX_VERSION
swagger-ui-dist $SWAGGER_UI_VERSION
VERSIONS
echo "vendored htmx.org $HTMX_VERSION, katex $KATEX_VERSION and swagger-ui-dist $SWAGGER_UI_VERSION into static/vendor/"
