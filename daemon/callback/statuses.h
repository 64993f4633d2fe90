// Every status Jumio's callbacks carry, by kind: the one table the callback readers check statuses
// against and that tells every topic an event can be routed to (reconcile watches all of them).
#pragma once

#include <string_view>
#include <vector>

#include "callback/event.h"

namespace jb::callback {

// The statuses an event of the kind can have (what routes it): Netverify's verificationStatus,
// Authentication's transactionResult, for Document Verification document.status or FAILED, and
// for a workflow event its decision.type.
const std::vector<std::string_view>& event_statuses(Kind kind);
// Document Verification's document.status values (an event status when transaction.status is
// DONE).
const std::vector<std::string_view>& document_statuses();
// Document Verification's transaction.status values.
const std::vector<std::string_view>& document_transaction_statuses();

}  // namespace jb::callback
