// The OAuth2 token source without sockets: reading the token endpoint's answer, a JWT's exp, the
// renewal margin, one request for many waiting threads, renewal and invalidate().
#include "retrieval_api/token.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "common/sha256.h"

namespace jb::retrieval_api {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Obtained = TokenSource::Obtained;

std::string base64url(const std::string& bytes) {
  std::string text = base64_encode(bytes);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return text;
}

std::string jwt_with_payload(const std::string& payload) {
  return base64url(R"({"alg":"RS256"})") + "." + base64url(payload) + ".c2lnbmF0dXJl";
}

TEST(TokenAnswer, ReadsTokenAndLifetime) {
  std::string problem;
  auto grant = read_token_answer(
      R"({"access_token":"abc.def.ghi","expires_in":3600,"token_type":"Bearer"})", &problem);
  ASSERT_TRUE(grant) << problem;
  EXPECT_EQ(grant->access_token, "abc.def.ghi");
  EXPECT_EQ(grant->expires_in, seconds(3600));
  EXPECT_TRUE(read_token_answer(R"({"access_token":"x","token_type":"bearer"})", &problem));
}

TEST(TokenAnswer, RefusesWhatIsNotAGrantWithoutQuotingTheToken) {
  for (const char* body : {
           "not json",
           "[]",
           R"({"expires_in":3600})",
           R"({"access_token":""})",
           R"({"access_token":5})",
           R"({"access_token":"secret-token-1 x"})",
           R"({"access_token":"secret-token-1","expires_in":-1})",
           R"({"access_token":"secret-token-1","expires_in":"3600"})",
           R"({"access_token":"secret-token-1","token_type":"MAC"})",
       }) {
    std::string problem;
    EXPECT_FALSE(read_token_answer(body, &problem)) << body;
    EXPECT_FALSE(problem.empty()) << body;
    EXPECT_EQ(problem.find("secret-token-1"), std::string::npos) << problem;
  }
}

TEST(JwtExpiry, ReadsTheExpClaim) {
  auto exp = jwt_expiry(jwt_with_payload(R"({"exp":1714641600,"iat":1714638000})"));
  ASSERT_TRUE(exp);
  EXPECT_EQ(std::chrono::duration_cast<seconds>(exp->time_since_epoch()).count(), 1714641600);
  // The spec's sample token.
  EXPECT_TRUE(
      jwt_expiry("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3MTQ2NDE2MDAsImlhdCI6MT"
                 "cxNDYzODAwMH0.c2lnbmF0dXJl"));
}

TEST(JwtExpiry, NothingForOpaqueOrOddTokens) {
  EXPECT_FALSE(jwt_expiry("opaque-token"));
  EXPECT_FALSE(jwt_expiry("a.b"));
  EXPECT_FALSE(jwt_expiry(jwt_with_payload(R"({"iat":1714638000})")));
  EXPECT_FALSE(jwt_expiry(jwt_with_payload(R"({"exp":"soon"})")));
  EXPECT_FALSE(jwt_expiry(jwt_with_payload(R"({"exp":5})")));
  EXPECT_FALSE(jwt_expiry(jwt_with_payload("not json")));
  EXPECT_FALSE(jwt_expiry("x.!!!.y"));
}

TEST(RenewalMargin, FiveMinutesOrAQuarterOfAShortLifetime) {
  EXPECT_EQ(renewal_margin(seconds(3600)), seconds(300));
  EXPECT_EQ(renewal_margin(seconds(1200)), seconds(300));
  EXPECT_EQ(renewal_margin(seconds(60)), seconds(15));
  EXPECT_EQ(renewal_margin(seconds(0)), seconds(0));
}

// A source whose requests answer tokens "t1", "t2", ... living `lifetime`, after `delay`.
struct Counted {
  std::atomic<int> requests{0};
  seconds lifetime{3600};
  milliseconds delay{0};
  Obtained::Outcome outcome = Obtained::Outcome::ok;

