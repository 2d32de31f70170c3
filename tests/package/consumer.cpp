// Writes a key through the installed Keel client library and reads it back:
//   keel_consumer HOST:PORT KEY VALUE
// Exit 0 when the value read back is the one written.
#include <iostream>

#include "actors/client/client.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: keel_consumer HOST:PORT KEY VALUE\n";
    return 2;
  }
  auto endpoints = keel::client::parse_endpoints(argv[1]);
  if (!endpoints) {
    std::cerr << "keel_consumer: " << endpoints.error().detail << "\n";
    return 2;
  }
  keel::client::runtime rt{keel::client::transport_options{}};
  keel::client::options opts;
  opts.endpoints = *endpoints;
  opts.timeout_ms = 10000;
  keel::client::session s{rt, opts};
  auto put = s.put(argv[2], argv[3]);
  if (!put.ok()) {
    std::cerr << "keel_consumer: put: " << put.error << "\n";
    return 1;
  }
  auto got = s.get(argv[2]);
  if (!got.ok() || !got.value || *got.value != argv[3]) {
    std::cerr << "keel_consumer: get: " << got.error << "\n";
    return 1;
  }
  std::cout << *got.value << "\n";
  return 0;
}
