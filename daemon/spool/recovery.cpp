// Opening the spool: lock the directory, scan every segment, cut off a torn or corrupt tail.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/log.h"
#include "spool/spool.h"

namespace jb::spool {
namespace {

constexpr const char* kSegmentPrefix = "spool-";
constexpr const char* kSegmentSuffix = ".log";

// The segment number of a file name "spool-<digits>.log", or 0.
uint64_t segment_number(const std::string& name) {
  const std::string prefix = kSegmentPrefix, suffix = kSegmentSuffix;
  if (name.size() <= prefix.size() + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return 0;
  const std::string digits =
      name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return 0;
  return std::strtoull(digits.c_str(), nullptr, 10);
}

bool read_file(int fd, std::string* bytes) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  bytes->resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < bytes->size()) {
    ssize_t n = ::pread(fd, bytes->data() + done, bytes->size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool sync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

std::string system_error(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

}  // namespace

std::unique_ptr<Spool> Spool::open(const Options& options, std::string* error) {
  std::unique_ptr<Spool> spool(new Spool(options));
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  const std::string lock_path = options.dir + "/lock";
  spool->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (spool->lock_fd_ < 0) {
    *error = system_error("cannot open " + lock_path);
    return nullptr;
  }
  if (::flock(spool->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    *error = "spool.dir " + options.dir + " is in use by another process";
    return nullptr;
  }
  if (!spool->recover(error)) return nullptr;
  const Stats stats = spool->stats();
  log::info("spool opened", {{"dir", options.dir},
                             {"records", stats.records},
                             {"bytes", stats.bytes}});
  spool->writer_ = std::thread([raw = spool.get()] { raw->write_loop(); });
  return spool;
}

bool Spool::recover(std::string* error) {
  DIR* dir = ::opendir(options_.dir.c_str());
  if (!dir) {
    *error = system_error("cannot read " + options_.dir);
    return false;
  }
  std::vector<uint64_t> numbers;
  while (dirent* item = ::readdir(dir))
    if (uint64_t number = segment_number(item->d_name)) numbers.push_back(number);
  ::closedir(dir);
  std::sort(numbers.begin(), numbers.end());
  for (uint64_t number : numbers)
    if (!recover_segment(number, error)) return false;
  next_segment_ = numbers.empty() ? 1 : numbers.back() + 1;
  return true;
}

bool Spool::recover_segment(uint64_t number, std::string* error) {
  const std::string path = segment_path(number);
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  std::string bytes;
  if (fd < 0 || !read_file(fd, &bytes)) {
    *error = system_error("cannot read " + path);
    if (fd >= 0) ::close(fd);
    return false;
  }
  uint64_t offset = 0;
  uint64_t records = 0;
  FrameStatus status = FrameStatus::ok;
  while (offset < bytes.size()) {
    SpooledRecord spooled;
    size_t frame_size = 0;
    status = decode_frame(std::string_view(bytes).substr(offset), &spooled, &frame_size);
    if (status != FrameStatus::ok) break;
    entries_.push_back(
        {number, offset, static_cast<uint32_t>(frame_size), spooled.spooled_at_ms, State::waiting});
    offset += frame_size;
    ++records;
  }
  if (offset < bytes.size()) {
    log::warn("spool tail cut off",
              {{"segment", path},
               {"offset", offset},
               {"dropped_bytes", bytes.size() - offset},
               {"reason", status == FrameStatus::incomplete ? "torn_write" : "corrupt"}});
    ++stats_.torn_tails;
    if (::ftruncate(fd, static_cast<off_t>(offset)) != 0 || ::fdatasync(fd) != 0) {
      *error = system_error("cannot cut off the torn tail of " + path);
      ::close(fd);
      return false;
    }
  }
  if (records == 0) {
    ::close(fd);
    ::unlink(path.c_str());
    return true;
  }
  segments_[number] = Segment{fd, offset, records};
  stats_.records += records;
  stats_.bytes += offset;
  stats_.disk_bytes += offset;
  return true;
}

bool Spool::roll_segment() {
  const uint64_t number = next_segment_++;
  const std::string path = segment_path(number);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 || !sync_directory(options_.dir)) {
    log::error("spool segment cannot be created", {{"error", std::strerror(errno)}});
    if (fd >= 0) {
      ::close(fd);
      ::unlink(path.c_str());
    }
    return false;
  }
  if (active_ != 0 && segments_[active_].live == 0) forget_segment(active_);
  active_ = number;
  segments_[number] = Segment{fd, 0, 0};
  return true;
}

std::string Spool::segment_path(uint64_t number) const {
  char name[64];
  std::snprintf(name, sizeof name, "%s%016llu%s", kSegmentPrefix,
                static_cast<unsigned long long>(number), kSegmentSuffix);
  return options_.dir + "/" + name;
}

}  // namespace jb::spool
