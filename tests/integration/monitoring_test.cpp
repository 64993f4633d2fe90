// The monitoring that ships in monitoring/: promtool checks and unit-tests the alerting rules, the
// Grafana dashboard's queries are valid PromQL, a running daemon's /metrics passes
// `promtool check metrics` with 0 warnings, and every metric the rules and the dashboard name is
// exported by a running daemon, with the label names and values they select.
//
// The running daemon is test::Bridge (loopback only) after traffic that makes every labelled series
// the rules and the dashboard select appear: callbacks through Kafka (one with a warning), a dead
// letter, Kafka down until the spool is full and a callback is answered 503, Kafka back until the
// spool drains, and connections over http.max_connections. A metric family also counts as exported
// by its `# HELP`/`# TYPE` lines alone (a labelled counter shows no series until counted); the
// selected label values must appear on real series.
//
// Reconcile's metrics (jumio_bridge_reconcile_*) are on its own admin listener: they are checked
// against a running `jumio-bridge reconcile` (the binary, against a fake Retrieval API over TLS and
// a mock-cluster broker) after two expected references without a callback, one that Jumio answers
// (published: settled by retrieval, answers 200) and one it answers 503 until it is given up.
#include <gtest/gtest.h>
#include <httplib.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "callback/timestamp.h"
#include "kafka/embedded.h"
#include "kafka/producer.h"
#include "route/router.h"
#include "support/bridge.h"
#include "support/callbacks.h"
#include "support/fake_retrieval_api.h"
#include "support/process.h"
#include "support/raw_http.h"

namespace jb {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kMonitoring = fs::path(JB_SOURCE_DIR) / "monitoring";
const fs::path kRules = kMonitoring / "alerts.yml";
const fs::path kRuleTests = kMonitoring / "alerts_test.yml";
const fs::path kDashboard = kMonitoring / "grafana-dashboard.json";
const fs::path kReadme = kMonitoring / "README.md";

// Metrics of `jumio-bridge reconcile`, served on reconcile.admin_listen, not on serve's listener.
const std::string kReconcilePrefix = "jumio_bridge_reconcile_";

bool is_reconcile_metric(const std::string& name) {
  return name.rfind(kReconcilePrefix, 0) == 0;
}

// Series Prometheus makes itself, not the daemon: scrape health and the alerts' own state.
const std::set<std::string> kFromPrometheus = {"up", "ALERTS"};
// Labels Prometheus attaches to every scraped series (the target's), never on /metrics.
const std::set<std::string> kTargetLabels = {"job", "instance"};

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// ---- promtool ----------------------------------------------------------------------------------

// promtool from $PROMTOOL or PATH (Debian's prometheus package), or "" when there is none.
std::string find_promtool() {
  if (const char* explicit_path = std::getenv("PROMTOOL"); explicit_path && *explicit_path)
    return ::access(explicit_path, X_OK) == 0 ? explicit_path : "";
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / "promtool";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// Declares `variable` as promtool's path, or skips the test when there is none.
#define REQUIRE_PROMTOOL(variable)              \
  const std::string variable = find_promtool(); \
  if (variable.empty())                         \
  GTEST_SKIP() << "promtool not found (Debian package prometheus; or set PROMTOOL=/path)"

// Runs promtool with a bounded time; stdout and stderr together.
test::Finished run_promtool(const std::string& promtool, const std::vector<std::string>& args,
                            const std::string& input = "") {
  return test::run_program(promtool, args, input, 60s);
}

std::string trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  size_t start = 0;
  while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start]))) ++start;
  return text.substr(start);
}

// ---- PromQL: the metric names, label matchers and grouping labels of an expression -------------

struct Matcher {
  std::string label;
  std::string op;  // = != =~ !~
  std::string value;
};

struct Selector {
  std::string name;
  std::vector<Matcher> matchers;
};

struct Query {
  std::vector<Selector> selectors;
  std::set<std::string> grouping;  // labels of `by (...)`
  std::vector<std::string> problems;
};

bool identifier_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool identifier_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}

// Words that are never metric names where they stand: operators, modifiers, literals. Aggregation
// operators may be followed by `by (...)` before their parenthesis, so they are listed too;
// functions are recognised by the parenthesis that follows them.
const std::set<std::string> kKeywords = {
    "and",          "or",      "unless", "bool",     "offset", "atan2",      "inf",    "nan",
    "sum",          "min",     "max",    "avg",      "group",  "stddev",     "stdvar", "count",
    "count_values", "bottomk", "topk",   "quantile", "limitk", "limit_ratio"};
// Keywords followed by a parenthesised list of label names.
const std::set<std::string> kLabelListKeywords = {"by",       "without",    "on",
                                                  "ignoring", "group_left", "group_right"};

// A scanner of one PromQL expression. It does not validate (promtool does): it finds what the
// expression selects, skipping strings, range and subquery brackets, numbers, durations, Grafana
// variables ($__rate_interval, ${job}) and comments.
class PromqlScanner {
 public:
  explicit PromqlScanner(std::string_view text) : s_(text) {}

