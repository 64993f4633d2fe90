#include "common/sha256.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace jb {

std::array<unsigned char, 32> sha256(std::string_view data) {
  // OpenSSL 3's one-shot SHA256() looks the algorithm up on every call; this fetches it once and
  // keeps one digest context per thread.
  static EVP_MD* const algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  struct Context {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Context context;
  std::array<unsigned char, 32> digest{};
  unsigned int length = 0;
  if (algorithm == nullptr || context.ctx == nullptr ||
      !EVP_DigestInit_ex(context.ctx, algorithm, nullptr) ||
      !EVP_DigestUpdate(context.ctx, data.data(), data.size()) ||
      !EVP_DigestFinal_ex(context.ctx, digest.data(), &length)) {
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
  }
  return digest;
}

std::string sha256_hex(std::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  auto digest = sha256(data);
  std::string out;
  out.reserve(64);
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string base64_encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(n);
  return out;
}

bool base64_decode(std::string_view text, std::string* out) {
  if (text.size() % 4 != 0) return false;
  std::string buf(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(buf.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return false;
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') ++pad;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++pad;
  buf.resize(n - pad);
  *out = std::move(buf);
  return true;
}

}  // namespace jb
