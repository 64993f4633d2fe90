#include "retrieval_api/token.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <utility>

#include "common/sha256.h"

namespace jb::retrieval_api {
namespace {

using Clock = std::chrono::steady_clock;

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// base64url without padding (RFC 7515) to bytes.
bool base64url_decode(std::string_view text, std::string* out) {
  std::string standard(text);
  for (char& c : standard) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (standard.size() % 4 != 0) standard += '=';
  return base64_decode(standard, out);
}

}  // namespace

std::optional<TokenGrant> read_token_answer(std::string_view body, std::string* problem) {
  rapidjson::Document document;
  document.Parse(body.data(), body.size());
  if (document.HasParseError() || !document.IsObject()) {
    *problem = "the token endpoint's answer is not a JSON object";
    return std::nullopt;
  }
  TokenGrant grant;
  auto token = document.FindMember("access_token");
  if (token == document.MemberEnd() || !token->value.IsString() ||
      token->value.GetStringLength() == 0) {
    *problem = "the token endpoint's answer has no access_token";
    return std::nullopt;
  }
  grant.access_token.assign(token->value.GetString(), token->value.GetStringLength());
  for (char c : grant.access_token) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      *problem = "the token endpoint's access_token holds a space or control character";
      return std::nullopt;
    }
  }
  auto expires = document.FindMember("expires_in");
  if (expires != document.MemberEnd()) {
    if (!expires->value.IsInt64() || expires->value.GetInt64() < 0) {
      *problem = "the token endpoint's expires_in is not a non-negative integer";
      return std::nullopt;
    }
    grant.expires_in = std::chrono::seconds(
        std::min<int64_t>(expires->value.GetInt64(), int64_t{365} * 24 * 3600));
  }
  auto type = document.FindMember("token_type");
  if (type != document.MemberEnd() &&
      (!type->value.IsString() ||
       !equals_ignoring_case(
           std::string_view(type->value.GetString(), type->value.GetStringLength()), "Bearer"))) {
    *problem = "the token endpoint's token_type is not Bearer";
    return std::nullopt;
  }
  return grant;
}

std::optional<std::chrono::system_clock::time_point> jwt_expiry(std::string_view token) {
  const size_t first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  std::string payload;
  if (!base64url_decode(token.substr(first + 1, second - first - 1), &payload)) return std::nullopt;
  rapidjson::Document document;
  document.Parse(payload.data(), payload.size());
  if (document.HasParseError() || !document.IsObject()) return std::nullopt;
  auto exp = document.FindMember("exp");
  if (exp == document.MemberEnd() || !exp->value.IsNumber()) return std::nullopt;
  const double seconds = exp->value.GetDouble();
  // Within a sane range: after 2000-01-01, before 2100-01-01.
  if (!(seconds > 946684800.0 && seconds < 4102444800.0)) return std::nullopt;
  return std::chrono::system_clock::time_point(std::chrono::seconds(static_cast<int64_t>(seconds)));
}

Clock::duration renewal_margin(Clock::duration lifetime) {
  if (lifetime <= Clock::duration::zero()) return Clock::duration::zero();
  return std::min<Clock::duration>(kTokenRenewalMargin, lifetime / 4);
}

TokenSource::TokenSource(Request request) : request_(std::move(request)) {}

TokenSource::Obtained TokenSource::get() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    const auto now = Clock::now();
    if (!token_.empty() && now < renew_at_) break;
    if (!asking_) {
      asking_ = true;
      ++requests_;
      lock.unlock();
      std::optional<TokenGrant> grant;
      Obtained obtained = request_(&grant);
      const auto fetched_at = Clock::now();
      lock.lock();
      asking_ = false;
      ++generation_;
      if (obtained.outcome == Obtained::Outcome::ok && grant) {
        // The expiry the token states, on the steady clock; else (no exp, or one already past by
        // our clock: a skewed clock) the answer's expires_in.
        Clock::duration lifetime = grant->expires_in;
        if (auto exp = jwt_expiry(grant->access_token)) {
          const auto left =
              std::chrono::duration_cast<Clock::duration>(*exp - std::chrono::system_clock::now());
          if (left > Clock::duration::zero()) lifetime = left;
        }
        token_ = std::move(grant->access_token);
        expires_at_ = fetched_at + lifetime;
        renew_at_ = expires_at_ - renewal_margin(lifetime);
        obtained.token = token_;
        last_ = obtained;
        lock.unlock();
        renewed_.notify_all();
        return obtained;
      }
      last_ = obtained;
      lock.unlock();
      renewed_.notify_all();
      return obtained;
    }
    // Another thread is asking: use the current token while it is unexpired, else wait for it.
    if (!token_.empty() && now < expires_at_) break;
    const uint64_t waiting_for = generation_ + 1;
    renewed_.wait(lock, [&] { return generation_ >= waiting_for; });
    if (last_.outcome != Obtained::Outcome::ok) return last_;
    if (!token_.empty()) break;
  }
  Obtained current;
  current.outcome = Obtained::Outcome::ok;
  current.token = token_;
  return current;
}

void TokenSource::invalidate(const std::string& token) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!token.empty() && token == token_) token_.clear();
}

uint64_t TokenSource::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

}  // namespace jb::retrieval_api
