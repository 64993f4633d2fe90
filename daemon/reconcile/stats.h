// What the reconcile service did, for /metrics.
#pragma once

#include <chrono>
#include <cstdint>

#include "reconcile/ledger.h"
#include "retrieval_api/client.h"

namespace jb::reconcile {

// What the Jumio Platform's results (workflow_results.h) did.
struct WorkflowStats {
  uint64_t read = 0;          // notifications read
  uint64_t unreadable = 0;    // records on the topic that are not notifications (skipped)
  uint64_t non_terminal = 0;  // notifications with a status that needs no fetch
  uint64_t duplicates = 0;    // terminal notifications of an execution already in hand or done
  uint64_t asks = 0;          // details requests that got an outcome
  uint64_t retries = 0;       // asks that failed and will be made again
  uint64_t published = 0;     // workflow events acknowledged by Kafka
  uint64_t dead_lettered = 0;
  uint64_t given_up = 0;         // not found after every wait of the schedule
  uint64_t commit_failures = 0;  // offset commits the broker refused (made again)
  uint64_t in_hand = 0;          // executions being fetched or waiting for their next ask
};

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
  WorkflowStats workflow;
};

}  // namespace jb::reconcile
