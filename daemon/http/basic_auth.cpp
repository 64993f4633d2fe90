#include "http/basic_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <vector>

namespace jb::http {
namespace {

constexpr size_t kMaxCredentialsLength = 1024;

// Base64 decoding of `text`; false when it is not canonical base64.
bool decode_base64(std::string_view text, std::string* out) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > kMaxCredentialsLength) return false;
  std::vector<unsigned char> bytes(text.size() / 4 * 3);
  int length = EVP_DecodeBlock(bytes.data(), reinterpret_cast<const unsigned char*>(text.data()),
                               static_cast<int>(text.size()));
  if (length < 0) return false;
  size_t padding = (text.back() == '=') + (text.size() > 1 && text[text.size() - 2] == '=');
  out->assign(reinterpret_cast<const char*>(bytes.data()), static_cast<size_t>(length) - padding);
  return true;
}

}  // namespace

BasicAuth::BasicAuth(std::string user, std::string password)
    : expected_(user.empty() ? std::string() : user + ":" + password) {}

bool BasicAuth::accepts(std::string_view authorization) const {
  if (!enabled()) return true;
  constexpr std::string_view kScheme = "Basic ";
  if (authorization.size() < kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    char c = authorization[i];
    char lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    char expected = kScheme[i] >= 'A' && kScheme[i] <= 'Z'
                        ? static_cast<char>(kScheme[i] - 'A' + 'a')
                        : kScheme[i];
    if (lower != expected) return false;
  }
  std::string credentials;
  if (!decode_base64(authorization.substr(kScheme.size()), &credentials)) return false;
  // Equal lengths are compared in constant time; the length itself is not secret-bearing enough
  // to hide, but the comparison still runs over the expected value.
  bool same_length = credentials.size() == expected_.size();
  const std::string& compared = same_length ? credentials : expected_;
  bool same_bytes = CRYPTO_memcmp(compared.data(), expected_.data(), expected_.size()) == 0;
  return same_length && same_bytes;
}

}  // namespace jb::http
