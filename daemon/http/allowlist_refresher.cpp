#include "http/allowlist_refresher.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>

#include "common/log.h"

namespace jb::http {

Resolver system_resolver() {
  return [](const std::string& host, std::vector<std::string>* addresses, std::string* error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int status = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
    if (status != 0) {
      *error = ::gai_strerror(status);
      return false;
    }
    for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
      char text[INET6_ADDRSTRLEN] = {};
      if (entry->ai_family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(entry->ai_addr)->sin_addr, text,
                  sizeof text);
      } else if (entry->ai_family == AF_INET6) {
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(entry->ai_addr)->sin6_addr, text,
                  sizeof text);
      }
      if (text[0] != '\0') addresses->push_back(text);
    }
    ::freeaddrinfo(found);
    return true;
  };
}

AllowlistRefresher::AllowlistRefresher(Resolver resolver, Apply apply,
                                       metrics::ServeMetrics* metrics)
    : resolver_(std::move(resolver)), apply_(std::move(apply)), metrics_(metrics) {
  thread_ = std::thread([this] { run(); });
}

AllowlistRefresher::~AllowlistRefresher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void AllowlistRefresher::configure(const config::SecurityConfig& security) {
  std::shared_ptr<const Allowlist> allowlist;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    security_ = security;
    // Data centres no longer configured are forgotten.
    for (auto it = resolved_.begin(); it != resolved_.end();) {
      const auto& centres = security_.jumio_datacenters;
      it = std::find(centres.begin(), centres.end(), it->first) == centres.end()
               ? resolved_.erase(it)
               : std::next(it);
    }
    allowlist = build();
    refresh_now_ = !security_.jumio_datacenters.empty();
  }
  apply_(std::move(allowlist));
  wake_.notify_all();
}

std::shared_ptr<const Allowlist> AllowlistRefresher::build() const {
  std::vector<std::string> resolved;
  const auto& centres = security_.jumio_datacenters;
  for (const auto& [centre, hosts] : resolved_) {
    if (std::find(centres.begin(), centres.end(), centre) == centres.end()) continue;
    for (const auto& [host, addresses] : hosts)
      resolved.insert(resolved.end(), addresses.begin(), addresses.end());
  }
  return std::make_shared<const Allowlist>(security_.allow, security_.jumio_datacenters,
                                           security_.trusted_proxies, resolved);
}

void AllowlistRefresher::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    if (!refresh_now_) {
      auto woken = [this] { return stop_ || refresh_now_; };
      if (security_.jumio_datacenters.empty()) {
        wake_.wait(lock, woken);
      } else {
        wake_.wait_for(lock, std::chrono::seconds(security_.jumio_refresh_s), woken);
      }
      if (stop_) break;
    }
    refresh_now_ = false;
    if (security_.jumio_datacenters.empty()) continue;
    const config::SecurityConfig security = security_;
    lock.unlock();
    const bool changed = refresh(security);
    lock.lock();
    if (changed && !stop_) {
      std::shared_ptr<const Allowlist> allowlist = build();
      lock.unlock();
      apply_(std::move(allowlist));
      lock.lock();
    }
  }
}

bool AllowlistRefresher::refresh(const config::SecurityConfig& security) {
  bool changed = false;
  for (const std::string& centre : security.jumio_datacenters) {
    for (const std::string& host : jumio_callback_hosts(centre)) {
      std::vector<std::string> addresses;
      std::string error;
      const bool found = resolver_(host, &addresses, &error) && !addresses.empty();
      if (metrics_) metrics_->count_jumio_lookup(centre, found);
      std::lock_guard<std::mutex> lock(mutex_);
      auto& known = resolved_[centre][host];
      if (!found) {
        if (error.empty()) error = "no addresses";
        log::warn(
            "Jumio callback host lookup failed; keeping the last good addresses",
            {{"datacenter", centre}, {"host", host}, {"error", error}, {"kept", known.size()}});
        continue;
      }
      std::sort(addresses.begin(), addresses.end());
      addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
      if (addresses == known) continue;
      known = std::move(addresses);
      changed = true;
      log::info("Jumio callback addresses updated",
                {{"datacenter", centre}, {"host", host}, {"addresses", known.size()}});
    }
  }
  return changed;
}

}  // namespace jb::http