  Query scan() {
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i_;
      } else if (c == '#') {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else if (c == '"' || c == '\'' || c == '`') {
        read_string();
      } else if (c == '[') {
        skip_to(']');
      } else if (c == '$') {
        skip_variable();
      } else if (c == '{') {
        // A selector without a name before its braces: only {__name__="..."} names a metric.
        Selector selector;
        for (const Matcher& matcher : read_matchers()) {
          if (matcher.label == "__name__" && matcher.op == "=")
            selector.name = matcher.value;
          else
            selector.matchers.push_back(matcher);
        }
        if (selector.name.empty())
          query_.problems.push_back("a selector without a metric name");
        else
          query_.selectors.push_back(selector);
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 (c == '.' && i_ + 1 < s_.size() &&
                  std::isdigit(static_cast<unsigned char>(s_[i_ + 1])))) {
        skip_number();
      } else if (identifier_start(c)) {
        read_word();
      } else {
        ++i_;
      }
    }
    return query_;
  }

 private:
  size_t next_non_space(size_t from) const {
    while (from < s_.size() && std::isspace(static_cast<unsigned char>(s_[from]))) ++from;
    return from;
  }

  void skip_to(char close) {
    while (i_ < s_.size() && s_[i_] != close) {
      if (s_[i_] == '"' || s_[i_] == '\'' || s_[i_] == '`')
        read_string();
      else
        ++i_;
    }
    if (i_ < s_.size()) ++i_;
  }

  void skip_variable() {
    ++i_;
    if (i_ < s_.size() && s_[i_] == '{') return skip_to('}');
    while (i_ < s_.size() && identifier_char(s_[i_])) ++i_;
  }

  // A number (1, 0.99, 1e-3, 0x1f) or a duration (5m, 1h30m).
  void skip_number() {
    const size_t start = i_;
    while (i_ < s_.size()) {
      const char c = s_[i_];
      const bool exponent_sign = (c == '+' || c == '-') && i_ > start &&
                                 (s_[i_ - 1] == 'e' || s_[i_ - 1] == 'E') && i_ + 1 < s_.size() &&
                                 std::isdigit(static_cast<unsigned char>(s_[i_ + 1]));
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && !exponent_sign) break;
      ++i_;
    }
  }

  // At a quote: the string's value, escapes resolved (raw between backticks).
  std::string read_string() {
    const char quote = s_[i_++];
    std::string value;
    while (i_ < s_.size() && s_[i_] != quote) {
      if (quote != '`' && s_[i_] == '\\' && i_ + 1 < s_.size()) {
        const char escaped = s_[++i_];
        value.push_back(escaped == 'n' ? '\n' : escaped == 't' ? '\t' : escaped);
      } else {
        value.push_back(s_[i_]);
      }
      ++i_;
    }
    if (i_ < s_.size())
      ++i_;
    else
      query_.problems.push_back("an unterminated string");
    return value;
  }

  std::string read_identifier() {
    const size_t start = i_;
    while (i_ < s_.size() && identifier_char(s_[i_])) ++i_;
    return std::string(s_.substr(start, i_ - start));
  }

  // At '{': the matchers up to the matching '}'.
  std::vector<Matcher> read_matchers() {
    std::vector<Matcher> matchers;
    ++i_;
    for (;;) {
      i_ = next_non_space(i_);
      if (i_ >= s_.size()) {
        query_.problems.push_back("an unterminated label matcher list");
        return matchers;
      }
      if (s_[i_] == '}') {
        ++i_;
        return matchers;
      }
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      Matcher matcher;
      if (s_[i_] == '"')
        matcher.label = read_string();
      else
        matcher.label = read_identifier();
      i_ = next_non_space(i_);
      for (const char* op : {"=~", "!~", "!=", "="}) {
        if (s_.substr(i_, std::strlen(op)) == op) {
          matcher.op = op;
          i_ += matcher.op.size();
          break;
        }
      }
      i_ = next_non_space(i_);
      if (matcher.label.empty() || matcher.op.empty() || i_ >= s_.size() ||
          (s_[i_] != '"' && s_[i_] != '\'' && s_[i_] != '`')) {
        query_.problems.push_back("a label matcher that cannot be read");
        skip_to('}');
        return matchers;
      }
      matcher.value = read_string();
      matchers.push_back(matcher);
    }
  }

  // At '(': the label names up to ')'.
  std::vector<std::string> read_label_list() {
    std::vector<std::string> labels;
    ++i_;
    for (;;) {
      i_ = next_non_space(i_);
      if (i_ >= s_.size()) return labels;
      if (s_[i_] == ')') {
        ++i_;
        return labels;
      }
      if (s_[i_] == ',') {
        ++i_;
      } else if (s_[i_] == '"') {
        labels.push_back(read_string());
      } else if (identifier_start(s_[i_])) {
        labels.push_back(read_identifier());
      } else {
        query_.problems.push_back("a label list that cannot be read");
        skip_to(')');
        return labels;
      }
    }
  }

  void read_word() {
    const std::string word = read_identifier();
    std::string lower = word;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const size_t after = next_non_space(i_);
    const char next = after < s_.size() ? s_[after] : '\0';
    if (kLabelListKeywords.count(lower)) {
      if (next == '(') {
        i_ = after;
        const std::vector<std::string> labels = read_label_list();
        if (lower == "by") query_.grouping.insert(labels.begin(), labels.end());
      }
      return;
    }
    if (kKeywords.count(lower) || next == '(') return;  // an operator or a function
    Selector selector{word, {}};
    if (next == '{') {
      i_ = after;
      selector.matchers = read_matchers();
    }
    query_.selectors.push_back(selector);
  }

  std::string_view s_;
  size_t i_ = 0;
  Query query_;
};

Query scan_promql(std::string_view expression) {
  return PromqlScanner(expression).scan();
}

// A Grafana variable query: label_values(expression, label) selects with its expression;
// label_values(label) selects nothing; anything else is PromQL.
Query scan_grafana_variable_query(const std::string& query) {
  static const std::regex label_values(R"(^\s*label_values\s*\(([\s\S]*)\)\s*$)");
  std::smatch match;
  if (!std::regex_match(query, match, label_values)) return scan_promql(query);
  const std::string arguments = match[1];
  const size_t comma = arguments.rfind(',');
  if (comma == std::string::npos) return Query{};
  return scan_promql(arguments.substr(0, comma));
}

// ---- The text exposition format -----------------------------------------------------------------

using Labels = std::map<std::string, std::string>;

struct Exposition {
  std::map<std::string, std::string> types;           // family -> counter, gauge, histogram
  std::set<std::string> helped;                       // families with a # HELP line
  std::map<std::string, std::vector<Labels>> series;  // series name -> its label sets
  std::vector<std::string> problems;

