#!/bin/bash
# validate.sh OUTPUT: renders every overlay with kustomize and validates every object offline against the Kubernetes
# schemas (kubernetes-validate from PyPI, in a virtualenv kept under .build/), with the Secrets secrets.sh makes.
# Leaves in OUTPUT: <overlay>.yaml as rendered, <overlay>.json (the objects as a JSON list) and <overlay>.validate
# (the validator's report), for the checks of Tests/EndToEndTests/KubernetesManifestTests.swift. Exit 1 on any
# failure, with what to install when a tool is missing.
#
# KEDA's ScaledObject and TriggerAuthentication have no schema in kubernetes-validate: it reports them as
# "Couldn't find schema", which is accepted for keda.sh kinds only (the Swift test checks their fields itself);
# any other kind without a schema fails.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: validate.sh OUTPUT" >&2; exit 2; }
output=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
validator_version=1.37.0
# The Kubernetes versions validated against: an old one still common in clusters, and the validator's newest.
kubernetes_versions="1.29.0 1.37.0"
overlays="local production production-hpa"
mkdir -p "$output"

# The renderer: kubectl's own kustomize, else a standalone kustomize.
if command -v kubectl >/dev/null 2>&1; then
    render() { kubectl kustomize "$here/overlays/$1"; }
elif command -v kustomize >/dev/null 2>&1; then
    render() { kustomize build "$here/overlays/$1"; }
else
    echo "validate.sh: neither kubectl nor kustomize is on PATH: install Debian's kubernetes-client (make deps does), or kubectl from https://kubernetes.io/docs/tasks/tools/" >&2
    exit 1
fi
command -v python3 >/dev/null 2>&1 || { echo "validate.sh: python3 is missing: apt-get install python3 python3-venv" >&2; exit 1; }

# The validator, in its own virtualenv, installed once (a second run reuses it).
venv="$root/.build/kubernetes-validate/venv-$validator_version"
if ! "$venv/bin/kubernetes-validate" --version 2>/dev/null | grep -q "$validator_version"; then
    rm -rf "$venv"
    python3 -m venv "$venv" || { echo "validate.sh: python3 -m venv failed: apt-get install python3-venv" >&2; exit 1; }
    "$venv/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$validator_version" || {
        echo "validate.sh: pip could not install kubernetes-validate==$validator_version from PyPI" >&2
        exit 1
    }
fi

status=0
for overlay in $overlays; do
    render "$overlay" > "$output/$overlay.yaml" 2> "$output/$overlay.render-errors" || {
        echo "validate.sh: overlays/$overlay does not render:" >&2
        cat "$output/$overlay.render-errors" >&2
        exit 1
    }
done
rm -rf "$output/secrets-material"
PSYNC_POSTGRES_URL= "$here/secrets.sh" "$output/secrets-material" > "$output/secrets.yaml"
cp "$here/cli.yaml" "$output/cli.yaml"

: > "$output/report.txt"
for name in $overlays secrets cli; do
    : > "$output/$name.validate"
    for version in $kubernetes_versions; do
        "$venv/bin/kubernetes-validate" --strict -k "$version" "$output/$name.yaml" >> "$output/$name.validate" 2>&1 || true
    done
    failures=$(grep -E '^(ERROR|WARN)' "$output/$name.validate" |
        grep -vE "^WARN .*Couldn't find schema for kind (ScaledObject|TriggerAuthentication) with api version keda\.sh/v1alpha1" || true)
    passed=$(grep -c ' passed for resource ' "$output/$name.validate" || true)
    if [ -n "$failures" ]; then
        echo "validate.sh: $name.yaml does not validate:" >&2
        echo "$failures" >&2
        status=1
    fi
    echo "$name: $passed object-version pairs passed" >> "$output/report.txt"
    "$venv/bin/python" -c 'import json, sys, yaml; json.dump([d for d in yaml.safe_load_all(open(sys.argv[1])) if d], open(sys.argv[2], "w"))' \
        "$output/$name.yaml" "$output/$name.json"
done
cat "$output/report.txt"
exit $status
