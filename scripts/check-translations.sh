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

"$PY" manage.py makemessages --locale zh_Hans --no-location --no-obsolete \
  --ignore ".venv/*" --ignore "var/*" >/dev/null
if ! git diff --quiet -I 'POT-Creation-Date' -- "$po"; then
  git diff -I 'POT-Creation-Date' -- "$po" | head -40
  git checkout -- "$po"
  echo "$po does not match the sources: run 'make messages', translate, commit."; exit 1
fi
git checkout -- "$po"

"$PY" manage.py compilemessages --locale zh_Hans --ignore ".venv/*" >/dev/null
git diff --exit-code --stat -- locale/ || {
  echo "The compiled .mo is stale: run 'make messages' and commit it."; exit 1; }
