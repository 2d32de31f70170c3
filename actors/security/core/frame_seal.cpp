#include "actors/security/core/frame_seal.hpp"

#include "actors/security/core/crypto.hpp"

namespace keel::security {

namespace {

// What a frame's MAC covers: its session and number, then its batch.
std::string mac_of(const hmac_sha256_key& key, uint64_t session, uint64_t seq,
                   std::string_view batch) {
  std::string header;
  header.reserve(16);
  append_u64(header, session);
  append_u64(header, seq);
  return key.mac({header, batch});
}

} // namespace

std::string_view to_string(frame_fault f) {
  switch (f) {
    case frame_fault::bad_mac: return "bad_mac";
    case frame_fault::replayed: return "replayed";
  }
  return "?";
}

peer::PeerFrame frame_sealer::seal(std::string batch) {
  peer::PeerFrame f;
  f.set_session(keys_.session);
  f.set_seq(next_seq_++);
  f.set_mac(mac_of(mac_key_, keys_.session, f.seq(), batch));
  f.set_batch(std::move(batch));
  return f;
}

keel::result<void, frame_fault> frame_opener::open(const peer::PeerFrame& f) {
  // The MAC first: an unauthenticated frame must not move last_seq_.
  if (f.session() != keys_.session
      || !equal_constant_time(f.mac(), mac_of(mac_key_, keys_.session, f.seq(), f.batch())))
    return frame_fault::bad_mac;
  if (f.seq() <= last_seq_)
    return frame_fault::replayed;
  last_seq_ = f.seq();
  return {};
}

} // namespace keel::security
