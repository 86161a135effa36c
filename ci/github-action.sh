#!/usr/bin/env bash
# The GitHub Action's one step (action.yml runs it): install golayer, run `golayer check` once for each
# report (SARIF for code scanning, workflow annotations, a Markdown job summary), and hand the exit code to
# the action's last step so the upload still happens when findings fail the job.
# Inputs come as GOLAYER_* environment variables; GitHub provides GITHUB_OUTPUT and GITHUB_STEP_SUMMARY.
set -uo pipefail

if [ -z "${GOLAYER_SKIP_INSTALL:-}" ]; then
  python3 -m pip install --quiet --disable-pip-version-check "${GOLAYER_VERSION:-${GOLAYER_SOURCE:?}}" \
    || { echo "::error title=golayer::could not install golayer"; exit 2; }
fi

args=(check "${GOLAYER_PATH:-.}" --fail-on "${GOLAYER_FAIL_ON:-warning}")
[ -n "${GOLAYER_CONFIG:-}" ] && args+=(--config "$GOLAYER_CONFIG")
[ -n "${GOLAYER_BASELINE:-}" ] && args+=(--baseline "$GOLAYER_BASELINE")
for ref in ${GOLAYER_IMAGES:-}; do args+=(--image "$ref"); done
# shellcheck disable=SC2206 # extra arguments are words, as on a command line
extra=(${GOLAYER_ARGS:-})

out_dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
sarif="$out_dir/golayer.sarif"
golayer "${args[@]}" "${extra[@]}" --format sarif --output "$sarif"
code=$?
if [ "$code" -ge 2 ]; then
  # a usage or input error: show it as it is, no reports to upload
  golayer "${args[@]}" "${extra[@]}" --format text || true
  { echo "exit-code=$code"; echo "findings=0"; echo "sarif="; } >> "${GITHUB_OUTPUT:-/dev/null}"
  exit 0
fi
golayer "${args[@]}" "${extra[@]}" --format github || true
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  golayer "${args[@]}" "${extra[@]}" --format markdown >> "$GITHUB_STEP_SUMMARY" || true
fi
findings=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["runs"][0]["results"]))' "$sarif")
{ echo "exit-code=$code"; echo "findings=$findings"; echo "sarif=$sarif"; } >> "${GITHUB_OUTPUT:-/dev/null}"
exit 0
