// What the reconcile service did, for /metrics.
#pragma once

#include <chrono>
#include <cstdint>

#include "reconcile/ledger.h"
#include "retrieval_api/client.h"

namespace jb::reconcile {

struct Stats {
  Counts counts;
  uint64_t invalid_expected = 0;    // expected records that could not be read
  uint64_t asks = 0;                // asks made (a status request, and the details when final)
  uint64_t published = 0;           // events published from the Retrieval API
  uint64_t dead_lettered = 0;       // answers that could not become an event
  uint64_t publish_failures = 0;    // records Kafka did not acknowledge
  uint64_t settled_during_ask = 0;  // asks ended because the reference's event was read meanwhile
  retrieval_api::Counts api;        // requests and answers by HTTP status
  bool caught_up = false;           // the settled topics were read to their ends
  bool unauthorized = false;        // Jumio refused the credentials
  uint64_t held = 0;                // expected references held (pending and settled)
  uint64_t early_held = 0;          // settlements held for references not expected (yet)
  uint64_t settled_partitions = 0;  // partitions of the settled topics this instance reads
};

}  // namespace jb::reconcile
