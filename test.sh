#!/usr/bin/env bash
# Runs every Parley test. Installs what the tests need when it is missing (sipp from Debian's sip-tester).
set -euo pipefail
cd "$(dirname "$0")"

apt_updated=0
need() { # need COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ "$apt_updated" -eq 0 ]; then
    $sudo apt-get update -qq
    apt_updated=1
  fi
  echo "test.sh: installing $2 (for $1)"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$2" >/dev/null
}

need sipp sip-tester
# The persistence tests start a private PostgreSQL; its server binaries live in /usr/lib/postgresql/<ver>/bin, not on PATH.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need "PostgreSQL's initdb" postgresql

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
config=${CONFIGURATION:-Release}
dotnet build Parley.slnx -c "$config" -nologo -clp:ErrorsOnly

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test Parley.slnx -c "$config" --no-build -nologo 2>&1 | tee "$log" || status=$?

# One closing line for the whole suite, summed over the test projects.
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$passed" -eq 0 ]; then
  echo "test.sh: no test ran" >&2
  exit 1
fi
exit "$status"
