# Shared preamble of the benchmarks (sourced, not run): error exit, tool checks, /usr/bin/time, and the CLI build.
# The sourcing script sets `repo` (the repository root) first.

bench_name=$(basename "$0")

# die MESSAGE: usage/setup error of the benchmark (exit 2).
die() { echo "$bench_name: $*" >&2; exit 2; }

# require_tools TOOL...: each must be on PATH.
require_tools() {
    local tool
    for tool in "$@"; do command -v "$tool" >/dev/null || die "$tool is not installed"; done
}

# require_time: GNU time at /usr/bin/time (wall, CPU and peak RSS); installed with apt-get when running as root.
require_time() {
    if [ ! -x /usr/bin/time ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y -qq time >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq time >/dev/null; } || true
    fi
    [ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian/Ubuntu: apt-get install time)"
}

# cli: BACKUPTOOLS_CLI_DLL, else the Release build (built when missing). Sets the variable `cli`.
find_cli() {
    cli=${BACKUPTOOLS_CLI_DLL:-$repo/src/BackupTools.Cli/bin/Release/net8.0/backuptools.dll}
    if [ ! -f "$cli" ]; then
        [ -z "${BACKUPTOOLS_CLI_DLL:-}" ] || die "BACKUPTOOLS_CLI_DLL=$cli does not exist"
        echo "Building the CLI (Release)..." >&2
        dotnet build "$repo/src/BackupTools.Cli" -c Release -v quiet -nologo >&2
    fi
    [ -f "$cli" ] || die "no CLI at $cli"
}
