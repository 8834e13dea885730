#!/usr/bin/env bash
# Prints an apt source for Debian's bookworm-backports made from this machine's own bookworm source (the same URIs,
# components and keyring, with the backports suite), so no package host is named in this project. Prints nothing
# when the machine has no bookworm source. Reads deb822 `.sources` files first, then one-line `.list` files.
set -euo pipefail
shopt -s nullglob

for f in /etc/apt/sources.list.d/*.sources; do
  # Paragraph mode: one deb822 stanza per record; keep the first whose Suites names bookworm itself.
  stanza=$(awk -v RS= '$0 ~ /(^|\n)Suites:([^\n]*[ \t])?bookworm([ \t]|\n|$)/ { print; exit }' "$f")
  if [ -n "$stanza" ]; then
    printf '%s\n' "$stanza" | grep -v '^#' | sed -E 's/^Suites:.*/Suites: bookworm-backports/'
    exit 0
  fi
done

for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [ -f "$f" ] || continue
  line=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i == "bookworm") { $i = "bookworm-backports"; print; exit } }' "$f")
  if [ -n "$line" ]; then
    printf '%s\n' "$line"
    exit 0
  fi
done
