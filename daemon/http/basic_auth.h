// HTTP Basic authentication of the callback path (RFC 7617).
#pragma once

#include <string>
#include <string_view>

namespace jb::http {

class BasicAuth {
 public:
  // Disabled (everything passes) when user is empty.
  BasicAuth(std::string user, std::string password);

  bool enabled() const { return !expected_.empty(); }
  // True when disabled, or when `authorization` is "Basic base64(user:password)" with the
  // configured credentials; compared in constant time.
  bool accepts(std::string_view authorization) const;

 private:
  std::string expected_;  // "user:password"
};

}  // namespace jb::http
