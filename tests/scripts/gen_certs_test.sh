#!/usr/bin/env bash
# Checks scripts/gen-certs.sh: the set it makes verifies with `openssl verify
# -CAfile`, carries the roles in its subjects, has private keys of mode 0600
# that match their certificates; a second run keeps everything, --force makes
# a new CA, and bad input is refused with exit code 2.
# Run by ctest (gen_certs); needs the openssl command line.
set -euo pipefail

gen="$(cd "$(dirname "$0")/../.." && pwd)/scripts/gen-certs.sh"
work=$(mktemp -d /tmp/keel-gen-certs-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
  echo "FAIL: $1" >&2
  failures=$((failures + 1))
}
expect_code() { # expect_code CODE DESCRIPTION COMMAND...
  local want=$1 what=$2 got=0
  shift 2
  "$@" >"$work/out" 2>&1 || got=$?
  [[ $got -eq $want ]] || fail "$what: exit code $got, expected $want; output: $(cat "$work/out")"
}
subject() { openssl x509 -in "$1" -noout -subject -nameopt compat; }
fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256; }

# Node ids come from the [[node]] tables; a commented-out node does not count.
cat >"$work/cluster.conf" <<'EOF'
[cluster]
data_dir = "data"
[[node]]
id = "alpha"
host = "127.0.0.1"
port = 7101
# [[node]]
# id = "ghost"
[[node]]
host = "127.0.0.1"
id = "beta"   # id after host
port = 7102
[log]
level = "info"
EOF
expect_code 0 "first run" "$gen" --config "$work/cluster.conf"
certs="$work/certs" # the default: certs/ next to the config
for name in ca alpha beta client operator; do
  [[ -f "$certs/$name.pem" && -f "$certs/$name.key" ]] || fail "$name.pem or $name.key missing"
  [[ $(stat -c %a "$certs/$name.key") == 600 ]] || fail "$name.key is not mode 0600"
  [[ $(openssl pkey -in "$certs/$name.key" -pubout) == $(openssl x509 -in "$certs/$name.pem" -noout -pubkey) ]] \
    || fail "$name.key does not match $name.pem"
  openssl pkey -in "$certs/$name.key" -noout -text 2>/dev/null | grep -q "NIST CURVE: P-256" \
    || fail "$name.key is not ECDSA P-256"
done
[[ ! -e "$certs/ghost.pem" ]] || fail "a commented-out node got a certificate"
for name in alpha beta client operator; do
  openssl verify -CAfile "$certs/ca.pem" "$certs/$name.pem" >/dev/null 2>&1 \
    || fail "$name.pem does not verify against ca.pem"
done
[[ $(subject "$certs/alpha.pem") == "subject=/O=Keel/OU=keel-node/CN=alpha" ]] \
  || fail "alpha.pem subject: $(subject "$certs/alpha.pem")"
[[ $(subject "$certs/client.pem") == "subject=/O=Keel/OU=keel-client/CN=client" ]] \
  || fail "client.pem subject: $(subject "$certs/client.pem")"
[[ $(subject "$certs/operator.pem") == "subject=/O=Keel/OU=keel-operator/CN=operator" ]] \
  || fail "operator.pem subject: $(subject "$certs/operator.pem")"
san=$(openssl x509 -in "$certs/beta.pem" -noout -ext subjectAltName)
[[ $san == *"IP Address:127.0.0.1"* && $san == *"DNS:localhost"* ]] || fail "beta.pem SAN: $san"
# A node both accepts and dials: libssl checks serverAuth on one end, clientAuth on the other.
openssl verify -CAfile "$certs/ca.pem" -purpose sslserver "$certs/alpha.pem" >/dev/null 2>&1 \
  || fail "alpha.pem is not usable as a TLS server certificate"
openssl verify -CAfile "$certs/ca.pem" -purpose sslclient "$certs/alpha.pem" >/dev/null 2>&1 \
  || fail "alpha.pem is not usable as a TLS client certificate"
openssl verify -CAfile "$certs/ca.pem" -purpose sslclient "$certs/operator.pem" >/dev/null 2>&1 \
  || fail "operator.pem is not usable as a TLS client certificate"

# A second run changes nothing; naming a new id adds only its certificate.
ca_before=$(fingerprint "$certs/ca.pem")
alpha_before=$(fingerprint "$certs/alpha.pem")
expect_code 0 "second run" "$gen" "$certs" alpha gamma
[[ $(fingerprint "$certs/ca.pem") == "$ca_before" ]] || fail "a second run replaced the CA"
[[ $(fingerprint "$certs/alpha.pem") == "$alpha_before" ]] || fail "a second run replaced alpha.pem"
openssl verify -CAfile "$certs/ca.pem" "$certs/gamma.pem" >/dev/null 2>&1 \
  || fail "gamma.pem (added later) does not verify against the existing CA"

# The check can fail: a certificate of another CA does not verify.
expect_code 0 "other set" "$gen" "$work/other" alpha
openssl verify -CAfile "$certs/ca.pem" "$work/other/alpha.pem" >/dev/null 2>&1 \
  && fail "a certificate of another CA verified"

# --force: a new CA, and the named certificates signed by it.
expect_code 0 "--force" "$gen" --force "$certs" alpha beta gamma
[[ $(fingerprint "$certs/ca.pem") != "$ca_before" ]] || fail "--force kept the old CA"
openssl verify -CAfile "$certs/ca.pem" "$certs/alpha.pem" >/dev/null 2>&1 \
  || fail "alpha.pem after --force does not verify against the new CA"

# Bad input: exit 2, nothing made.
rm "$work/other/ca.key"
expect_code 2 "half a CA" "$gen" "$work/other" alpha
grep -q "half a CA" "$work/out" || fail "half a CA: no clear message"
expect_code 2 "bad node id" "$gen" "$work/bad" "n 1"
expect_code 2 "node id named like the client" "$gen" "$work/bad" client
printf '[cluster]\nshards = 1\n' >"$work/empty.conf"
expect_code 2 "config without nodes" "$gen" --config "$work/empty.conf"
[[ ! -e "$work/bad/ca.pem" ]] || fail "a refused run made a CA"

if [[ $failures -gt 0 ]]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "gen-certs.sh: all checks passed"