  // Whether PromQL can select `name` from this exposition: a series of that name, a family
  // announced by # HELP or # TYPE that is neither histogram nor summary (a labelled counter has no
  // series before its first count), or a histogram's _bucket, _sum, _count (a summary's _sum,
  // _count). A histogram's bare family name selects nothing.
  bool selectable(const std::string& name) const {
    if (series.count(name)) return true;
    auto type = types.find(name);
    if (type != types.end()) return type->second != "histogram" && type->second != "summary";
    if (helped.count(name)) return true;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string_view tail(suffix);
      if (name.size() <= tail.size() || name.compare(name.size() - tail.size(), tail.size(), tail))
        continue;
      auto base = types.find(name.substr(0, name.size() - tail.size()));
      if (base == types.end()) continue;
      if (base->second == "histogram") return true;
      if (base->second == "summary" && tail != "_bucket") return true;
    }
    return false;
  }

  const std::vector<Labels>& series_of(const std::string& name) const {
    static const std::vector<Labels> none;
    auto found = series.find(name);
    return found == series.end() ? none : found->second;
  }
};

Exposition parse_exposition(const std::string& text) {
  Exposition out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream words(line.substr(1));
      std::string keyword, name, type;
      words >> keyword >> name;
      if (keyword == "TYPE" && words >> type) out.types[name] = type;
      if (keyword == "HELP") out.helped.insert(name);
      continue;
    }
    size_t i = 0;
    while (i < line.size() && identifier_char(line[i])) ++i;
    const std::string name = line.substr(0, i);
    Labels labels;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const size_t equals = line.find("=\"", i);
        if (equals == std::string::npos) break;
        std::string label = line.substr(i, equals - i), value;
        for (i = equals + 2; i < line.size() && line[i] != '"'; ++i) {
          if (line[i] == '\\' && i + 1 < line.size()) {
            ++i;
            value.push_back(line[i] == 'n' ? '\n' : line[i]);
          } else {
            value.push_back(line[i]);
          }
        }
        labels[label] = value;
        ++i;  // closing quote
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size()) {
        out.problems.push_back("unreadable series: " + line);
        continue;
      }
      ++i;  // closing brace
    }
    if (name.empty() || i >= line.size() || line[i] != ' ') {
      out.problems.push_back("unreadable line: " + line);
      continue;
    }
    out.series[name].push_back(labels);
  }
  return out;
}

// ---- What the rules and the dashboard use
// ---------------------------------------------------------

struct Use {
  std::string where;  // "alerts.yml JumioBridgeDown", "grafana-dashboard.json panel 'Spool size'"
  std::string expression;
  Query query;
};

std::vector<Use> rule_uses(std::set<std::string>* recorded = nullptr) {
  std::vector<Use> uses;
  const YAML::Node root = YAML::LoadFile(kRules.string());
  for (const auto& group : root["groups"]) {
    for (const auto& rule : group["rules"]) {
      const std::string expr = rule["expr"].as<std::string>();
      std::string name = rule["alert"] ? rule["alert"].as<std::string>() : "";
      if (rule["record"]) {
        name = rule["record"].as<std::string>();
        if (recorded) recorded->insert(name);
      }
      uses.push_back({"alerts.yml " + name, expr, scan_promql(expr)});
    }
  }
  return uses;
}

rapidjson::Document load_dashboard(std::string* error) {
  rapidjson::Document dashboard;
  const std::string text = read_text(kDashboard);
  dashboard.Parse(text.c_str());
  if (dashboard.HasParseError())
    *error = std::string("grafana-dashboard.json: ") +
             rapidjson::GetParseError_En(dashboard.GetParseError()) + " at offset " +
             std::to_string(dashboard.GetErrorOffset());
  return dashboard;
}

std::string string_member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return "";
  auto found = object.FindMember(name);
  return found != object.MemberEnd() && found->value.IsString() ? found->value.GetString() : "";
}

// Every panel, rows' collapsed panels included.
void collect_panels(const rapidjson::Value& panels, std::vector<const rapidjson::Value*>* out) {
  if (!panels.IsArray()) return;
  for (const auto& panel : panels.GetArray()) {
    out->push_back(&panel);
    if (panel.IsObject() && panel.HasMember("panels")) collect_panels(panel["panels"], out);
  }
}

std::vector<Use> dashboard_uses(const rapidjson::Document& dashboard) {
  std::vector<Use> uses;
  std::vector<const rapidjson::Value*> panels;
  if (dashboard.HasMember("panels")) collect_panels(dashboard["panels"], &panels);
  for (const rapidjson::Value* panel : panels) {
    if (!panel->HasMember("targets") || !(*panel)["targets"].IsArray()) continue;
    for (const auto& target : (*panel)["targets"].GetArray()) {
      const std::string expr = string_member(target, "expr");
      if (!expr.empty())
        uses.push_back({"grafana-dashboard.json panel '" + string_member(*panel, "title") + "'",
                        expr, scan_promql(expr)});
    }
  }
  if (dashboard.HasMember("templating") && dashboard["templating"].HasMember("list")) {
    for (const auto& variable : dashboard["templating"]["list"].GetArray()) {
      if (string_member(variable, "type") != "query") continue;
      std::string query = string_member(variable, "query");
      if (query.empty() && variable.HasMember("query"))
        query = string_member(variable["query"], "query");
      uses.push_back({"grafana-dashboard.json variable $" + string_member(variable, "name"), query,
                      scan_grafana_variable_query(query)});
    }
  }
  if (dashboard.HasMember("annotations") && dashboard["annotations"].HasMember("list")) {
    for (const auto& annotation : dashboard["annotations"]["list"].GetArray()) {
      const std::string expr = string_member(annotation, "expr");
      if (!expr.empty())
        uses.push_back(
            {"grafana-dashboard.json annotation '" + string_member(annotation, "name") + "'", expr,
             scan_promql(expr)});
    }
  }
  return uses;
}

