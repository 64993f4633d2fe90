#include "http/routes.h"

namespace jb::http {

bool is_known_method(std::string_view method) {
  for (std::string_view known :
       {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"})
    if (method == known) return true;
  return false;
}

}  // namespace jb::http
