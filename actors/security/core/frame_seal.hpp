// frame_seal: authenticated frames of Raft traffic within a peer session
// (messages/peer.proto, PeerFrame). The sender numbers its frames 1, 2, 3, ...
// and MACs each with the session key; the receiver accepts a frame only with
// a good MAC and a number above the last it accepted, so a frame can be
// neither forged nor replayed. Frames are not encrypted here: TLS clusters get
// confidentiality from the connection, plaintext clusters have none
// (docs/security.md). Pure: no CAF, no clock.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "actors/security/core/crypto.hpp"
#include "actors/security/core/peer_handshake.hpp"
#include "messages/peer.pb.h"

namespace keel::security {

/// Why a frame was refused: the frame check's own errors, with no sentence (it
/// runs for every frame, and the gate logs the name).
enum class frame_fault { bad_mac, replayed };

std::string_view to_string(frame_fault f);

/// The sending end of a session.
class frame_sealer {
public:
  explicit frame_sealer(session_keys keys)
    : keys_(std::move(keys)),
      mac_key_(keys_.key) {}

  /// The frame that carries `batch` (a serialized raft::MessageBatch).
  peer::PeerFrame seal(std::string batch);

  uint64_t session() const { return keys_.session; }

private:
  session_keys keys_;
  hmac_sha256_key mac_key_;
  uint64_t next_seq_ = 1;
};

/// The receiving end of a session.
class frame_opener {
public:
  explicit frame_opener(session_keys keys)
    : keys_(std::move(keys)),
      mac_key_(keys_.key) {}

  /// Accepts `f` (whose session the caller matched to this one) or says why not.
  keel::result<void, frame_fault> open(const peer::PeerFrame& f);

  const std::string& peer() const { return keys_.peer; }
  uint64_t session() const { return keys_.session; }

private:
  session_keys keys_;
  hmac_sha256_key mac_key_;
  uint64_t last_seq_ = 0;
};

} // namespace keel::security