// A dashboard expression with Grafana's variables replaced by values Prometheus accepts.
std::string with_grafana_variables_set(std::string expr) {
  const std::pair<const char*, const char*> values[] = {
      {"$__rate_interval", "1m"},
      {"$__interval", "1m"},
      {"$__range", "1h"},
      {"${reconcile_job}", "jumio-bridge-reconcile"},
      {"$reconcile_job", "jumio-bridge-reconcile"},
      {"${job}", "jumio-bridge"},
      {"$job", "jumio-bridge"},
      {"${instance}", ".*"},
      {"$instance", ".*"}};
  for (const auto& [variable, value] : values) {
    for (size_t at; (at = expr.find(variable)) != std::string::npos;)
      expr.replace(at, std::strlen(variable), value);
  }
  return expr;
}

// ---- A running daemon
// ------------------------------------------------------------------------------

// An APPROVED_VERIFIED Netverify callback whose idType is outside the spec's list: published with
// an unknown_value warning.
std::string callback_with_warning() {
  FormFields fields = netverify_status_fields("APPROVED_VERIFIED");
  bool replaced = false;
  for (auto& [name, value] : fields) {
    if (name == "idType") {
      value = "BADGE";
      replaced = true;
    }
  }
  if (!replaced) fields.emplace_back("idType", "BADGE");
  return form_encode(fields);
}

std::string get_metrics(const test::Bridge& bridge) {
  auto answer = bridge.admin_client().Get("/metrics");
  return answer && answer->status == 200 ? answer->body : "";
}

struct DaemonMetrics {
  std::string text;                   // /metrics at the end
  std::vector<std::string> problems;  // steps of the traffic that did not go as planned
};

// The traffic that makes every series the rules and the dashboard select appear, then /metrics.
// Bounded: about 10 s, a minute at most when Kafka is slow to come back.
DaemonMetrics metrics_after_traffic() {
  DaemonMetrics out;
  test::Bridge bridge([](config::Config& config) {
    config.spool.max_bytes = 8 * 1024;  // full after a few records
    config.spool.ack_timeout_ms = 200;
    config.http.max_connections = 4;
    config.http.max_connections_per_address = 4;
  });
  if (get_metrics(bridge).empty()) {
    out.problems.push_back("the daemon did not start");
    return out;
  }
  auto expect_status = [&](const std::string& what, const std::string& body, int expected) {
    const int status = bridge.post(body);
    if (status != expected)
      out.problems.push_back(what + ": answered " + std::to_string(status) + ", expected " +
                             std::to_string(expected));
  };

  // Through Kafka: an event (delivery latency), one with a warning, and a dead letter.
  expect_status("a callback", kSampleNetverifyApproved, 200);
  expect_status("a callback with a warning", callback_with_warning(), 200);
  expect_status("a dead letter", "callBackType=SOMETHING_ELSE&x=1", 200);

  // A proxy nobody declared: X-Forwarded-For from a peer outside security.trusted_proxies.
  {
    auto client = bridge.client();
    auto answer = client.Post("/callbacks/jumio", {{"X-Forwarded-For", "203.0.113.7"}},
                              kSampleNetverifyApproved, "application/x-www-form-urlencoded");
    if (!answer || answer->status != 403)
      out.problems.push_back("X-Forwarded-For from an undeclared proxy: not answered 403");
  }

  // Kafka down: ack timeouts, spooled records, then a full spool and 503s.
  rd_kafka_mock_broker_set_down(bridge.broker().mock(), 1);
  int answered_503 = 0, answered_200 = 0;
  for (int i = 0; i < 60 && answered_503 == 0; ++i) {
    const int status = bridge.post(kSampleNetverifyApproved);
    if (status == 503)
      ++answered_503;
    else if (status == 200)
      ++answered_200;
    else
      out.problems.push_back("a callback with Kafka down: answered " + std::to_string(status));
  }
  if (answered_503 == 0) out.problems.push_back("no 503 with Kafka down and the spool full");
  if (answered_200 == 0) out.problems.push_back("nothing spooled with Kafka down");

  // Kafka back: the drain publishes the spool (drained, delivery reports) until it is empty.
  rd_kafka_mock_broker_set_up(bridge.broker().mock(), 1);
  const auto drain_deadline = std::chrono::steady_clock::now() + 60s;
  while (get_metrics(bridge).find("\njumio_bridge_spool_records 0\n") == std::string::npos) {
    if (std::chrono::steady_clock::now() > drain_deadline) {
      out.problems.push_back("the spool did not drain within 60 s of Kafka's return");
      break;
    }
    std::this_thread::sleep_for(100ms);
  }

  // More open connections than http.max_connections: the next is answered 503 at accept.
  std::vector<std::unique_ptr<test::RawConnection>> open;
  bool refused = false;
  for (int i = 0; i < 12 && !refused; ++i) {
    open.push_back(std::make_unique<test::RawConnection>(bridge.daemon().port()));
    refused = open.back()->read_answer(300ms).status == 503;
  }
  if (!refused) out.problems.push_back("no connection refused over http.max_connections");
  open.clear();

  out.text = get_metrics(bridge);
  if (out.text.empty()) out.problems.push_back("GET /metrics failed at the end");
  return out;
}

// ---- A running reconcile
// --------------------------------------------------------------------------

// JUMIO_BRIDGE_RETRIEVAL_API_TOKEN/_SECRET for the reconcile child, removed again at the end.
class RetrievalCredentialsInEnvironment {
 public:
  explicit RetrievalCredentialsInEnvironment(const test::FakeRetrievalApi& api) {
    ::setenv("JUMIO_BRIDGE_RETRIEVAL_API_TOKEN", api.options().api_token.c_str(), 1);
    ::setenv("JUMIO_BRIDGE_RETRIEVAL_API_SECRET", api.options().api_secret.c_str(), 1);
  }
  ~RetrievalCredentialsInEnvironment() {
    ::unsetenv("JUMIO_BRIDGE_RETRIEVAL_API_TOKEN");
    ::unsetenv("JUMIO_BRIDGE_RETRIEVAL_API_SECRET");
  }
};

