#!/usr/bin/env bash
# The close on several worker hosts (network namespaces): see scripts/cluster.py --help.
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-.venv/bin/python}" scripts/cluster.py "$@"
