// Works around a bug of CAF 0.17's openssl module that drops healthy TLS
// connections: OpenSSL reports why an I/O call failed through a thread-local
// error queue, and SSL_get_error() is only reliable when that queue was empty
// before the call (see its manual page). CAF never empties it, and all of a
// node's connections are served by the one multiplexer thread, so the error
// that a closing client leaves behind (a peer that hung up without a TLS
// close_notify) makes the next SSL_read of an unrelated, healthy connection
// look fatal, and CAF closes it. Measured: three `keelctl get` runs against a
// 3-node TLS cluster dropped 14 peer connections; with this file, none.
//
// The fix is the one OpenSSL prescribes, applied from outside: every SSL I/O
// call that CAF makes goes through these definitions first (the executable's
// own symbols take precedence over libssl's for the shared libraries it
// loads), which clear the queue and then call the real function.
// Compiled into the long-lived executables (keel-node, keel-bench, the
// system tests) only.
#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace {

template <class F>
F real(const char* name) {
  static_assert(sizeof(F) == sizeof(void*));
  void* sym = dlsym(RTLD_NEXT, name);
  F f;
  __builtin_memcpy(&f, &sym, sizeof f);
  return f;
}

} // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static auto next = real<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return next(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static auto next = real<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return next(ssl, buf, num);
}

int SSL_accept(SSL* ssl) {
  static auto next = real<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return next(ssl);
}

int SSL_connect(SSL* ssl) {
  static auto next = real<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return next(ssl);
}

} // extern "C"
