#!/usr/bin/env bash
# Differential test of `hostkit caa parse` against dnspython (Debian python3-dnspython):
# generated CAA records, text to wire and wire to text, must give the same bytes, the
# same values and the same canonical text.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
need_packages python3 python3-dnspython
bin=$(hostkit_bin)
# Debian's interpreter, which sees Debian's dnspython whatever python3 is first on PATH.
/usr/bin/python3 "$here/caa/differential.py" "$bin" "${CAA_DIFF_COUNT:-1200}"
