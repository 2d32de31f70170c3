#include "actors/security/core/errc.hpp"

namespace keel::security {

const char* to_string(errc code) {
  switch (code) {
    case errc::bad_files: return "bad_files";
    case errc::short_secret: return "short_secret";
    case errc::wrong_mode: return "wrong_mode";
    case errc::no_certificate: return "no_certificate";
    case errc::malformed: return "malformed";
    case errc::untrusted: return "untrusted";
    case errc::wrong_identity: return "wrong_identity";
    case errc::bad_proof: return "bad_proof";
    case errc::bad_key_share: return "bad_key_share";
    case errc::refused: return "refused";
    case errc::unknown_session: return "unknown_session";
    case errc::no_proof: return "no_proof";
    case errc::stale: return "stale";
    case errc::replayed: return "replayed";
    case errc::busy: return "busy";
    case errc::lost_data: return "lost_data";
    case errc::io: return "io";
  }
  return "unknown";
}

} // namespace keel::security
