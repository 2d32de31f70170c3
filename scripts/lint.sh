#!/usr/bin/env bash
# Static checks (.clang-tidy, .clang-format at the root).
#
#   scripts/lint.sh                  clang-tidy over what must stay clean: the pure
#                                    cores (actors/*/core, actors/*/engine,
#                                    supervisors/core), supervisors, every actor
#                                    shell (actors/*), apps/common, keelctl, history,
#                                    keel_node, launcher, keel_bench (not history,
#                                    load_run)
#   scripts/lint.sh FILE...          clang-tidy over these .cpp files only
#   scripts/lint.sh --format         check that every C++ file is clang-formatted
#                                    (lists the files that are not; exit 1 if any)
#   scripts/lint.sh --format --fix   reformat every C++ file in place
#   scripts/lint.sh --format FILE... the same, for these files only
#
# clang-tidy needs a compilation database with the generated protobuf headers:
# it configures $KEEL_LINT_BUILD_DIR (default build-lint) with clang++-14 and
# builds only keel_proto there. Exit status: 0 clean, 1 findings, 2 usage.
set -euo pipefail
cd "$(dirname "$0")/.."

tidy=clang-tidy-14
format=clang-format-14
for tool in "$tidy" "$format"; do
  if ! command -v "$tool" >/dev/null; then
    echo "lint: $tool is missing (apt-get install clang-tidy-14 clang-format-14)" >&2
    exit 2
  fi
done

mode=tidy
fix=0
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --format) mode=format ;;
    --fix) fix=1 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "lint: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) files+=("$1") ;;
  esac
  shift
done
if [ "$fix" = 1 ] && [ "$mode" != format ]; then
  echo "lint: --fix only applies to --format" >&2
  exit 2
fi

if [ "$mode" = format ]; then
  if [ ${#files[@]} -eq 0 ]; then
    mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.cc')
  fi
  if [ "$fix" = 1 ]; then
    "$format" -i "${files[@]}"
    echo "lint: formatted ${#files[@]} files"
    exit 0
  fi
  bad=()
  for f in "${files[@]}"; do
    "$format" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
  done
  if [ ${#bad[@]} -gt 0 ]; then
    printf 'lint: not formatted: %s\n' "${bad[@]}"
    echo "lint: ${#bad[@]} of ${#files[@]} files need scripts/lint.sh --format --fix"
    exit 1
  fi
  echo "lint: ${#files[@]} files formatted"
  exit 0
fi

if [ ${#files[@]} -eq 0 ]; then
  # What is clean today: the pure cores and the shells and apps listed here.
  # A directory joins once clang-tidy finds nothing in it.
  mapfile -t files < <(ls actors/*/core/*.cpp actors/*/engine/*.cpp supervisors/core/*.cpp \
    supervisors/*.cpp actors/*/*.cpp apps/launcher/*.cpp apps/common/*.cpp \
    apps/keelctl/*.cpp apps/history/*.cpp apps/keel_node/*.cpp 2>/dev/null; \
    for f in apps/keel_bench/*.cpp; do [[ $f =~ /(history|load_run)\.cpp$ ]] || echo "$f"; done)
fi
dir=${KEEL_LINT_BUILD_DIR:-build-lint}
# No precompiled headers: clang-tidy would need the PCH built by the same
# clang; without it each file includes what it uses, as it should anyway.
cmake -S . -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON -DKEEL_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$dir" --target keel_proto >/dev/null
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# One clang-tidy per file, two at a time; their reports are collected whole.
status=0
printf '%s\n' "${files[@]}" \
  | xargs -P "${KEEL_LINT_JOBS:-2}" -n 1 "$tidy" -p "$dir" --quiet >"$log" 2>/dev/null \
  || status=1
if [ "$status" != 0 ]; then
  cat "$log"
  echo "lint: $(grep -c 'warning:\|error:' "$log") findings in ${#files[@]} files checked"
  exit 1
fi
echo "lint: ${#files[@]} files clean under clang-tidy"