std::string get_text(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2);
  client.set_read_timeout(5);
  auto answer = client.Get(path);
  return answer && answer->status == 200 ? answer->body : "";
}

// `jumio-bridge reconcile` with its admin listener on a free port, a fake Retrieval API and a
// mock-cluster broker; two expected references (grace 0, asks 1 s and 2 s after initiatedAt, no
// daily asks): one Jumio answers (published from the Retrieval API), one it answers 503 to every
// request (two attempts per ask, then given up). Then /metrics. Bounded: about 5 s, 30 s at most.
DaemonMetrics reconcile_metrics_after_traffic() {
  DaemonMetrics out;
  test::FakeRetrievalApi api;
  if (!api.running()) {
    out.problems.push_back("the fake Retrieval API did not start");
    return out;
  }
  std::string error;
  auto cluster = kafka::EmbeddedCluster::start(1, &error);
  if (!cluster) {
    out.problems.push_back("the mock cluster did not start: " + error);
    return out;
  }
  rd_kafka_mock_topic_create(cluster->mock(), "jumio.expected", 2, 1);
  auto producer = kafka::Producer::create(cluster->bootstraps(), {}, &error);
  if (!producer) {
    out.problems.push_back("no producer: " + error);
    return out;
  }
  const fs::path dir = test::temp_dir("jb-monitoring-reconcile");
  fs::create_directories(dir / "spool");
  std::ofstream(kafka::embedded_address_file((dir / "spool").string()))
      << cluster->bootstraps() << "\n";
  const fs::path config = dir / "config.yaml";
  std::ofstream(config) << "kafka:\n  brokers: embedded\nspool:\n  dir: \""
                        << (dir / "spool").string()
                        << "\"\nlog:\n  level: info\nretrieval:\n  base_url: \"" << api.base_url()
                        << "\"\n  token_url: \"" << api.token_url() << "\"\n  ca_file: \""
                        << api.ca_file() << "\"\n  user_agent: \"Jumio-Bridge Tests/1.0\"\n"
                        << "  max_requests_per_second: 100\n  max_attempts: 2\n"
                        << "reconcile:\n  grace_s: 0\n  schedule_s: [1, 2]\n  daily_for_days: 0\n"
                        << "  admin_listen: \"127.0.0.1:0\"\n";
  const std::string answered = "c0ffee00-0000-4000-8000-00000000a001";
  const std::string failing = "c0ffee00-0000-4000-8000-00000000a002";
  test::ScriptedAnswer unavailable;
  unavailable.status = 503;
  unavailable.body = "{}";
  api.script(test::RetrievalEndpoint::scan_status, failing, {unavailable});

  RetrievalCredentialsInEnvironment credentials(api);
  test::Child reconcile({"reconcile", "--config", config.string()});
  std::smatch port_match;
  const std::string listening = reconcile.wait_for_line("reconcile: admin listening", 20s);
  if (!std::regex_search(listening, port_match, std::regex(R"("port":([0-9]+))"))) {
    out.problems.push_back("no admin port logged: " + reconcile.output());
    fs::remove_all(dir);
    return out;
  }
  const int port = std::stoi(port_match[1]);
  if (reconcile.wait_for_line("asking begins", 20s).empty())
    out.problems.push_back("reconcile did not catch up: " + reconcile.output());

  for (const std::string& reference : {answered, failing}) {
    route::Record record;
    record.topic = "jumio.expected";
    record.key = reference;
    record.value = "{\"reference\":\"" + reference +
                   "\",\"kind\":\"netverify\",\"initiatedAt\":\"" +
                   callback::format_timestamp(std::chrono::system_clock::now()) + "\"}";
    auto acked = std::make_shared<std::promise<bool>>();
    std::future<bool> stored = acked->get_future();
    if (!producer->produce(
            record, [acked](const kafka::Delivery& d) { acked->set_value(d.persisted); }, 5s,
            &error) ||
        stored.wait_for(10s) != std::future_status::ready || !stored.get())
      out.problems.push_back("expected record for " + reference + " not stored: " + error);
  }

  // Until both references are settled: published from the Retrieval API, and given up.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  for (;;) {
    out.text = get_text(port, "/metrics");
    if (out.text.find("jumio_bridge_reconcile_settled_total{by=\"retrieval\"} 1\n") !=
            std::string::npos &&
        out.text.find("\njumio_bridge_reconcile_given_up_total 1\n") != std::string::npos)
      break;
    if (std::chrono::steady_clock::now() > deadline) {
      out.problems.push_back("the references were not published and given up within 30 s:\n" +
                             out.text + reconcile.output());
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  reconcile.signal(SIGTERM);
  if (reconcile.wait(15s) != 0) out.problems.push_back("reconcile did not stop with exit 0");
  fs::remove_all(dir);
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += "\n  " + item;
  return out;
}

// ---- The PromQL scanner and the exposition reader themselves
// ---------------------------------------

TEST(MonitoringPromql, FindsMetricNamesMatchersAndGroupingLabels) {
  const Query query = scan_promql(R"promql(
    sum by (job, instance) (increase(a_total{job="x",code="503"}[5m])) > 0
    or sum without (pod) ((b_total unless b_total offset 5m) and on (job, instance) up offset 5m)
    or histogram_quantile(0.99, sum by (le) (rate(c_seconds_bucket{l=~"a|b",m!="}"}[$__rate_interval])))
    / ignoring (x) group_left (y) d:recorded:rate5m > 1e-3 + Inf - .5 * 0x1f
    # a comment naming not_a_metric
    or {__name__="e_total",k!~"v"} or vector(0) or time() - f_seconds @ 1700000000
    or sum(rate(g_total[1h:5m])) by (reason) or label_replace(h, "dst", "$1", "src", "(.*)"))promql");
  std::vector<std::string> names;
  for (const auto& selector : query.selectors) names.push_back(selector.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a_total", "b_total", "b_total", "up",
                                             "c_seconds_bucket", "d:recorded:rate5m", "e_total",
                                             "f_seconds", "g_total", "h"}));
  EXPECT_TRUE(query.problems.empty()) << joined(query.problems);
  EXPECT_EQ(query.grouping, (std::set<std::string>{"job", "instance", "le", "reason"}));
  ASSERT_EQ(query.selectors[0].matchers.size(), 2u);
  EXPECT_EQ(query.selectors[0].matchers[1].label, "code");
  EXPECT_EQ(query.selectors[0].matchers[1].op, "=");
  EXPECT_EQ(query.selectors[0].matchers[1].value, "503");
  ASSERT_EQ(query.selectors[4].matchers.size(), 2u);
  EXPECT_EQ(query.selectors[4].matchers[0].op, "=~");
  EXPECT_EQ(query.selectors[4].matchers[1].value, "}");
  ASSERT_EQ(query.selectors[6].matchers.size(), 1u);
  EXPECT_EQ(query.selectors[6].matchers[0].op, "!~");

  const Query variable =
      scan_grafana_variable_query(R"(label_values(i_count{job="$job"}, instance))");
  ASSERT_EQ(variable.selectors.size(), 1u);
  EXPECT_EQ(variable.selectors[0].name, "i_count");
  EXPECT_TRUE(scan_grafana_variable_query("label_values(job)").selectors.empty());
}

