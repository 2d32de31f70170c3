// every_field: a protobuf message with every field set, through reflection:
// round-trip tests see any field a codec loses as a difference in the bytes,
// and the fuzzers' seed corpora start from messages that use every field.
#pragma once

#include <cstdint>
#include <string>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

namespace keel::test {

/// The value every field of a type gets; none is a default (zero, empty,
/// false), which protobuf would leave off the wire.
struct field_values {
  std::string text = "n2";
  uint64_t u64 = 3;
  uint32_t u32 = 1;
  int64_t i64 = -5;
  int32_t i32 = -3;
  double f64 = 2.5;
  float f32 = 1.5f;
};

/// Sets every field of `m` to `v` (booleans true, enums their last value), one
/// member per oneof, nested messages down to three levels.
inline void fill_every_field(google::protobuf::Message& m, const field_values& v = {},
                             int depth = 0) {
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
        rep ? r->AddString(&m, f, v.text) : r->SetString(&m, f, v.text);
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        rep ? r->AddUInt64(&m, f, v.u64) : r->SetUInt64(&m, f, v.u64);
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        rep ? r->AddUInt32(&m, f, v.u32) : r->SetUInt32(&m, f, v.u32);
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        rep ? r->AddInt64(&m, f, v.i64) : r->SetInt64(&m, f, v.i64);
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        rep ? r->AddInt32(&m, f, v.i32) : r->SetInt32(&m, f, v.i32);
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        rep ? r->AddDouble(&m, f, v.f64) : r->SetDouble(&m, f, v.f64);
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        rep ? r->AddFloat(&m, f, v.f32) : r->SetFloat(&m, f, v.f32);
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        rep ? r->AddBool(&m, f, true) : r->SetBool(&m, f, true);
        break;
      case FieldDescriptor::CPPTYPE_ENUM: {
        auto* e = f->enum_type();
        auto* last = e->value(e->value_count() - 1);
        rep ? r->AddEnum(&m, f, last) : r->SetEnum(&m, f, last);
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (depth < 3)
          fill_every_field(rep ? *r->AddMessage(&m, f) : *r->MutableMessage(&m, f), v, depth + 1);
        break;
    }
  }
}

} // namespace keel::test
