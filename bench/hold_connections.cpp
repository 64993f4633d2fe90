// Holds connections with almost complete requests open, for bench/connection_memory.sh: opens N
// connections to 127.0.0.1:PORT and sends on each a POST whose body is one byte short, so that
// the server keeps every byte it read and waits for the last one. With --framing length the
// request says "Content-Length: BYTES" and sends BYTES - 1 of them; with --framing chunked it
// sends BYTES - 1 bytes in chunks of 16,000 and no last chunk. Prints "sent N requests ..." when
// every request is written, then holds the connections until it is stopped (SIGTERM).
//
// usage: jb_hold_connections --port P --connections N --body-bytes BYTES
//                            [--framing length|chunked] [--path /callbacks/jumio]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr size_t kChunkBytes = 16000;

struct Options {
  int port = 0;
  long connections = 0;
  long body_bytes = 0;
  std::string framing = "length";
  std::string path = "/callbacks/jumio";
};

bool parse_options(int argc, char** argv, Options* options) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    const char* value = argv[i + 1];
    if (arg == "--port") {
      options->port = std::atoi(value);
    } else if (arg == "--connections") {
      options->connections = std::atol(value);
    } else if (arg == "--body-bytes") {
      options->body_bytes = std::atol(value);
    } else if (arg == "--framing") {
      options->framing = value;
    } else if (arg == "--path") {
      options->path = value;
    } else {
      return false;
    }
  }
  return argc % 2 == 1 && options->port > 0 && options->connections > 0 &&
         options->body_bytes > 1 && (options->framing == "length" || options->framing == "chunked");
}

// The request's bytes: everything but the body's last byte (and, chunked, the last chunk).
std::string request(const Options& options) {
  const size_t sent = static_cast<size_t>(options.body_bytes) - 1;
  std::string text = "POST " + options.path +
                     " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n";
  if (options.framing == "length") {
    text += "Content-Length: " + std::to_string(options.body_bytes) + "\r\n\r\n";
    text.append(sent, 'x');
    return text;
  }
  text += "Transfer-Encoding: chunked\r\n\r\n";
  for (size_t left = sent; left > 0;) {
    const size_t size = left < kChunkBytes ? left : kChunkBytes;
    char line[32];
    std::snprintf(line, sizeof line, "%zx\r\n", size);
    text += line;
    text.append(size, 'x');
    text += "\r\n";
    left -= size;
  }
  return text;
}

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const std::string& data) {
  for (size_t at = 0; at < data.size();) {
    const ssize_t n = ::send(fd, data.data() + at, data.size() - at, MSG_NOSIGNAL);
    if (n <= 0) return false;
    at += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse_options(argc, argv, &options)) {
    std::fprintf(stderr,
                 "usage: %s --port P --connections N --body-bytes BYTES "
                 "[--framing length|chunked] [--path PATH]\n",
                 argv[0]);
    return 2;
  }
  const std::string bytes = request(options);
  std::vector<int> fds;
  for (long i = 0; i < options.connections; ++i) {
    const int fd = connect_to(options.port);
    if (fd < 0 || !send_all(fd, bytes)) {
      std::fprintf(stderr, "jb_hold_connections: connection %ld failed: %s\n", i + 1,
                   std::strerror(errno));
      return 1;
    }
    fds.push_back(fd);
  }
  std::printf("sent %zu requests of %zu bytes\n", fds.size(), bytes.size());
  std::fflush(stdout);
  for (;;) ::pause();
}
