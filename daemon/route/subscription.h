// Which topics hold what the router writes: the subscription of `consume` when none is given.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace jb::route {

// A regex (leading '^', POSIX extended syntax as librdkafka expects) matching every topic the
// template can produce, followed by every override topic, the platform callbacks' notification
// topic and the dead-letter topic.
std::vector<std::string> routed_topics(const config::TopicsConfig& topics);

}  // namespace jb::route
