#include "callback/normalize.h"

#include <algorithm>
#include <array>
#include <utility>

#include "callback/event_id.h"
#include "callback/event_writer.h"
#include "callback/form.h"
#include "callback/json_out.h"
#include "callback/kind.h"
#include "callback/platform.h"
#include "callback/timestamp.h"
#include "callback/value_check.h"

namespace jb::callback {
namespace {

constexpr std::string_view kReferenceParameters[] = {"jumioIdScanReference", "transactionReference",
                                                     "scanReference"};
constexpr size_t kLongestReadableReference = 255;

// The reference of a body that cannot become an event, read leniently so the dead letter is keyed
// and logged by it: the first reference parameter whose piece of the body decodes on its own.
std::string readable_reference(std::string_view body) {
  while (!body.empty()) {
    size_t end = std::min(body.find('&'), body.size());
    std::string_view piece = body.substr(0, end);
    body.remove_prefix(std::min(end + 1, body.size()));
    std::string_view name = piece.substr(0, piece.find('='));
    if (std::find(std::begin(kReferenceParameters), std::end(kReferenceParameters), name) ==
        std::end(kReferenceParameters)) {
      continue;
    }
    auto decoded = decode_form(piece);
    if (!decoded.ok() || decoded.value().empty()) continue;
    const std::string& value = decoded.value().front().second;
    if (!value.empty() && value.size() <= kLongestReadableReference) return value;
  }
  return {};
}

Failure failure_of(Problem problem, std::string reference) {
  return Failure{problem.reason, std::move(problem.detail), std::move(reference)};
}

const FieldView* find_field(const std::vector<FieldView>& fields, std::string_view name) {
  auto found = std::find_if(fields.begin(), fields.end(),
                            [name](const FieldView& field) { return field.name == name; });
  return found == fields.end() ? nullptr : &*found;
}

// For each spec of a form kind's table (indexed as the table), whether read_envelope reads it.
const std::vector<char>& envelope_flags(Kind kind) {
  static const std::array<std::vector<char>, 3> flags = [] {
    std::array<std::vector<char>, 3> all;
    for (Kind form_kind : {Kind::netverify, Kind::authentication, Kind::document}) {
      const KindRules& rules = rules_of(form_kind);
      const ParameterTable& table = rules.parameters();
      std::vector<char>& flagged = all[static_cast<size_t>(form_kind)];
      flagged.assign(table.size(), 0);
      for (std::string_view name : rules.envelope_members) {
        if (const ParameterSpec* spec = table.find(name))
          flagged[static_cast<size_t>(spec - table.data())] = 1;
      }
    }
    return all;
  }();
  return flags[static_cast<size_t>(kind)];
}

// Checks each parameter against the kind's table and writes the data object, in body order, to
// `out` as it goes: no document is built for it. The members read_envelope reads are also added
// to *envelope_source (their values moved there once written). Names and plain values refer to
// `fields` (no copies): *envelope_source must not outlive them. *unwritable is set when a value
// cannot be written as JSON (a number that is not finite; parsing never gives one).
Checked build_data(const std::vector<FieldView>& fields, Kind kind,
                   rapidjson::Document::AllocatorType& allocator, json_out::JsonOut& out,
                   rapidjson::Value* envelope_source, std::vector<Warning>* warnings,
                   bool* unwritable) {
  const KindRules& rules = rules_of(kind);
  const ParameterTable& table = rules.parameters();
  const std::vector<char>& for_envelope = envelope_flags(kind);
  ValueChecker checker(allocator, warnings);
  thread_local std::vector<char> present;  // per spec: reused, its memory kept
  present.assign(table.size(), 0);
  const ParameterSpec* const* by_rank = parameter_ranks().specs(table);
  out.raw('{');
  bool first = true;
  for (const auto& [name, text, rank] : fields) {
    rapidjson::Value value;
    const ParameterSpec* spec =
        rank != kNoRank && by_rank ? by_rank[rank] : find_parameter(table, name);
    bool enveloped;
    if (spec) {
      const auto index = static_cast<size_t>(spec - table.data());
      present[index] = 1;
      enveloped = for_envelope[index] != 0;
      // The name is written before the value is checked: a problem discards the whole data.
      out.plain_name(spec->name, first);  // the same bytes as `name`
      first = false;
      if (!enveloped && ValueChecker::is_plainly_valid(*spec, text)) {
        out.string(text);  // most values: the text itself, without a value made for it
        continue;
      }
      if (auto problem = checker.check_parameter(*spec, text, &value)) return problem;
    } else {
      checker.warn(std::string(name), "unknown_parameter");
      value.SetString(rapidjson::StringRef(text.data(), text.size()));
      out.name(name, first);
      first = false;
      enveloped = std::find(rules.envelope_members.begin(), rules.envelope_members.end(), name) !=
                  rules.envelope_members.end();
    }
    if (value.IsString()) {
      out.string({value.GetString(), value.GetStringLength()});
    } else if (!out.any(value)) {
      *unwritable = true;
    }
    if (enveloped) {
      rapidjson::Value key(rapidjson::StringRef(name.data(), name.size()));
      envelope_source->AddMember(key, value, allocator);
    }
  }
  out.raw('}');
  // A field of a listed name is that spec's, so the fields hold every spec marked present.
  for (uint16_t index : table.required()) {
    if (!present[index]) checker.warn(std::string(table[index].name), "missing_required");
  }
  return std::nullopt;
}

// The event of decoded fields of a known kind; `by_name`, when given, holds them sorted by name.
Result<Event> event_of(Kind kind, const std::vector<FieldView>& fields,
                       const std::vector<const FieldView*>* by_name,
                       std::chrono::system_clock::time_point received_at,
                       const FieldsOptions& options) {
  const KindRules& rules = rules_of(kind);
  const FieldView* found = find_field(fields, rules.reference_parameter);
  if (found == nullptr || found->value.empty()) {
    return Failure{DeadLetterReason::missing_reference,
                   std::string(rules.reference_parameter) + " is absent or empty",
                   {}};
  }

  const std::string_view reference = found->value;

  Event event;
  event.kind = kind;
  event.origin = options.origin;
  // Checked values' first 16 KiB come from one buffer per thread, reused (a callback's values take
  // a few KiB); more takes chunks from the heap, freed with the allocator. The data object is
  // written to another buffer per thread as its values are checked.
  alignas(8) thread_local char pool[16 * 1024];
  rapidjson::MemoryPoolAllocator<> allocator(pool, sizeof pool);
  thread_local json_out::Bytes data_json;
  data_json.clear();
  json_out::JsonOut data_out(&data_json);
  rapidjson::Value envelope_source(rapidjson::kObjectType);
  bool unwritable = false;
  if (auto problem = build_data(fields, kind, allocator, data_out, &envelope_source,
                                &event.warnings, &unwritable)) {
    return failure_of(std::move(*problem), std::string(reference));
  }
  if (!options.absent_by_nature.empty()) {
    const auto& absent = options.absent_by_nature;
    event.warnings.erase(std::remove_if(event.warnings.begin(), event.warnings.end(),
                                        [&absent](const Warning& warning) {
                                          return warning.problem == "missing_required" &&
                                                 std::find(absent.begin(), absent.end(),
                                                           warning.field) != absent.end();
                                        }),
                         event.warnings.end());
  }
  Envelope envelope;
  if (auto problem = rules.read_envelope(envelope_source, &envelope)) {
    return failure_of(std::move(*problem), std::string(reference));
  }
  envelope.reference = reference;

  if (options.not_in_event_id.empty()) {
    event.event_id = by_name ? event_id_of_sorted(*by_name) : event_id_of_views(fields);
  } else {
    std::vector<FieldView> identifying;
    for (const auto& field : fields) {
      const auto& left_out = options.not_in_event_id;
      if (std::find(left_out.begin(), left_out.end(), field.name) == left_out.end())
        identifying.push_back(field);
    }
    event.event_id = event_id_of_views(identifying);
  }
  event.received_at = format_timestamp(received_at);
  if (unwritable ||
      !write_event_json(kind, options.origin, event.event_id, envelope, event.received_at,
                        event.warnings, data_json.view(), &event.json)) {
    return Failure{DeadLetterReason::bad_encoding, "the event is not valid UTF-8",
                   std::string(envelope.reference)};
  }
  event.status.assign(envelope.status);
  event.reference.assign(envelope.reference);
  if (envelope.callback_date) event.callback_date.assign(*envelope.callback_date);
  return Result<Event>(std::move(event));  // moved, not copied
}

}  // namespace

Result<Event> normalize(const Incoming& incoming) {
  // The body decides, not the Content-Type: proxies and charsets vary (docs/http.md).
  if (is_platform_callback(incoming.body)) {
    return normalize_platform_callback(incoming.body, incoming.received_at);
  }
  if (!is_form_content_type(incoming.content_type)) {
    return Failure{DeadLetterReason::not_form_urlencoded,
                   "Content-Type is not application/x-www-form-urlencoded",
                   readable_reference(incoming.body)};
  }
  // The decoded names and values, which the event's data refers to until its JSON is written: one
  // buffer per thread, reused.
  thread_local std::string arena;
  thread_local std::vector<FieldView> fields;
  thread_local std::vector<const FieldView*> by_name;
  if (auto failure = decode_form_into(incoming.body, &arena, &fields, &by_name)) {
    failure->reference = readable_reference(incoming.body);
    return std::move(*failure);
  }

  Kind kind;
  if (auto problem = detect_kind(fields, &kind)) {
    return failure_of(std::move(*problem), readable_reference(incoming.body));
  }
  return event_of(kind, fields, &by_name, incoming.received_at, FieldsOptions{});
}

Result<Event> normalize_fields(Kind kind, const std::vector<FormField>& fields,
                               std::chrono::system_clock::time_point received_at,
                               const FieldsOptions& options) {
  const std::vector<FieldView> views = views_of(fields);
  Kind detected;
  if (auto problem = detect_kind(views, &detected)) {
    const FieldView* reference = find_field(views, rules_of(kind).reference_parameter);
    return Failure{DeadLetterReason::retrieval_invalid, problem->detail,
                   reference ? std::string(reference->value) : std::string()};
  }
  if (detected != kind) {
    return Failure{DeadLetterReason::retrieval_invalid,
                   "the fields describe " + std::string(kind_type(detected)) + ", not " +
                       std::string(kind_type(kind)),
                   {}};
  }
  return event_of(kind, views, nullptr, received_at, options);
}

}  // namespace jb::callback
