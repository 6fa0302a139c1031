#!/usr/bin/env bash
# The SPF tree lint and flattening against pyspf (Debian python3-spf): worst-case
# lookup counts on random customer-shaped zones, and the same result for every client
# address tried on flattened and original records (see spf/tree.py).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
need_packages python3-spf python3-dnspython

bin=$(hostkit_bin)
cases=${HOSTKIT_SPF_TREE_CASES:-150}
seed=${HOSTKIT_SPF_TREE_SEED:-20261203}

echo "--- pyspf: lint and flatten on $cases random customer zones, seed $seed"
out=$(/usr/bin/python3 "$here/spf/tree.py" "$bin" "$cases" "$seed") || true
echo "$out" | grep -v '^  \(zone\|records\):' | tail -n 40
summary=$(echo "$out" | tail -n 1)
if [[ $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    [ "${BASH_REMATCH[2]}" -eq 0 ]
else
    echo "the pyspf comparison did not finish"
    exit 1
fi
