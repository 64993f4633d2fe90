// The metric families of one process, rendered for /metrics in Prometheus' text format (0.0.4).
// Each family is declared once, with its name, type, help and label names; families render in
// declaration order, each with one # HELP and one # TYPE line, label values escaped. Values are
// counted here (Counter, Histogram: atomically, from any thread) or read at every render (read).
// The registry writes process_start_time_seconds itself, first. Labels carry kinds, statuses,
// codes and reasons only: never PII.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace jb::metrics {

enum class Type { counter, gauge, histogram };

// One declared family: what its # HELP and # TYPE lines say, and how its samples are written.
class Family {
 public:
  Family(std::string name, std::string help, Type type, std::vector<std::string> label_names);
  virtual ~Family() = default;
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  const std::string& name() const { return name_; }
  // Appends the family's # HELP, # TYPE and sample lines.
  void render(std::string* out) const;

 protected:
  // Appends the sample lines.
  virtual void render_samples(std::string* out) const = 0;
  const std::vector<std::string>& label_names() const { return label_names_; }
  // What comes before each label's value: name=" (,name=" after the first).
  const std::vector<std::string>& label_openings() const { return label_openings_; }

 private:
  const std::string name_;
  const std::string help_;  // escaped
  const Type type_;
  const std::vector<std::string> label_names_;
  std::vector<std::string> label_openings_;
};

// A counter counted in this process. A series appears at its first count; an unlabelled counter
// shows 0 from the start.
class Counter : public Family {
 public:
  // Adds n to the series of these label values, one per label name, in the declared order.
  void add(std::initializer_list<std::string_view> label_values, uint64_t n = 1);

 private:
  friend class Registry;
  Counter(std::string name, std::string help, std::vector<std::string> label_names,
          std::atomic<uint64_t>* generation);
  void render_samples(std::string* out) const override;

  // A series is looked up under a shared lock and counted atomically; only a new series takes the
  // lock alone.
  mutable std::shared_mutex mutex_;
  std::map<std::string, std::atomic<uint64_t>, std::less<>> series_;  // rendered labels -> value
  std::atomic<uint64_t>* const generation_;
};

// A histogram counted in this process, without labels. Its sum is kept in billionths of the unit
// (exact for nanosecond durations observed in seconds).
class Histogram : public Family {
 public:
  void observe(double value);

 private:
  friend class Registry;
  Histogram(std::string name, std::string help, std::vector<double> upper_bounds,
            std::atomic<uint64_t>* generation);
  void render_samples(std::string* out) const override;

  const std::vector<double> upper_bounds_;
  const std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // per bound; cumulative when rendered
  std::atomic<uint64_t> count_{0};
  std::atomic<int64_t> sum_billionths_{0};
  std::atomic<uint64_t>* const generation_;
};

// Where a family read at render writes its series.
class SeriesWriter {
 public:
  // One series: its label values, one per label name in the declared order, and its value.
  virtual void add(std::initializer_list<std::string_view> label_values, double value) = 0;

 protected:
  ~SeriesWriter() = default;
};

class Registry {
 public:
  // How old the text exposition() answers may be. Short for a reader, long for a flood: at most
  // 10 renders a second from it.
  static constexpr std::chrono::milliseconds kRenderInterval{100};
  explicit Registry(std::chrono::milliseconds render_interval = kRenderInterval);
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Declarations, at start. A name or label name Prometheus does not accept, a name declared
  // twice, a counter or gauge read as a histogram, or histogram bounds that do not increase throw
  // std::invalid_argument. What they return lives as long as the registry.
  Counter& counter(std::string name, std::string help, std::vector<std::string> label_names = {});
  Histogram& histogram(std::string name, std::string help, std::vector<double> upper_bounds);
  // A counter or gauge of one unlabelled series, read at every render.
  void read(Type type, std::string name, std::string help, std::function<double()> value);
  // A counter or gauge whose series write() adds at every render.
  void read(Type type, std::string name, std::string help, std::vector<std::string> label_names,
            std::function<void(SeriesWriter&)> write);
  // Called at the start of every render, before any family is read: what it snapshots is what the
  // read families of that render see together. Renders run one at a time.
  void before_render(std::function<void()> snapshot);

  // The exposition text of every family, rendered now.
  std::string prometheus_text() const;
  // What /metrics answers: the text last rendered while nothing was counted since and it is
  // younger than the render interval, else a new one. What is counted is always current, what is
  // read may be as old as the interval; scrapes render at most once per interval and once per
  // count made between them, never each for itself.
  std::string exposition() const;

 private:
  void declare(std::unique_ptr<Family> family);

  mutable std::mutex render_mutex_;  // one render at a time; guards the declarations too
  std::vector<std::unique_ptr<Family>> families_;
  std::vector<std::function<void()>> before_render_;
  // Counted up after every count and declaration (release): a rendered text is current while it
  // is unchanged.
  std::atomic<uint64_t> generation_{0};
  const std::chrono::milliseconds render_interval_;
  mutable std::mutex exposition_mutex_;  // one exposition at a time; the others wait and share it
  mutable std::string exposition_;
  mutable uint64_t exposition_generation_ = 0;
  mutable std::chrono::steady_clock::time_point rendered_at_;
  mutable bool rendered_ = false;
};

}  // namespace jb::metrics
