#!/usr/bin/env bash
# Installs Keel's build and test dependencies from Debian 12's packages, if any
# is missing. Needs root (or sudo). Nothing is downloaded from anywhere else.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libcaf-dev                      # CAF 0.17.6: core, io (remote actors), openssl (TLS)
  libssl-dev                      # CAF's openssl module links against it
  openssl                         # scripts/gen-certs.sh (the development CA and certificates)
  libprotobuf-dev protobuf-compiler
  libspdlog-dev libfmt-dev
  librocksdb-dev
  libtcmalloc-minimal4            # keel-node's malloc (CMakeLists.txt, KEEL_MALLOC)
  libtomlplusplus-dev             # cluster.conf
  libcli11-dev nlohmann-json3-dev
  libcpp-httplib-dev              # a node's HTTP endpoint: /metrics and the dashboard
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev     # the fuzz harnesses: libFuzzer, ASan, UBSan (scripts/fuzz.sh)
  clang-format-14                 # ctest format (.clang-format)
  chromium chromium-driver        # the dashboard's test in a real headless browser (WebDriver)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
