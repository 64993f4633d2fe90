#include "support/nginx.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/process.h"
#include "support/proxy_process.h"

namespace jb::test {
namespace {

// Answered by nginx itself, on a port of its own: how the helper knows nginx is up.
constexpr char kReadyPath[] = "/__jb_nginx_ready";
constexpr int kStartAttempts = 3;
constexpr std::chrono::milliseconds kStartBound{10000};

std::string milliseconds(std::chrono::milliseconds value) {
  return std::to_string(value.count()) + "ms";
}

// The generated proxy: an upstream of kept-alive connections and a server that proxies every
// path to it.
std::string proxy_site(int port, int upstream_port, const NginxOptions& options) {
  std::ostringstream c;
  c << "  upstream bridge {\n"
    << "    server " << options.upstream_host << ":" << upstream_port << ";\n"
    << "    keepalive " << options.upstream_keepalive << ";\n"
    << "    keepalive_timeout " << milliseconds(options.upstream_keepalive_timeout) << ";\n"
    << "  }\n"
    << "  server {\n"
    << "    listen " << options.listen_host << ":" << port << ";\n"
    << "    client_header_timeout " << milliseconds(options.client_timeout) << ";\n"
    << "    client_body_timeout " << milliseconds(options.client_timeout) << ";\n"
    << "    lingering_timeout " << milliseconds(options.lingering_timeout) << ";\n"
    << "    location / {\n"
    << "      proxy_pass http://bridge;\n"
    << "      proxy_http_version 1.1;\n"
    << "      proxy_set_header Connection \"\";\n"
    << "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
    << "      proxy_bind " << options.proxy_bind << ";\n"
    << "      proxy_connect_timeout 2s;\n"
    << "      proxy_send_timeout 10s;\n"
    << "      proxy_read_timeout 20s;\n"
    << "    }\n"
    << "  }\n";
  return c.str();
}

// options.site with "{port}" replaced.
std::string given_site(int port, const NginxOptions& options) {
  std::string site = options.site;
  const std::string placeholder = "{port}";
  for (size_t at = site.find(placeholder); at != std::string::npos; at = site.find(placeholder, at))
    site.replace(at, placeholder.size(), std::to_string(port));
  return site;
}

std::string config_text(const std::string& dir, int port, int ready_port, int upstream_port,
                        const NginxOptions& options) {
  std::ostringstream c;
  // One process, in the foreground, as the user running the tests (root in CI: no worker
  // switching to "nobody", which could not write into this directory). The proxying is the same
  // as with a master and workers.
  c << "daemon off;\n"
    << "master_process off;\n"
    << "pid " << dir << "/nginx.pid;\n"
    << "lock_file " << dir << "/nginx.lock;\n"
    << "error_log " << dir << "/error.log info;\n"
    << "events { worker_connections 1024; }\n"
    << "http {\n"
    << "  log_format jb '$remote_addr \"$request\" $status upstream=$upstream_status';\n"
    << "  access_log " << dir << "/access.log jb;\n"
    << "  client_body_temp_path " << dir << "/client_body;\n"
    << "  proxy_temp_path " << dir << "/proxy;\n"
    << "  fastcgi_temp_path " << dir << "/fastcgi;\n"
    << "  uwsgi_temp_path " << dir << "/uwsgi;\n"
    << "  scgi_temp_path " << dir << "/scgi;\n"
    << "  server {\n"
    << "    listen " << options.listen_host << ":" << ready_port << ";\n"
    << "    access_log off;\n"
    << "    location = " << kReadyPath << " { return 204; }\n"
    << "  }\n"
    << (options.site.empty() ? proxy_site(port, upstream_port, options) : given_site(port, options))
    << "}\n";
  return c.str();
}

}  // namespace

bool Nginx::installed() {
  return ::access(kBinary, X_OK) == 0;
}

Nginx::Nginx(int upstream_port, const NginxOptions& options) : options_(options) {
  dir_ = temp_dir("jb-nginx");
  if (dir_.empty()) {
    ADD_FAILURE() << "nginx: cannot make a temp directory";
    return;
  }
  for (int attempt = 0; attempt < kStartAttempts && !started_; ++attempt)
    started_ = start_once(upstream_port);
  if (!started_)
    ADD_FAILURE() << "nginx did not start; error log:\n"
                  << error_log() << "\nstderr:\n"
                  << file_text(dir_ + "/stderr.log");
}

Nginx::~Nginx() {
  stop_proxy(&pid_);
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

std::string Nginx::error_log() const {
  return file_text(dir_ + "/error.log");
}

std::string Nginx::access_log() const {
  return file_text(dir_ + "/access.log");
}

bool Nginx::start_once(int upstream_port) {
  port_ = free_port(options_.listen_host);
  const int ready_port = free_port(options_.listen_host);
  if (port_ == 0 || ready_port == 0 || ready_port == port_) return false;
  const std::string config = dir_ + "/nginx.conf";
  {
    std::ofstream out(config, std::ios::trunc);
    out << config_text(dir_, port_, ready_port, upstream_port, options_);
    if (!out) return false;
  }
  pid_ = spawn_proxy({kBinary, "-p", dir_ + "/", "-c", config, "-e", dir_ + "/error.log"},
                     dir_ + "/stderr.log");
  if (pid_ < 0) return false;
  if (wait_until_ready(&pid_, options_.listen_host, ready_port, kReadyPath, kStartBound))
    return true;
  stop_proxy(&pid_);
  return false;
}

}  // namespace jb::test
