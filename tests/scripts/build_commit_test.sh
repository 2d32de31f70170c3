#!/usr/bin/env bash
# Checks cmake/BuildCommit.cmake, which names the commit a binary was built
# from (keel-node --version): outside a git checkout "unknown"; in a clean one
# the commit's 12 hex digits; with a tracked file changed "-dirty-" and the
# first 8 hex digits of the SHA-1 of `git diff HEAD`, different for different
# changes; an untracked file changes nothing; and a run that would write the
# same text leaves the file alone (so a build at the same commit rebuilds
# nothing). Run by ctest (build_commit); needs git.
set -euo pipefail

script="$(cd "$(dirname "$0")/../.." && pwd)/cmake/BuildCommit.cmake"
work=$(mktemp -d /tmp/keel-build-commit-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
  echo "FAIL: $1" >&2
  failures=$((failures + 1))
}
# The commit the script writes for the checkout (or directory) $1.
commit_of() {
  cmake -DSRC="$1" -DOUT="$work/out.cpp" -P "$script"
  sed -n 's/.*return "\(.*\)";.*/\1/p' "$work/out.cpp"
}
git_in() { git -C "$work/repo" -c user.name=test -c user.email=test@example.invalid "$@"; }

mkdir "$work/plain"
got=$(commit_of "$work/plain")
[[ $got == unknown ]] || fail "outside a checkout: '$got', expected 'unknown'"

mkdir "$work/repo"
git_in init -q
echo one >"$work/repo/tracked.txt"
git_in add tracked.txt
git_in commit -q -m first
head=$(git_in rev-parse --short=12 HEAD)
got=$(commit_of "$work/repo")
[[ $got == "$head" ]] || fail "clean checkout: '$got', expected '$head'"

echo scratch >"$work/repo/untracked.txt"
got=$(commit_of "$work/repo")
[[ $got == "$head" ]] || fail "an untracked file made it '$got', expected '$head'"

touch -d '2000-01-01' "$work/out.cpp"
commit_of "$work/repo" >/dev/null
[[ $(stat -c %Y "$work/out.cpp") -eq $(date -d '2000-01-01' +%s) ]] \
  || fail "the same text was written again (the build would recompile it)"

echo two >"$work/repo/tracked.txt"
want="$head-dirty-$(git_in diff HEAD | sha1sum | cut -c1-8)"
first=$(commit_of "$work/repo")
[[ $first == "$want" ]] || fail "changed checkout: '$first', expected '$want'"
echo three >"$work/repo/tracked.txt"
second=$(commit_of "$work/repo")
[[ $second =~ ^$head-dirty-[0-9a-f]{8}$ && $second != "$first" ]] \
  || fail "another change gave '$second' after '$first'"

git_in commit -q -am second
got=$(commit_of "$work/repo")
[[ $got == "$(git_in rev-parse --short=12 HEAD)" ]] || fail "after committing: '$got'"

[[ $failures -eq 0 ]] || exit 1
echo "build_commit: all checks passed"