TEST(MonitoringPromql, ReadsTheExpositionAndItsHistograms) {
  const Exposition exposition = parse_exposition(
      "# HELP x_total Counted.\n# TYPE x_total counter\n"
      "# HELP y_total Labelled, never counted.\n# TYPE y_total counter\n"
      "x_total{a=\"1\",b=\"q\\\"uote\"} 3\n"
      "# HELP d_seconds Latency.\n# TYPE d_seconds histogram\n"
      "d_seconds_bucket{le=\"0.5\"} 1\nd_seconds_bucket{le=\"+Inf\"} 1\n"
      "d_seconds_sum 0.25\nd_seconds_count 1\n"
      "# HELP g Gauge.\n# TYPE g gauge\ng 1\n");
  EXPECT_TRUE(exposition.problems.empty()) << joined(exposition.problems);
  for (const char* name :
       {"x_total", "y_total", "d_seconds_bucket", "d_seconds_sum", "d_seconds_count", "g"})
    EXPECT_TRUE(exposition.selectable(name)) << name;
  for (const char* name : {"d_seconds", "g_count", "x_total_count", "z"})
    EXPECT_FALSE(exposition.selectable(name)) << name;
  ASSERT_EQ(exposition.series_of("x_total").size(), 1u);
  EXPECT_EQ(exposition.series_of("x_total")[0].at("b"), "q\"uote");
  EXPECT_EQ(exposition.series_of("d_seconds_bucket")[1].at("le"), "+Inf");
}

// ---- The rules
// ------------------------------------------------------------------------------------

TEST(MonitoringRules, PassPromtoolCheckRules) {
  REQUIRE_PROMTOOL(promtool);
  // Lint problems (duplicate rules) exit 3 with --lint-fatal.
  const test::Finished check =
      run_promtool(promtool, {"check", "rules", "--lint=all", "--lint-fatal", kRules.string()});
  const std::string output = check.out + check.err;
  EXPECT_EQ(check.exit_code, 0) << output;
  EXPECT_NE(output.find("SUCCESS"), std::string::npos) << output;
}

TEST(MonitoringRules, PassTheirPromtoolUnitTests) {
  REQUIRE_PROMTOOL(promtool);
  const test::Finished test = run_promtool(promtool, {"test", "rules", kRuleTests.string()});
  const std::string output = test.out + test.err;
  EXPECT_EQ(test.exit_code, 0) << output;
  EXPECT_NE(output.find("SUCCESS"), std::string::npos) << output;
  EXPECT_EQ(output.find("FAILED"), std::string::npos) << output;
}

// Every alert has a severity the README explains, the three annotations, a unit test in which it
// fires, and a section in monitoring/README.md.
TEST(MonitoringRules, EveryAlertHasSeverityRunbookUnitTestAndReadmeEntry) {
  const YAML::Node rules = YAML::LoadFile(kRules.string());
  const YAML::Node tests = YAML::LoadFile(kRuleTests.string());
  std::set<std::string> tested_firing;
  for (const auto& test : tests["tests"]) {
    for (const auto& case_ : test["alert_rule_test"]) {
      if (case_["exp_alerts"] && case_["exp_alerts"].size() > 0)
        tested_firing.insert(case_["alertname"].as<std::string>());
    }
  }
  const std::string readme = read_text(kReadme);
  std::set<std::string> alerts;
  for (const auto& group : rules["groups"]) {
    for (const auto& rule : group["rules"]) {
      if (!rule["alert"]) continue;
      const std::string alert = rule["alert"].as<std::string>();
      SCOPED_TRACE(alert);
      EXPECT_TRUE(alerts.insert(alert).second) << "two alerts with one name";
      const std::string severity = rule["labels"] && rule["labels"]["severity"]
                                       ? rule["labels"]["severity"].as<std::string>()
                                       : "";
      EXPECT_TRUE(severity == "critical" || severity == "warning") << "severity: " << severity;
      for (const char* annotation : {"summary", "description", "runbook"}) {
        EXPECT_TRUE(rule["annotations"] && rule["annotations"][annotation] &&
                    !rule["annotations"][annotation].as<std::string>().empty())
            << "no " << annotation;
      }
      EXPECT_TRUE(tested_firing.count(alert)) << "no case of alerts_test.yml in which it fires";
      EXPECT_NE(readme.find("### " + alert), std::string::npos) << "no section in README.md";
    }
  }
  EXPECT_GE(alerts.size(), 10u);
}

