// event: the names of event types, one list shared by writer and reader.

#include "apps/history/event.hpp"

#include "apps/history/enum_names.hpp"

namespace keel::history {

const char* to_string(event_type t) {
  if (auto r = result_of(t))
    return to_string(*r);
  return "invoke";
}

std::optional<event_type> event_type_named(std::string_view name) {
  constexpr event_type all[]
    = {event_type::invoke, event_type::ok, event_type::fail, event_type::info};
  return named(name, all);
}

event_type event_of(op_result r) {
  switch (r) {
    case op_result::ok: return event_type::ok;
    case op_result::fail: return event_type::fail;
    case op_result::info: break;
  }
  return event_type::info;
}

std::optional<op_result> result_of(event_type t) {
  switch (t) {
    case event_type::invoke: return std::nullopt;
    case event_type::ok: return op_result::ok;
    case event_type::fail: return op_result::fail;
    case event_type::info: break;
  }
  return op_result::info;
}

} // namespace keel::history
