#!/usr/bin/env bash
# Make sure pgTAP (the extension) and pg_prove are installed for the server `make test` uses.
# As root on Debian they are installed from Debian's packages; otherwise we say what to install.
set -euo pipefail

bindir=${PG_BINDIR:-$(pg_config --bindir 2>/dev/null || true)}
pg_config_bin=${bindir:+$bindir/pg_config}
[ -x "${pg_config_bin:-}" ] || pg_config_bin=$(command -v pg_config || true)
if [ -z "$pg_config_bin" ]; then
  echo "pg_config not found: install PostgreSQL (Debian: apt-get install postgresql)" >&2
  exit 1
fi
sharedir=$("$pg_config_bin" --sharedir)
major=$("$pg_config_bin" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')

missing=()
[ -f "$sharedir/extension/pgtap.control" ] || missing+=("postgresql-$major-pgtap")
command -v pg_prove >/dev/null 2>&1 || missing+=("libtap-parser-sourcehandler-pgtap-perl")
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -q >/dev/null
    apt-get install -y -q "${missing[@]}" >/dev/null
  fi
  exit 0
fi
echo "missing for the SQL tests: ${missing[*]}" >&2
echo "install them (Debian: sudo apt-get install ${missing[*]}) or run as root" >&2
exit 1