// ---- The dashboard
// --------------------------------------------------------------------------------

TEST(MonitoringDashboard, IsAGrafanaDashboardWithAQueryInEveryPanel) {
  std::string error;
  const rapidjson::Document dashboard = load_dashboard(&error);
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_TRUE(dashboard.IsObject());
  EXPECT_EQ(string_member(dashboard, "uid"), "jumio-bridge");
  EXPECT_FALSE(string_member(dashboard, "title").empty());
  ASSERT_TRUE(dashboard.HasMember("schemaVersion") && dashboard["schemaVersion"].IsInt());
  std::set<std::string> variables;
  for (const auto& variable : dashboard["templating"]["list"].GetArray())
    variables.insert(string_member(variable, "name"));
  EXPECT_EQ(variables, (std::set<std::string>{"datasource", "job", "instance", "reconcile_job"}));

  std::vector<const rapidjson::Value*> panels;
  collect_panels(dashboard["panels"], &panels);
  std::set<int> ids;
  std::set<std::string> titles;
  for (const rapidjson::Value* panel : panels) {
    const std::string title = string_member(*panel, "title");
    SCOPED_TRACE(title);
    ASSERT_TRUE(panel->HasMember("id") && (*panel)["id"].IsInt());
    EXPECT_TRUE(ids.insert((*panel)["id"].GetInt()).second) << "two panels with one id";
    EXPECT_TRUE(panel->HasMember("gridPos"));
    if (string_member(*panel, "type") == "row") continue;
    titles.insert(title);
    EXPECT_EQ(string_member((*panel)["datasource"], "uid"), "${datasource}");
    ASSERT_TRUE(panel->HasMember("targets") && (*panel)["targets"].IsArray() &&
                !(*panel)["targets"].Empty());
    for (const auto& target : (*panel)["targets"].GetArray()) {
      EXPECT_FALSE(string_member(target, "expr").empty());
      EXPECT_EQ(string_member(target["datasource"], "uid"), "${datasource}");
    }
  }
  // What the issue asks for.
  for (const char* title :
       {"Callbacks by type and status", "Answers by code", "Kafka delivery latency",
        "Spooled records", "Spool size", "Oldest spooled record age", "Dead letters by reason",
        "Pending references by instance", "Oldest pending reference age",
        "References settled and given up", "Retrieval API answers by code"})
    EXPECT_TRUE(titles.count(title)) << "no panel " << title;
}

// Every query of the dashboard, Grafana's variables set, is an expression promtool accepts.
TEST(MonitoringDashboard, QueriesAreValidPromql) {
  REQUIRE_PROMTOOL(promtool);
  std::string error;
  const rapidjson::Document dashboard = load_dashboard(&error);
  ASSERT_TRUE(error.empty()) << error;
  YAML::Emitter rules;
  rules << YAML::BeginMap << YAML::Key << "groups" << YAML::Value << YAML::BeginSeq
        << YAML::BeginMap << YAML::Key << "name" << YAML::Value << "dashboard" << YAML::Key
        << "rules" << YAML::Value << YAML::BeginSeq;
  int count = 0;
  for (const Use& use : dashboard_uses(dashboard)) {
    if (use.where.find(" variable ") != std::string::npos) continue;  // not PromQL
    const std::string expr = with_grafana_variables_set(use.expression);
    EXPECT_EQ(expr.find('$'), std::string::npos) << use.where << ": unknown variable in " << expr;
    rules << YAML::BeginMap << YAML::Key << "record" << YAML::Value
          << "dashboard_query_" + std::to_string(++count) << YAML::Key << "expr" << YAML::Value
          << expr << YAML::EndMap;
  }
  rules << YAML::EndSeq << YAML::EndMap << YAML::EndSeq << YAML::EndMap;
  EXPECT_GT(count, 20);
  const fs::path dir = test::temp_dir("jumio-bridge-monitoring");
  const fs::path file = dir / "dashboard-queries.yml";
  std::ofstream(file) << rules.c_str() << "\n";
  const test::Finished check =
      run_promtool(promtool, {"check", "rules", "--lint=none", file.string()});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err << "\n" << rules.c_str();
  fs::remove_all(dir);
}

// ---- A running daemon
// ------------------------------------------------------------------------------

TEST(MonitoringDaemon, MetricsPassPromtoolCheckMetricsWithoutWarnings) {
  REQUIRE_PROMTOOL(promtool);
  const DaemonMetrics metrics = metrics_after_traffic();
  ASSERT_FALSE(metrics.text.empty()) << joined(metrics.problems);
  EXPECT_TRUE(metrics.problems.empty()) << joined(metrics.problems);
  const test::Finished check = run_promtool(promtool, {"check", "metrics"}, metrics.text);
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_EQ(trimmed(check.out + check.err), "") << "promtool check metrics warns:\n"
                                                << check.out << check.err << "\non:\n"
                                                << metrics.text;
}

TEST(MonitoringReconcile, MetricsPassPromtoolCheckMetricsWithoutWarnings) {
  REQUIRE_PROMTOOL(promtool);
  const DaemonMetrics metrics = reconcile_metrics_after_traffic();
  ASSERT_FALSE(metrics.text.empty()) << joined(metrics.problems);
  EXPECT_TRUE(metrics.problems.empty()) << joined(metrics.problems);
  const test::Finished check = run_promtool(promtool, {"check", "metrics"}, metrics.text);
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_EQ(trimmed(check.out + check.err), "") << "promtool check metrics warns:\n"
                                                << check.out << check.err << "\non:\n"
                                                << metrics.text;
}

