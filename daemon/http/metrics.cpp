#include "http/metrics.h"

#include <cctype>

namespace jb::http {
namespace {

struct Family {
  const char* name;
  const char* help;
};

constexpr Family kFamilies[] = {
    {"jumio_bridge_callbacks_total", "Callbacks normalised into events, by type and status."},
    {"jumio_bridge_callback_warnings_total", "Deviations published as event warnings, by problem."},
    {"jumio_bridge_deadletters_total", "Callbacks sent to the dead-letter topic, by reason."},
    {"jumio_bridge_http_responses_total", "HTTP answers on the callback path, by status code."},
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

void Metrics::on_event(const callback::Event& event) {
  add("jumio_bridge_callbacks_total{type=\"" + std::string(callback::kind_type(event.kind)) +
      "\",status=\"" + lower(event.status) + "\"}");
  for (const auto& warning : event.warnings)
    add("jumio_bridge_callback_warnings_total{problem=\"" + warning.problem + "\"}");
}

void Metrics::on_failure(const Failure& failure) {
  add("jumio_bridge_deadletters_total{reason=\"" + std::string(reason_code(failure.reason)) +
      "\"}");
}

void Metrics::count_response(int status) {
  add("jumio_bridge_http_responses_total{code=\"" + std::to_string(status) + "\"}");
}

void Metrics::add(const std::string& series, uint64_t amount) {
  std::lock_guard<std::mutex> lock(mutex_);
  counters_[series] += amount;
}

std::string Metrics::prometheus_text() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  for (const auto& family : kFamilies) {
    out += std::string("# HELP ") + family.name + " " + family.help + "\n";
    out += std::string("# TYPE ") + family.name + " counter\n";
    std::string prefix = std::string(family.name) + "{";
    for (auto it = counters_.lower_bound(prefix);
         it != counters_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
      out += it->first + " " + std::to_string(it->second) + "\n";
    }
  }
  return out;
}

}  // namespace jb::http