  TokenSource::Request request() {
    return [this](std::optional<TokenGrant>* grant) {
      const int n = ++requests;
      std::this_thread::sleep_for(delay);
      Obtained obtained;
      obtained.outcome = outcome;
      if (outcome == Obtained::Outcome::ok)
        *grant = TokenGrant{"t" + std::to_string(n), lifetime};
      else
        obtained.error = "refused";
      return obtained;
    };
  }
};

TEST(TokenSource, ManyThreadsShareOneRequest) {
  Counted counted;
  counted.delay = milliseconds(100);
  TokenSource source(counted.request());
  std::vector<std::future<Obtained>> got;
  for (int i = 0; i < 16; ++i)
    got.push_back(std::async(std::launch::async, [&source] { return source.get(); }));
  for (auto& one : got) {
    const Obtained obtained = one.get();
    EXPECT_EQ(obtained.outcome, Obtained::Outcome::ok);
    EXPECT_EQ(obtained.token, "t1");
  }
  EXPECT_EQ(counted.requests, 1);
  EXPECT_EQ(source.requests(), 1u);
}

TEST(TokenSource, InvalidateDropsOnlyTheCurrentToken) {
  Counted counted;
  TokenSource source(counted.request());
  EXPECT_EQ(source.get().token, "t1");
  source.invalidate("t0");  // an older token: nothing changes
  EXPECT_EQ(source.get().token, "t1");
  source.invalidate("t1");
  EXPECT_EQ(source.get().token, "t2");
  EXPECT_EQ(source.get().token, "t2");
  EXPECT_EQ(counted.requests, 2);
}

TEST(TokenSource, ARenewalIsAskedOnceTheMarginIsReached) {
  Counted counted;
  counted.lifetime = seconds(1);  // renewed after 750 ms
  TokenSource source(counted.request());
  EXPECT_EQ(source.get().token, "t1");
  std::this_thread::sleep_for(milliseconds(400));
  EXPECT_EQ(source.get().token, "t1");
  std::this_thread::sleep_for(milliseconds(450));
  EXPECT_EQ(source.get().token, "t2");
}

TEST(TokenSource, TheExpClaimDecidesTheLifetimeUnlessItIsAlreadyPast) {
  const auto now = std::chrono::system_clock::now();
  const auto epoch = [](std::chrono::system_clock::time_point t) {
    return std::to_string(std::chrono::duration_cast<seconds>(t.time_since_epoch()).count());
  };
  std::atomic<int> requests{0};
  std::string payload;
  TokenSource source([&](std::optional<TokenGrant>* grant) {
    ++requests;
    *grant = TokenGrant{jwt_with_payload(payload), seconds(3600)};
    Obtained obtained;
    obtained.outcome = Obtained::Outcome::ok;
    return obtained;
  });
  // exp 2 to 3 s away (whole seconds), expires_in 3600: renewed within 2.25 s, by exp.
  payload = R"({"exp":)" + epoch(now + seconds(3)) + "}";
  source.get();
  std::this_thread::sleep_for(milliseconds(2300));
  source.get();
  EXPECT_EQ(requests, 2);
  // exp already past (a skewed clock): expires_in decides, the token is kept.
  payload = R"({"exp":)" + epoch(now - seconds(600)) + "}";
  source.invalidate(source.get().token);
  source.get();
  source.get();
  EXPECT_EQ(requests, 3);
}

TEST(TokenSource, WaitersShareAFailureAndTheNextCallAsksAgain) {
  Counted counted;
  counted.outcome = Obtained::Outcome::refused;
  counted.delay = milliseconds(100);
  TokenSource source(counted.request());
  std::vector<std::future<Obtained>> got;
  for (int i = 0; i < 4; ++i)
    got.push_back(std::async(std::launch::async, [&source] { return source.get(); }));
  for (auto& one : got) EXPECT_EQ(one.get().outcome, Obtained::Outcome::refused);
  EXPECT_EQ(counted.requests, 1);
  counted.outcome = Obtained::Outcome::ok;
  EXPECT_EQ(source.get().outcome, Obtained::Outcome::ok);
  EXPECT_EQ(counted.requests, 2);
}

}  // namespace
}  // namespace jb::retrieval_api
