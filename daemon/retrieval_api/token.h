// The OAuth2 access token of a Retrieval API client (client-credentials grant, Jumio's token
// endpoint): one token shared by every thread, asked for by one thread at a time however many need
// a new one, and reused until shortly before it expires. Its expiry is the JWT's `exp` claim when
// the token decodes as a JWT and exp is still ahead by our clock, else the time it was fetched plus
// `expires_in`; it is renewed once less than min(5 minutes, a quarter of its lifetime) is left. A
// token the API refused (401) is dropped by invalidate(), so that the next caller gets a new one.
// Tokens never appear in errors.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace jb::retrieval_api {

// The longest time before expiry a token is renewed; a short-lived one is renewed when a quarter
// of its lifetime is left.
constexpr std::chrono::seconds kTokenRenewalMargin{300};

// What the token endpoint answered, read (RFC 6749 section 5.1).
struct TokenGrant {
  std::string access_token;
  std::chrono::seconds expires_in{0};  // 0 when the answer has none
};

// The grant of a 200 answer's JSON; nullopt with *problem (never the token) when it has no
// non-empty access_token string, expires_in is not a non-negative integer, or token_type is given
// and is not Bearer (any case).
std::optional<TokenGrant> read_token_answer(std::string_view body, std::string* problem);

// The `exp` claim of a JWT (header.payload.signature, base64url), when there is one.
std::optional<std::chrono::system_clock::time_point> jwt_expiry(std::string_view token);

// How long before expiry a token living `lifetime` is renewed: min(kTokenRenewalMargin,
// lifetime / 4).
std::chrono::steady_clock::duration renewal_margin(std::chrono::steady_clock::duration lifetime);

class TokenSource {
 public:
  // What a token request ended with: a grant, or why not.
  struct Obtained {
    enum class Outcome { ok, refused, failed, stopped };
    Outcome outcome = Outcome::failed;
    std::string token;  // ok
    std::string error;  // refused (credentials or configuration), failed, stopped: for a log line
    int http_status = 0;
  };
  // One request to the token endpoint, with the client's retries; it returns the answer read, or
  // why there is none.
  using Request = std::function<Obtained(std::optional<TokenGrant>* grant)>;

  explicit TokenSource(Request request);
  TokenSource(const TokenSource&) = delete;
  TokenSource& operator=(const TokenSource&) = delete;

  // The current token, or a new one when there is none or it is due for renewal. While one thread
  // asks for a new token, the others wait for it (or keep using the old one while it is still
  // unexpired); all of them get the one request's outcome.
  Obtained get();
  // Drops `token` if it is still the current one (the API answered 401 to it).
  void invalidate(const std::string& token);
  // Token requests made (each get() that asked the endpoint, whatever it answered).
  uint64_t requests() const;

 private:
  const Request request_;
  mutable std::mutex mutex_;
  std::condition_variable renewed_;
  std::string token_;  // "" when none
  std::chrono::steady_clock::time_point renew_at_;
  std::chrono::steady_clock::time_point expires_at_;
  bool asking_ = false;
  uint64_t generation_ = 0;  // completed requests
  Obtained last_;            // the last request's outcome
  uint64_t requests_ = 0;
};

}  // namespace jb::retrieval_api
