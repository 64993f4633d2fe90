// The HTTP library's ceiling, for the benchmark: a bare cpp-httplib server with the thread and
// socket settings of daemon/http/server.cpp that reads each POST body and answers 200 with no
// further work. Prints the port it listens on, then serves until SIGTERM or SIGINT.
//
// usage: jb_ceiling_server [--host H] [--port P] [--path P] [--threads N] [--max-body BYTES]
//                          [--keep-alive-max N] [--keep-alive-timeout-ms MS]
//                          [--read-timeout-ms MS] [--backlog N]
#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>

namespace {

// Defaults are the daemon's (config.yaml, daemon/http/server.cpp); bench/run.sh passes the values
// of the daemon's effective config.
struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string path = "/callbacks/jumio";
  long threads = 64;
  long max_body = 262144;
  long keep_alive_max = 100;
  long keep_alive_timeout_ms = 5000;
  long read_timeout_ms = 5000;
  long backlog = 1024;
};

bool parse_options(int argc, char** argv, Options* options) {
  std::map<std::string, long*> numbers = {
      {"--threads", &options->threads},
      {"--max-body", &options->max_body},
      {"--keep-alive-max", &options->keep_alive_max},
      {"--keep-alive-timeout-ms", &options->keep_alive_timeout_ms},
      {"--read-timeout-ms", &options->read_timeout_ms},
      {"--backlog", &options->backlog},
  };
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) return false;
    std::string name = argv[i];
    std::string value = argv[i + 1];
    if (name == "--host") {
      options->host = value;
    } else if (name == "--path") {
      options->path = value;
    } else if (name == "--port") {
      options->port = std::atoi(value.c_str());
    } else if (auto it = numbers.find(name); it != numbers.end()) {
      *it->second = std::atol(value.c_str());
      if (*it->second < 1) return false;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse_options(argc, argv, &options)) {
    std::fprintf(stderr, "usage: see the comment at the top of bench/ceiling_server.cpp\n");
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  httplib::Server server;
  size_t threads = static_cast<size_t>(options.threads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(static_cast<size_t>(options.keep_alive_max));
  // cpp-httplib takes whole seconds here: rounded up.
  server.set_keep_alive_timeout((options.keep_alive_timeout_ms + 999) / 1000);
  server.set_read_timeout(options.read_timeout_ms / 1000, options.read_timeout_ms % 1000 * 1000);
  server.set_payload_max_length(static_cast<size_t>(options.max_body));
  int listen_fd = -1;
  server.set_socket_options([&listen_fd](socket_t fd) {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd = fd;
  });
  const size_t max_body = static_cast<size_t>(options.max_body);
  server.Post(options.path, [max_body](const httplib::Request& request, httplib::Response& response,
                                       const httplib::ContentReader& content_reader) {
    std::string body;
    size_t announced = 0;
    std::string length = request.get_header_value("Content-Length");
    std::from_chars(length.data(), length.data() + length.size(), announced);
    body.reserve(std::min(announced, max_body));
    bool complete = content_reader([&body, max_body](const char* data, size_t size) {
      if (body.size() + size > max_body) return false;
      body.append(data, size);
      return true;
    });
    response.status = complete ? 200 : 400;
  });

  int port = options.port;
  if (port == 0) {
    port = server.bind_to_any_port(options.host);
  } else if (!server.bind_to_port(options.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    std::fprintf(stderr, "cannot bind %s:%d\n", options.host.c_str(), options.port);
    return 1;
  }
  if (listen_fd >= 0) ::listen(listen_fd, static_cast<int>(options.backlog));
  std::printf("%d\n", port);
  std::fflush(stdout);

  std::thread serving([&server] { server.listen_after_bind(); });
  int signal = 0;
  sigwait(&signals, &signal);
  server.stop();
  serving.join();
  return 0;
}