// Metric names starting with jumio_bridge_reconcile_ are looked up on a running reconcile's
// /metrics, every other one on the daemon's.
TEST(MonitoringDaemon, EveryMetricOfTheRulesAndTheDashboardIsExported) {
  std::string error;
  const rapidjson::Document dashboard = load_dashboard(&error);
  ASSERT_TRUE(error.empty()) << error;
  std::set<std::string> recorded;
  std::vector<Use> uses = rule_uses(&recorded);
  const size_t rule_count = uses.size();
  for (Use& use : dashboard_uses(dashboard)) uses.push_back(std::move(use));
  ASSERT_GT(rule_count, 0u);
  ASSERT_GT(uses.size(), rule_count);

  const DaemonMetrics metrics = metrics_after_traffic();
  ASSERT_FALSE(metrics.text.empty()) << joined(metrics.problems);
  EXPECT_TRUE(metrics.problems.empty()) << joined(metrics.problems);
  const Exposition daemon_exposition = parse_exposition(metrics.text);
  EXPECT_TRUE(daemon_exposition.problems.empty()) << joined(daemon_exposition.problems);
  const DaemonMetrics reconcile_metrics = reconcile_metrics_after_traffic();
  ASSERT_FALSE(reconcile_metrics.text.empty()) << joined(reconcile_metrics.problems);
  EXPECT_TRUE(reconcile_metrics.problems.empty()) << joined(reconcile_metrics.problems);
  const Exposition reconcile_exposition = parse_exposition(reconcile_metrics.text);
  EXPECT_TRUE(reconcile_exposition.problems.empty()) << joined(reconcile_exposition.problems);
  // Each process exports only its own names.
  for (const auto& [name, labels] : daemon_exposition.series)
    EXPECT_FALSE(is_reconcile_metric(name)) << name << " on the daemon's /metrics";
  // Besides its own, reconcile exports Prometheus' standard process_start_time_seconds, as the
  // daemon does (a rule tells the two apart by job).
  for (const auto& [name, labels] : reconcile_exposition.series)
    EXPECT_TRUE(is_reconcile_metric(name) || name == "process_start_time_seconds")
        << name << " on reconcile's /metrics";

  std::set<std::string> used;
  for (const Use& use : uses) {
    SCOPED_TRACE(use.where + ": " + use.expression);
    EXPECT_TRUE(use.query.problems.empty()) << joined(use.query.problems);
    EXPECT_FALSE(use.query.selectors.empty()) << "selects no metric";
    std::vector<std::pair<const Selector*, const Exposition*>> exported;
    for (const Selector& selector : use.query.selectors) {
      used.insert(selector.name);
      if (kFromPrometheus.count(selector.name) || recorded.count(selector.name)) continue;
      const bool of_reconcile = is_reconcile_metric(selector.name);
      const Exposition& exposition = of_reconcile ? reconcile_exposition : daemon_exposition;
      if (!exposition.selectable(selector.name)) {
        ADD_FAILURE() << selector.name << " is not on "
                      << (of_reconcile ? "reconcile's" : "the daemon's") << " /metrics";
        continue;
      }
      exported.emplace_back(&selector, &exposition);
      const std::vector<Labels>& series = exposition.series_of(selector.name);
      for (const Matcher& matcher : selector.matchers) {
        if (kTargetLabels.count(matcher.label)) continue;
        EXPECT_FALSE(series.empty())
            << "no series of " << selector.name << " after the test's traffic, so its label "
            << matcher.label << " cannot be checked";
        bool has_label = false, has_value = false;
        const bool check_value = (matcher.op == "=" || matcher.op == "=~") &&
                                 matcher.value.find('$') == std::string::npos;
        const std::regex pattern(matcher.op == "=~" ? matcher.value : std::string(".*"));
        for (const Labels& labels : series) {
          auto label = labels.find(matcher.label);
          if (label == labels.end()) continue;
          has_label = true;
          if (matcher.op == "=" && label->second == matcher.value) has_value = true;
          if (matcher.op == "=~" && std::regex_match(label->second, pattern)) has_value = true;
        }
        EXPECT_TRUE(series.empty() || has_label)
            << selector.name << " has no label " << matcher.label;
        if (check_value && has_label) {
          EXPECT_TRUE(has_value) << "no series " << selector.name << "{" << matcher.label
                                 << matcher.op << "\"" << matcher.value << "\"}";
        }
      }
    }
    // by (...) groups by labels that some series of the expression carries.
    for (const std::string& label : use.query.grouping) {
      if (kTargetLabels.count(label)) continue;
      bool found = false, any_series = false;
      for (const auto& [selector, exposition] : exported) {
        for (const Labels& labels : exposition->series_of(selector->name)) {
          any_series = true;
          if (labels.count(label)) found = true;
        }
      }
      EXPECT_TRUE(found || !any_series) << "grouped by " << label << ", a label none of "
                                        << "its series carries";
      EXPECT_TRUE(any_series || exported.empty())
          << "grouped by " << label << " but no series of it after the test's traffic";
    }
  }
  for (const char* family :
       {"jumio_bridge_callbacks_total", "jumio_bridge_http_responses_total",
        "jumio_bridge_kafka_delivery_seconds_bucket", "jumio_bridge_spool_records",
        "jumio_bridge_spool_oldest_age_seconds", "jumio_bridge_deadletters_total",
        "jumio_bridge_producer_errors_total", "jumio_bridge_spool_max_bytes",
        "process_start_time_seconds", "jumio_bridge_reconcile_pending",
        "jumio_bridge_reconcile_oldest_pending_age_seconds", "jumio_bridge_reconcile_settled_total",
        "jumio_bridge_reconcile_given_up_total", "jumio_bridge_reconcile_api_answers_total",
        "jumio_bridge_reconcile_caught_up"})
    EXPECT_TRUE(used.count(family)) << "the monitoring does not use " << family;
}

}  // namespace
}  // namespace jb
