#include "support/haproxy.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/process.h"
#include "support/proxy_process.h"

namespace jb::test {
namespace {

// Answered by HAProxy itself, on a port of its own: how the helper knows it is up.
constexpr char kReadyPath[] = "/__jb_haproxy_ready";
constexpr int kStartAttempts = 3;
constexpr std::chrono::milliseconds kStartBound{10000};

std::string milliseconds(std::chrono::milliseconds value) {
  return std::to_string(value.count()) + "ms";
}

void replace_all(std::string* text, const std::string& placeholder, const std::string& value) {
  for (size_t at = text->find(placeholder); at != std::string::npos;
       at = text->find(placeholder, at + value.size()))
    text->replace(at, placeholder.size(), value);
}

// The generated frontend and backend.
std::string proxy_sections(int port, int upstream_port, const std::string& pem_path,
                           const HaproxyOptions& options) {
  std::ostringstream c;
  c << "frontend callbacks\n"
    << "  bind " << options.listen_host << ":" << port
    << (options.tls_pem.empty() ? "" : " ssl crt " + pem_path) << "\n"
    << "  timeout client " << milliseconds(options.client_timeout) << "\n"
    << "  timeout http-keep-alive " << milliseconds(options.keep_alive_timeout) << "\n"
    << (options.forwardfor ? "  option forwardfor\n" : "") << "  default_backend bridge\n"
    << "backend bridge\n"
    << "  timeout server " << milliseconds(options.server_timeout) << "\n"
    << "  http-reuse " << options.http_reuse << "\n"
    << (options.server_close ? "  option http-server-close\n" : "") << "  server daemon "
    << options.upstream_host << ":" << upstream_port << " source " << options.source << "\n";
  return c.str();
}

std::string config_text(int port, int ready_port, int upstream_port, const std::string& pem_path,
                        const HaproxyOptions& options) {
  std::ostringstream c;
  // Logs (alerts and the request log) go to stderr, which the helper writes to haproxy.log.
  c << "global\n"
    << "  log stderr format raw local0 info\n"
    << "  maxconn 4096\n"
    << "defaults\n"
    << "  mode http\n"
    << "  log global\n"
    << "  option httplog\n"
    << "  timeout connect 2s\n"
    << "  timeout client 30s\n"
    << "  timeout server 30s\n"
    << "frontend ready\n"
    << "  bind " << options.listen_host << ":" << ready_port << "\n"
    << "  no log\n"
    << "  http-request return status 204 if { path " << kReadyPath << " }\n"
    << "  http-request deny\n";
  if (options.sections.empty()) {
    c << proxy_sections(port, upstream_port, pem_path, options);
  } else {
    std::string sections = options.sections;
    replace_all(&sections, "{port}", std::to_string(port));
    replace_all(&sections, "{tls_pem}", pem_path);
    c << sections;
  }
  return c.str();
}

}  // namespace

bool Haproxy::installed() {
  return ::access(kBinary, X_OK) == 0;
}

Haproxy::Haproxy(int upstream_port, const HaproxyOptions& options) : options_(options) {
  dir_ = temp_dir("jb-haproxy");
  if (dir_.empty()) {
    ADD_FAILURE() << "HAProxy: cannot make a temp directory";
    return;
  }
  if (!options_.tls_pem.empty()) {
    std::ofstream out(dir_ + "/tls.pem", std::ios::trunc);
    out << options_.tls_pem;
  }
  for (int attempt = 0; attempt < kStartAttempts && !started_; ++attempt)
    started_ = start_once(upstream_port);
  if (!started_) ADD_FAILURE() << "HAProxy did not start; its log:\n" << log();
}

Haproxy::~Haproxy() {
  stop_proxy(&pid_);
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

std::string Haproxy::log() const {
  return file_text(dir_ + "/haproxy.log");
}

bool Haproxy::start_once(int upstream_port) {
  port_ = free_port(options_.listen_host);
  const int ready_port = free_port(options_.listen_host);
  if (port_ == 0 || ready_port == 0 || ready_port == port_) return false;
  const std::string config = dir_ + "/haproxy.cfg";
  {
    std::ofstream out(config, std::ios::trunc);
    out << config_text(port_, ready_port, upstream_port, dir_ + "/tls.pem", options_);
    if (!out) return false;
  }
  // -db: in the foreground, not a daemon; -f: only this file.
  pid_ = spawn_proxy({kBinary, "-db", "-f", config}, dir_ + "/haproxy.log");
  if (pid_ < 0) return false;
  if (wait_until_ready(&pid_, options_.listen_host, ready_port, kReadyPath, kStartBound))
    return true;
  stop_proxy(&pid_);
  return false;
}

}  // namespace jb::test
