#include "metrics/registry.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace jb::metrics {
namespace {

// When the process started, in seconds since the Unix epoch: taken when the program is loaded, so
// every registry of one process reports the same.
const double kProcessStartSeconds =
    static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());

bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool valid_metric_name(std::string_view name) {
  if (name.empty() || is_digit(name[0])) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return is_letter(c) || is_digit(c) || c == ':'; });
}

// [a-zA-Z_][a-zA-Z0-9_]*, and not __ (reserved for Prometheus' own labels).
bool valid_label_name(std::string_view name) {
  if (name.empty() || is_digit(name[0]) || name.substr(0, 2) == "__") return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return is_letter(c) || is_digit(c); });
}

std::string escape_help(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// The characters a label value escapes: \\, " and the line feed.
constexpr std::array<bool, 256> kEscaped = [] {
  std::array<bool, 256> escaped{};
  escaped['\\'] = escaped['"'] = escaped['\n'] = true;
  return escaped;
}();

void append_label_value(std::string* out, std::string_view value) {
  const char* plain = value.data();  // the first character not yet appended
  const char* const end = value.data() + value.size();
  for (const char* at = plain; at != end; ++at) {
    if (!kEscaped[static_cast<unsigned char>(*at)]) continue;
    out->append(plain, static_cast<size_t>(at - plain));
    out->append(*at == '\n' ? "\\n" : *at == '\\' ? "\\\\" : "\\\"");
    plain = at + 1;
  }
  out->append(plain, static_cast<size_t>(end - plain));
}

// name="value",... for the family's labels, in order; a missing value is empty.
void append_labels(std::string* out, const std::vector<std::string>& label_openings,
                   std::initializer_list<std::string_view> values) {
  auto value = values.begin();
  for (const std::string& opening : label_openings) {
    out->append(opening);
    if (value != values.end()) append_label_value(out, *value++);
    out->push_back('"');
  }
}

void append_value(std::string* out, double value) {
  if (std::isnan(value)) {
    out->append("NaN");
  } else if (std::isinf(value)) {
    out->append(value > 0 ? "+Inf" : "-Inf");
  } else {
    char text[32];
    const int length = std::snprintf(text, sizeof text, "%.15g", value);
    out->append(text, static_cast<size_t>(length));
  }
}

void append_value(std::string* out, uint64_t value) {
  char text[24];
  const auto result = std::to_chars(text, text + sizeof text, value);
  out->append(text, result.ptr);
}

// The label text of a series being counted, per thread: counting allocates nothing once a thread
// has composed its longest one.
std::string& series_buffer() {
  thread_local std::string buffer;
  buffer.clear();
  return buffer;
}

// A counter or gauge read at every render.
class ReadFamily : public Family {
 public:
  ReadFamily(Type type, std::string name, std::string help, std::vector<std::string> label_names,
             std::function<void(SeriesWriter&)> write)
      : Family(std::move(name), std::move(help), type, std::move(label_names)),
        write_(std::move(write)) {}

 private:
  class Writer final : public SeriesWriter {
   public:
    Writer(const ReadFamily& family, std::string* out) : family_(family), out_(out) {}
    void add(std::initializer_list<std::string_view> label_values, double value) override {
      out_->append(family_.name());
      if (!family_.label_names().empty()) {
        out_->push_back('{');
        append_labels(out_, family_.label_openings(), label_values);
        out_->push_back('}');
      }
      out_->push_back(' ');
      append_value(out_, value);
      out_->push_back('\n');
    }

   private:
    const ReadFamily& family_;
    std::string* out_;
  };

  void render_samples(std::string* out) const override {
    Writer writer(*this, out);
    write_(writer);
  }

  const std::function<void(SeriesWriter&)> write_;
};

const char* type_name(Type type) {
  switch (type) {
    case Type::counter:
      return "counter";
    case Type::gauge:
      return "gauge";
    case Type::histogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

Family::Family(std::string name, std::string help, Type type, std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(escape_help(help)),
      type_(type),
      label_names_(std::move(label_names)) {
  if (!valid_metric_name(name_))
    throw std::invalid_argument("metric name \"" + name_ + "\" is not a Prometheus name");
  for (size_t i = 0; i < label_names_.size(); ++i) {
    if (!valid_label_name(label_names_[i]))
      throw std::invalid_argument(name_ + ": label name \"" + label_names_[i] +
                                  "\" is not a Prometheus label name");
    if (std::find(label_names_.begin(), label_names_.begin() + i, label_names_[i]) !=
        label_names_.begin() + i)
      throw std::invalid_argument(name_ + ": label " + label_names_[i] + " declared twice");
    label_openings_.push_back((i > 0 ? "," : "") + label_names_[i] + "=\"");
  }
}

void Family::render(std::string* out) const {
  out->append("# HELP ").append(name_).push_back(' ');
  out->append(help_).push_back('\n');
  out->append("# TYPE ").append(name_).push_back(' ');
  out->append(type_name(type_)).push_back('\n');
  render_samples(out);
}

Counter::Counter(std::string name, std::string help, std::vector<std::string> label_names,
                 std::atomic<uint64_t>* generation)
    : Family(std::move(name), std::move(help), Type::counter, std::move(label_names)),
      generation_(generation) {
  if (this->label_names().empty()) series_.try_emplace(std::string(), 0);
}

void Counter::add(std::initializer_list<std::string_view> label_values, uint64_t n) {
  std::string& series = series_buffer();
  append_labels(&series, label_openings(), label_values);
  {
    std::shared_lock<std::shared_mutex> lock(mutex_);
    auto found = series_.find(series);
    if (found != series_.end()) {
      found->second.fetch_add(n, std::memory_order_relaxed);
      generation_->fetch_add(1, std::memory_order_release);
      return;
    }
  }
  {
    std::unique_lock<std::shared_mutex> lock(mutex_);
    series_.try_emplace(series, 0).first->second.fetch_add(n, std::memory_order_relaxed);
  }
  generation_->fetch_add(1, std::memory_order_release);
}

void Counter::render_samples(std::string* out) const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  for (const auto& [labels, value] : series_) {
    out->append(name());
    if (!labels.empty()) out->append("{").append(labels).push_back('}');
    out->push_back(' ');
    append_value(out, value.load(std::memory_order_relaxed));
    out->push_back('\n');
  }
}

Histogram::Histogram(std::string name, std::string help, std::vector<double> upper_bounds,
                     std::atomic<uint64_t>* generation)
    : Family(std::move(name), std::move(help), Type::histogram, {}),
      upper_bounds_(std::move(upper_bounds)),
      buckets_(new std::atomic<uint64_t>[upper_bounds_.size()]()),
      generation_(generation) {
  for (size_t i = 0; i < upper_bounds_.size(); ++i) {
    if (!std::isfinite(upper_bounds_[i]) || (i > 0 && upper_bounds_[i] <= upper_bounds_[i - 1]))
      throw std::invalid_argument(this->name() + ": bucket bounds must be finite and increase");
  }
}

void Histogram::observe(double value) {
  for (size_t i = 0; i < upper_bounds_.size(); ++i) {
    if (value <= upper_bounds_[i]) {
      buckets_[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  count_.fetch_add(1, std::memory_order_relaxed);
  if (std::isfinite(value))
    sum_billionths_.fetch_add(static_cast<int64_t>(std::llround(value * 1e9)),
                              std::memory_order_relaxed);
  generation_->fetch_add(1, std::memory_order_release);
}

void Histogram::render_samples(std::string* out) const {
  // Read count first: an observation made meanwhile shows in a bucket, never the other way round.
  const uint64_t count = count_.load();
  const double sum = static_cast<double>(sum_billionths_.load()) / 1e9;
  uint64_t cumulative = 0;
  for (size_t i = 0; i < upper_bounds_.size(); ++i) {
    cumulative += buckets_[i].load();
    out->append(name()).append("_bucket{le=\"");
    append_value(out, upper_bounds_[i]);
    out->append("\"} ");
    append_value(out, std::min(cumulative, count));
    out->push_back('\n');
  }
  out->append(name()).append("_bucket{le=\"+Inf\"} ");
  append_value(out, count);
  out->append("\n").append(name()).append("_sum ");
  append_value(out, sum);
  out->append("\n").append(name()).append("_count ");
  append_value(out, count);
  out->push_back('\n');
}

Registry::Registry(std::chrono::milliseconds render_interval) : render_interval_(render_interval) {
  // Prometheus' standard name: changes() of it counts restarts (crashes, watchdog timeouts).
  read(Type::gauge, "process_start_time_seconds",
       "Start time of the process since the Unix epoch, in seconds.",
       [] { return kProcessStartSeconds; });
}

void Registry::declare(std::unique_ptr<Family> family) {
  std::lock_guard<std::mutex> lock(render_mutex_);
  for (const auto& declared : families_) {
    if (declared->name() == family->name())
      throw std::invalid_argument("metric " + family->name() + " declared twice");
  }
  families_.push_back(std::move(family));
  generation_.fetch_add(1, std::memory_order_release);
}

Counter& Registry::counter(std::string name, std::string help,
                           std::vector<std::string> label_names) {
  auto* counter =
      new Counter(std::move(name), std::move(help), std::move(label_names), &generation_);
  declare(std::unique_ptr<Family>(counter));
  return *counter;
}

Histogram& Registry::histogram(std::string name, std::string help,
                               std::vector<double> upper_bounds) {
  auto* histogram =
      new Histogram(std::move(name), std::move(help), std::move(upper_bounds), &generation_);
  declare(std::unique_ptr<Family>(histogram));
  return *histogram;
}

void Registry::read(Type type, std::string name, std::string help, std::function<double()> value) {
  read(type, std::move(name), std::move(help), {},
       [value = std::move(value)](SeriesWriter& series) { series.add({}, value()); });
}

void Registry::read(Type type, std::string name, std::string help,
                    std::vector<std::string> label_names,
                    std::function<void(SeriesWriter&)> write) {
  if (type == Type::histogram)
    throw std::invalid_argument(name + ": only a counter or a gauge can be read at render");
  declare(std::make_unique<ReadFamily>(type, std::move(name), std::move(help),
                                       std::move(label_names), std::move(write)));
}

void Registry::before_render(std::function<void()> snapshot) {
  std::lock_guard<std::mutex> lock(render_mutex_);
  before_render_.push_back(std::move(snapshot));
  generation_.fetch_add(1, std::memory_order_release);
}

std::string Registry::prometheus_text() const {
  std::lock_guard<std::mutex> lock(render_mutex_);
  for (const auto& snapshot : before_render_) snapshot();
  std::string out;
  for (const auto& family : families_) family->render(&out);
  return out;
}

std::string Registry::exposition() const {
  std::lock_guard<std::mutex> lock(exposition_mutex_);
  const auto now = std::chrono::steady_clock::now();
  // Read before rendering: a count made while it renders makes the next scrape render again.
  const uint64_t generation = generation_.load(std::memory_order_acquire);
  if (rendered_ && generation == exposition_generation_ && now - rendered_at_ < render_interval_)
    return exposition_;
  exposition_ = prometheus_text();
  exposition_generation_ = generation;
  rendered_at_ = now;
  rendered_ = true;
  return exposition_;
}

}  // namespace jb::metrics
