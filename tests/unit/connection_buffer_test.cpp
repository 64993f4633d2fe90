// Connection::fill over a socket pair: the buffer's capacity stays within max_buffered however
// the bytes arrive, and a request with a Content-Length gets room for its head and body at once.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "http/connection.h"

namespace jb::http {
namespace {

struct Filled {
  size_t largest_capacity = 0;
  std::set<size_t> capacities;  // every capacity the buffer had
  RequestParser::Progress progress = RequestParser::Progress::need_more;
  size_t buffered = 0;
};

// Writes `input` into one end of a socket pair from another thread, in pieces of `piece` bytes,
// while a Connection on the other end fills (up to `max_buffered`) and, with `parse`, parses as
// the listener does, until the request is complete, fails, the buffer is full, or nothing
// arrives for 5 s.
Filled fill_from(const std::string& input, size_t piece, size_t max_buffered,
                 const FramingLimits& limits, bool parse = true) {
  int fds[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  auto owned = std::make_unique<Connection>(fds[0], nullptr, "peer", limits);
  Connection& connection = *owned;
  std::thread writer([&input, piece, fd = fds[1]] {
    for (size_t at = 0; at < input.size();) {
      const ssize_t n =
          ::send(fd, input.data() + at, std::min(piece, input.size() - at), MSG_NOSIGNAL);
      if (n <= 0) break;
      at += static_cast<size_t>(n);
    }
  });
  Filled filled;
  for (;;) {
    pollfd p{connection.fd(), POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) break;
    const Connection::Fill state = connection.fill(max_buffered);
    filled.largest_capacity = std::max(filled.largest_capacity, connection.buffer().capacity());
    filled.capacities.insert(connection.buffer().capacity());
    if (parse) {
      filled.progress = connection.parser.parse(connection.buffer());
      if (filled.progress == RequestParser::Progress::head)
        filled.progress = connection.parser.parse(connection.buffer());
      if (filled.progress != RequestParser::Progress::need_more) break;
    }
    if (state != Connection::Fill::progress && state != Connection::Fill::would_block) break;
    if (connection.buffer().size() >= max_buffered) break;
  }
  filled.buffered = connection.buffer().size();
  owned.reset();  // closes the reading end: a writer still writing stops
  writer.join();
  ::close(fds[1]);
  return filled;
}

size_t max_buffered_for(const FramingLimits& limits) {
  // As the listener computes it.
  return limits.max_head_bytes + limits.max_body_bytes + limits.max_chunk_overhead + 1;
}

TEST(connection_buffer, ContentLengthRequestIsGivenRoomOnce) {
  FramingLimits limits;
  limits.max_body_bytes = 262144;
  const std::string body(262143, 'b');
  const std::string head =
      "POST /cb HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  const Filled filled = fill_from(head + body, 4096, max_buffered_for(limits), limits);
  EXPECT_EQ(filled.progress, RequestParser::Progress::complete);
  // The first read's capacity, then exactly the request's size: no doubling to 512 KiB.
  EXPECT_EQ(filled.largest_capacity, head.size() + body.size());
  EXPECT_LE(filled.capacities.size(), 2u);
}

TEST(connection_buffer, CapacityStaysWithinMaxBuffered) {
  // A chunked body of 100,000 bytes (no length known ahead): grown by doubling from 16 KiB, the
  // buffer would reach 131,072 bytes of capacity; max_buffered is 116,385.
  FramingLimits limits;
  limits.max_head_bytes = 1024;
  limits.max_body_bytes = 100000;
  limits.max_chunk_overhead = 15360;
  std::string chunks;
  for (int i = 0; i < 100; ++i) chunks += "3e8\r\n" + std::string(1000, 'c') + "\r\n";
  const std::string input =
      "POST /cb HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + "0\r\n\r\n";
  const size_t max_buffered = max_buffered_for(limits);
  const Filled filled = fill_from(input, 4096, max_buffered, limits);
  EXPECT_EQ(filled.progress, RequestParser::Progress::complete);
  EXPECT_GT(filled.largest_capacity, max_buffered / 2);
  EXPECT_LE(filled.largest_capacity, max_buffered);
  // Twice max_buffered, nothing parsed (bytes behind a request still being answered): the
  // buffer fills to the bound and its capacity is the bound.
  const Filled full = fill_from(std::string(2 * max_buffered, 'x'), 4096, max_buffered, limits,
                                /*parse=*/false);
  EXPECT_EQ(full.buffered, max_buffered);
  EXPECT_EQ(full.largest_capacity, max_buffered);
}

}  // namespace
}  // namespace jb::http
