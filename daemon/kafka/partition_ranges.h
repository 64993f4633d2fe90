// Where a consumer group stands on one topic, for `replay`: it reads up to the end it saw at start.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace jb::kafka {

struct PartitionRange {
  int32_t partition = -1;
  int64_t committed = -1;  // the group's committed offset; -1 when it has none
  int64_t low = 0;         // oldest offset still in the partition
  int64_t high = 0;        // offset the next record appended will get
};

// Every partition of topic with its watermarks and group's committed offset, asked with a
// short-lived handle that never joins the group. An absent topic gives an empty list. False with
// *error when the cluster does not answer within timeout.
bool partition_ranges(const std::string& brokers,
                      const std::map<std::string, std::string>& properties,
                      const std::string& topic, const std::string& group,
                      std::chrono::milliseconds timeout, std::vector<PartitionRange>* out,
                      std::string* error);

}  // namespace jb::kafka
