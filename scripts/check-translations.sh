#!/usr/bin/env bash
# CI: the zh_Hans catalogue is complete, matches the sources, and its .mo is compiled from it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
po=locale/zh_Hans/LC_MESSAGES/django.po
export DEBUG=1

stats=$(msgfmt --statistics -o /dev/null "$po" 2>&1)
echo "$stats"
if grep -qE "untranslated|fuzzy" <<<"$stats"; then
  echo "The catalogue has untranslated or fuzzy entries: translate them in $po."; exit 1
fi

# Regenerate into a copy of the tree's catalogue and compare, leaving the file as it was.
saved=$(mktemp)
cp "$po" "$saved"
"$PY" manage.py makemessages --locale zh_Hans --no-location --no-obsolete --extension html,txt,py,md \
  --ignore ".venv/*" --ignore "var/*" >/dev/null
fresh=$(mktemp)
cp "$po" "$fresh"
cp "$saved" "$po"
if ! diff -q -I 'POT-Creation-Date' "$saved" "$fresh" >/dev/null; then
  diff -u -I 'POT-Creation-Date' "$saved" "$fresh" | head -40
  echo "$po does not match the sources: run 'make messages', translate, commit."; exit 1
fi

"$PY" manage.py compilemessages --locale zh_Hans --ignore ".venv/*" >/dev/null
git diff --exit-code --stat -- locale/ || {
  echo "The compiled .mo differs from the committed one: run 'make messages' and commit it."
  exit 1; }
