#include "support/nginx.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/process.h"
#include "support/raw_http.h"

namespace jb::test {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Answered by nginx itself: how the helper knows nginx is up.
constexpr char kReadyPath[] = "/__jb_nginx_ready";
constexpr int kStartAttempts = 3;
constexpr std::chrono::milliseconds kStartBound{10000};
constexpr std::chrono::milliseconds kStopBound{3000};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A port nothing listens on right now (nginx binds it a moment later; a start that loses the
// race is retried on another port).
int free_port(const std::string& host) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  ::inet_pton(AF_INET, host.c_str(), &address.sin_addr);
  socklen_t length = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
    port = ntohs(address.sin_port);
  ::close(fd);
  return port;
}

std::string milliseconds(std::chrono::milliseconds value) {
  return std::to_string(value.count()) + "ms";
}

std::string config_text(const std::string& dir, int port, int upstream_port,
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
    << "  client_header_timeout " << milliseconds(options.client_timeout) << ";\n"
    << "  client_body_timeout " << milliseconds(options.client_timeout) << ";\n"
    << "  lingering_timeout " << milliseconds(options.lingering_timeout) << ";\n"
    << "  upstream bridge {\n"
    << "    server " << options.upstream_host << ":" << upstream_port << ";\n"
    << "    keepalive " << options.upstream_keepalive << ";\n"
    << "    keepalive_timeout " << milliseconds(options.upstream_keepalive_timeout) << ";\n"
    << "  }\n"
    << "  server {\n"
    << "    listen " << options.listen_host << ":" << port << ";\n"
    << "    location = " << kReadyPath << " { access_log off; return 204; }\n"
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
    << "  }\n"
    << "}\n";
  return c.str();
}

// Sends the readiness probe on fd (then closes it): whether nginx itself answered 204.
bool answers_ready(int fd, const std::string& probe) {
  if (fd < 0) return false;
  std::string answer;
  const auto until = Clock::now() + 1s;
  bool sent = send_all(fd, probe);
  while (sent && answer.find("\r\n\r\n") == std::string::npos && Clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char chunk[512];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    answer.append(chunk, static_cast<size_t>(n));
  }
  ::close(fd);
  return answer.rfind("HTTP/1.1 204 ", 0) == 0;
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
                  << read_text(dir_ + "/stderr.log");
}

Nginx::~Nginx() {
  stop();
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

std::string Nginx::error_log() const {
  return read_text(dir_ + "/error.log");
}

std::string Nginx::access_log() const {
  return read_text(dir_ + "/access.log");
}

bool Nginx::start_once(int upstream_port) {
  port_ = free_port(options_.listen_host);
  if (port_ == 0) return false;
  const std::string config = dir_ + "/nginx.conf";
  {
    std::ofstream out(config, std::ios::trunc);
    out << config_text(dir_, port_, upstream_port, options_);
    if (!out) return false;
  }
  const std::string error_log = dir_ + "/error.log";
  const std::string prefix = dir_ + "/";
  const int output =
      ::open((dir_ + "/stderr.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int nothing = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  // Everything the child needs is made before fork: after it, only async-signal-safe calls.
  const char* argv[] = {kBinary,        "-p", prefix.c_str(),    "-c",
                        config.c_str(), "-e", error_log.c_str(), nullptr};
  const char* envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", nullptr};
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Dies with the test process, whatever way it ends.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::setpgid(0, 0);  // a terminal's Ctrl-C goes to the test; nginx goes with it via PDEATHSIG
    if (nothing >= 0) ::dup2(nothing, 0);
    if (output >= 0) {
      ::dup2(output, 1);
      ::dup2(output, 2);
    }
    // No socket of the test (daemon connections, raw clients) stays open in nginx.
    if (::syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
      for (int fd = 3; fd < 4096; ++fd) ::close(fd);
    ::execve(kBinary, const_cast<char* const*>(argv), const_cast<char* const*>(envp));
    ::_exit(127);
  }
  if (output >= 0) ::close(output);
  if (nothing >= 0) ::close(nothing);
  if (pid < 0) return false;
  pid_ = pid;
  if (wait_until_answering(kStartBound)) return true;
  stop();
  return false;
}

bool Nginx::wait_until_answering(std::chrono::milliseconds bound) {
  const auto until = Clock::now() + bound;
  const std::string probe =
      std::string("GET ") + kReadyPath + " HTTP/1.1\r\nHost: ready\r\nConnection: close\r\n\r\n";
  while (Clock::now() < until) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;  // exited: it could not start (a port taken meanwhile, a config error)
      return false;
    }
    if (answers_ready(connect_from("", port_, options_.listen_host), probe)) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

void Nginx::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);  // fast shutdown
  const auto until = Clock::now() + kStopBound;
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (Clock::now() >= until) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  pid_ = -1;
}

}  // namespace jb::test
