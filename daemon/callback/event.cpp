#include "callback/event.h"

namespace jb::callback {

std::string_view kind_type(Kind kind) {
  switch (kind) {
    case Kind::netverify:
      return "netverify";
    case Kind::authentication:
      return "authentication";
    case Kind::document:
      return "document";
    case Kind::workflow:
      return "workflow";
  }
  return "unknown";
}

std::string_view origin_name(Origin origin) {
  return origin == Origin::retrieval ? "retrieval" : "callback";
}

std::string_view kind_callback_type(Kind kind) {
  switch (kind) {
    case Kind::netverify:
      return "NETVERIFYID";
    case Kind::authentication:
      return "NETVERIFY_AUTHENTICATION";
    case Kind::document:
      return "DOCUMENT_VERIFICATION";
    case Kind::workflow:
      return "WORKFLOW";
  }
  return "UNKNOWN";
}

}  // namespace jb::callback
