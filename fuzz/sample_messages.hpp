// Realistic instances of every registered message type, for the seed corpora
// of pb_parse and caf_message: one with every field set (through protobuf
// reflection, a few levels deep) and one empty, per type, plus hand-built
// messages as a node really sends them.
#pragma once

#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "messages/type_ids.hpp"

namespace keel::fuzz {

/// Sets every field of m (one member per oneof, depth <= 3) to a non-default value.
inline void fill_every_field(google::protobuf::Message& m, int depth = 0) {
  using google::protobuf::FieldDescriptor;
  auto* d = m.GetDescriptor();
  auto* r = m.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    auto* f = d->field(i);
    if (f->containing_oneof() && r->HasOneof(m, f->containing_oneof()))
      continue;
    bool rep = f->is_repeated();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        rep ? r->AddString(&m, f, "n2") : r->SetString(&m, f, "n2");
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        rep ? r->AddUInt64(&m, f, 3) : r->SetUInt64(&m, f, 3);
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        rep ? r->AddUInt32(&m, f, 1) : r->SetUInt32(&m, f, 1);
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        rep ? r->AddInt64(&m, f, -5) : r->SetInt64(&m, f, -5);
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        rep ? r->AddInt32(&m, f, -3) : r->SetInt32(&m, f, -3);
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        rep ? r->AddDouble(&m, f, 2.5) : r->SetDouble(&m, f, 2.5);
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        rep ? r->AddFloat(&m, f, 1.5f) : r->SetFloat(&m, f, 1.5f);
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        rep ? r->AddBool(&m, f, true) : r->SetBool(&m, f, true);
        break;
      case FieldDescriptor::CPPTYPE_ENUM: {
        auto* e = f->enum_type();
        auto* v = e->value(e->value_count() - 1);
        rep ? r->AddEnum(&m, f, v) : r->SetEnum(&m, f, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (depth < 3)
          fill_every_field(rep ? *r->AddMessage(&m, f) : *r->MutableMessage(&m, f), depth + 1);
        break;
    }
  }
}

/// A client write as keelctl sends it.
inline kv::Request sample_put() {
  kv::Request r;
  r.set_client_id(0x5eed5eed5eedull);
  r.set_seq(1);
  r.mutable_put()->set_key("user:42");
  r.mutable_put()->set_value("hello");
  return r;
}

/// A leader's append with one client batch, as raft::node sends it.
inline raft::Message sample_append() {
  command::CommandBatch batch;
  auto* cmd = batch.add_commands();
  cmd->set_client_id(7);
  cmd->set_seq(1);
  cmd->mutable_put()->set_key("k");
  cmd->mutable_put()->set_value("v");
  raft::Message m;
  m.set_type(raft::MSG_APPEND);
  m.set_shard(0);
  m.set_from("n1");
  m.set_to("n2");
  m.set_term(2);
  m.set_log_term(2);
  m.set_index(1);
  m.set_commit(1);
  auto* e = m.add_entries();
  e->set_term(2);
  e->set_index(2);
  e->set_type(raft::ENTRY_NORMAL);
  e->set_data(batch.SerializeAsString());
  return m;
}

} // namespace keel::fuzz
