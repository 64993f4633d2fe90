// Per partition, how far a consumer may commit: only past records whose outcome is final.
#pragma once

#include <cstdint>
#include <map>
#include <set>

namespace jb::replay {

class CommitTracker {
 public:
  // A record was read; its outcome is not final yet.
  void begin(int32_t partition, int64_t offset);
  // Its outcome is final (acknowledged by Kafka, or nothing to publish). A record that is begun
  // and never finished holds the position of its partition at its own offset.
  void finish(int32_t partition, int64_t offset);
  // Per partition, the position (next offset to read) that is ahead of the last one committed.
  std::map<int32_t, int64_t> advanced() const;
  // The position was committed.
  void committed(int32_t partition, int64_t position);
  // The partition is no longer read here (revoked): nothing of it is tracked any more.
  void forget(int32_t partition) { partitions_.erase(partition); }

 private:
  struct Partition {
    std::set<int64_t> pending;
    int64_t finished_up_to = -1;  // one past the highest finished offset; -1 before any
    int64_t committed = -1;
  };
  std::map<int32_t, Partition> partitions_;
};

}  // namespace jb::replay
