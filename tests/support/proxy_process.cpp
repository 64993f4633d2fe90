#include "support/proxy_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/raw_http.h"

namespace jb::test {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

}  // namespace

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

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

pid_t spawn_proxy(const std::vector<std::string>& argv, const std::string& output_path) {
  // Everything the child needs is made before fork: after it, only async-signal-safe calls.
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const char* envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", nullptr};
  const int output = ::open(output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int nothing = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Dies with the test process, whatever way it ends.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::setpgid(0, 0);  // a terminal's Ctrl-C goes to the test; the proxy goes with it
    if (nothing >= 0) ::dup2(nothing, 0);
    if (output >= 0) {
      ::dup2(output, 1);
      ::dup2(output, 2);
    }
    // No socket of the test (daemon connections, raw clients) stays open in the proxy.
    if (::syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
      for (int fd = 3; fd < 4096; ++fd) ::close(fd);
    ::execve(args[0], args.data(), const_cast<char* const*>(envp));
    ::_exit(127);
  }
  if (output >= 0) ::close(output);
  if (nothing >= 0) ::close(nothing);
  return pid;
}

bool answers_204(const std::string& host, int port, const std::string& path) {
  const int fd = connect_from("", port, host);
  if (fd < 0) return false;
  const std::string probe = "GET " + path + " HTTP/1.1\r\nHost: ready\r\nConnection: close\r\n\r\n";
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

bool wait_until_ready(pid_t* pid, const std::string& host, int port, const std::string& path,
                      std::chrono::milliseconds bound) {
  const auto until = Clock::now() + bound;
  while (Clock::now() < until) {
    int status = 0;
    if (::waitpid(*pid, &status, WNOHANG) == *pid) {
      *pid = -1;  // exited: it could not start (a port taken meanwhile, a config error)
      return false;
    }
    if (answers_204(host, port, path)) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

std::set<int> connections_from(const std::string& source, int port) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  std::sscanf(source.c_str(), "%u.%u.%u.%u", &a, &b, &c, &d);
  // /proc/net/tcp writes an address as the hex of its 32 bits in host (little-endian) order.
  char source_hex[16];
  std::snprintf(source_hex, sizeof source_hex, "%02X%02X%02X%02X", d, c, b, a);
  char destination_hex[16];
  std::snprintf(destination_hex, sizeof destination_hex, "0100007F:%04X", port);
  std::set<int> ports;
  std::ifstream table("/proc/net/tcp");
  std::string line;
  std::getline(table, line);  // the column names
  while (std::getline(table, line)) {
    char local[64], remote[64];
    unsigned state = 0;
    if (std::sscanf(line.c_str(), "%*s %63s %63s %x", local, remote, &state) != 3) continue;
    constexpr unsigned kListen = 0x0A;
    const std::string from = local;
    if (state == kListen || remote != std::string(destination_hex) ||
        from.compare(0, 9, std::string(source_hex) + ":") != 0)
      continue;
    ports.insert(static_cast<int>(std::strtol(from.c_str() + 9, nullptr, 16)));
  }
  return ports;
}

void stop_proxy(pid_t* pid, std::chrono::milliseconds bound) {
  if (*pid <= 0) return;
  ::kill(*pid, SIGTERM);
  const auto until = Clock::now() + bound;
  int status = 0;
  while (::waitpid(*pid, &status, WNOHANG) == 0) {
    if (Clock::now() >= until) {
      ::kill(*pid, SIGKILL);
      ::waitpid(*pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  *pid = -1;
}

}  // namespace jb::test
