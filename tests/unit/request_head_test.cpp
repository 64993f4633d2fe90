#include "http/request_head.h"

#include <gtest/gtest.h>

#include <string>

#include "http/basic_auth.h"

namespace jb::http {
namespace {

const HeadLimits kLimits{1024, 8, 4096};

std::string head(const std::string& fields) {
  return "POST /cb HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n";
}

struct HeadCase {
  const char* name;
  std::string text;
  RequestHead::State state;
  int status;
};

class RequestHeadTest : public testing::TestWithParam<HeadCase> {};

TEST_P(RequestHeadTest, Scans) {
  RequestHead result = scan_request_head(GetParam().text, kLimits);
  EXPECT_EQ(result.state, GetParam().state) << result.reason;
  EXPECT_EQ(result.status, GetParam().status);
}

using State = RequestHead::State;
INSTANTIATE_TEST_SUITE_P(
    Cases, RequestHeadTest,
    testing::Values(
        HeadCase{"Complete", head("Content-Length: 3\r\n"), State::complete, 0},
        HeadCase{"Partial", "POST /cb HTTP/1.1\r\nHost: x\r\n", State::incomplete, 0},
        HeadCase{"PartialCr", "POST /cb HTTP/1.1\r", State::incomplete, 0},
        HeadCase{"BothFramings", head("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n"),
                 State::rejected, 400},
        HeadCase{"TwoLengths", head("Content-Length: 3\r\ncontent-length: 4\r\n"), State::rejected,
                 400},
        HeadCase{"SameLengthTwice", head("Content-Length: 3\r\nContent-Length: 3\r\n"),
                 State::complete, 0},
        HeadCase{"SignedLength", head("Content-Length: +3\r\n"), State::rejected, 400},
        HeadCase{"HexLength", head("Content-Length: 0x3\r\n"), State::rejected, 400},
        HeadCase{"GzipEncoding", head("Transfer-Encoding: gzip\r\n"), State::rejected, 501},
        HeadCase{"ChunkedTwice",
                 head("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"),
                 State::rejected, 501},
        HeadCase{"BareLf", head("A: b\nC: d\r\n"), State::rejected, 400},
        HeadCase{"BareCr", head("A: b\rC: d\r\n"), State::rejected, 400},
        HeadCase{"Nul", head(std::string("A: b\0c\r\n", 8)), State::rejected, 400},
        HeadCase{"Folding", head("A: b\r\n c\r\n"), State::rejected, 400},
        HeadCase{"SpaceBeforeColon", head("Content-Length : 3\r\n"), State::rejected, 400},
        HeadCase{"NoColon", head("Nonsense\r\n"), State::rejected, 400},
        HeadCase{"TooManyFields",
                 head("A: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\nF: 1\r\nG: 1\r\nH: 1\r\n"),
                 State::rejected, 431},
        HeadCase{"TooLongNoEnd", "POST /cb HTTP/1.1\r\nX: " + std::string(2000, 'a'),
                 State::rejected, 431},
        HeadCase{"EmptyRequestLine", "\r\n", State::rejected, 400}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(RequestHead, ReadyWhenTheBodyHasArrived) {
  std::string text = head("Content-Length: 3\r\n");
  RequestHead result = scan_request_head(text, kLimits);
  ASSERT_EQ(result.state, State::complete);
  EXPECT_EQ(result.head_bytes, text.size());
  EXPECT_FALSE(request_ready(result, text.size() + 2, kLimits));
  EXPECT_TRUE(request_ready(result, text.size() + 3, kLimits));
  RequestHead chunked = scan_request_head(head("Transfer-Encoding: chunked\r\n"), kLimits);
  EXPECT_TRUE(request_ready(chunked, 0, kLimits));
  RequestHead oversize = scan_request_head(head("Content-Length: 5000\r\n"), kLimits);
  EXPECT_TRUE(request_ready(oversize, 0, kLimits));
  RequestHead expect =
      scan_request_head(head("Content-Length: 3\r\nExpect: 100-continue\r\n"), kLimits);
  EXPECT_TRUE(request_ready(expect, 0, kLimits));
}

TEST(BasicAuth, ChecksSchemeAndCredentials) {
  BasicAuth auth("jumio", "pa:ss");
  EXPECT_TRUE(auth.accepts("Basic anVtaW86cGE6c3M="));  // jumio:pa:ss
  EXPECT_TRUE(auth.accepts("basic anVtaW86cGE6c3M="));
  EXPECT_FALSE(auth.accepts("Basic anVtaW86cGE6c3Q="));  // jumio:pa:st
  EXPECT_FALSE(auth.accepts("Bearer anVtaW86cGE6c3M="));
  EXPECT_FALSE(auth.accepts("Basic !!!!"));
  EXPECT_FALSE(auth.accepts("Basic anVtaW86cGE6"));  // jumio:pa:
  EXPECT_FALSE(auth.accepts(""));
  EXPECT_TRUE(BasicAuth("", "").accepts(""));
}

}  // namespace
}  // namespace jb::http
