// Removing personal data an operator must not publish: privacy.drop_fields and the spec's
// Netverify masking table. Pure: canonical event JSON in, canonical event JSON out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace jb::callback {

struct PrivacyRules {
  // Parameters removed from "data": a name ("idNumber") or a dotted path into a JSON-valued
  // parameter ("idAddress.line1", "document.extractedData.ssn").
  std::vector<std::string> drop_fields;
  // Drops what "Netverify Masking" lists for the document's idCountry x idType; in a workflow event
  // the same for extractedData's issuingCountry x type, under its names (idNumber: documentNumber,
  // idDob: dateOfBirth and dateOfBirthParts, personalNumber; idCheckMRZcode has none).
  bool netverify_masking = false;
};

// The parameters the masking table withholds for a Netverify idCountry (alpha-3) and idType
// (PASSPORT, ID_CARD, DRIVING_LICENSE); empty when the pair is not in the table.
std::vector<std::string_view> netverify_masked_fields(std::string_view id_country,
                                                      std::string_view id_type);

// Applies the rules to *event_json (an event of callback/event.h) in place. False, leaving it
// unchanged, when it is not a JSON object with a "data" object.
bool apply_privacy(const PrivacyRules& rules, std::string* event_json);

}  // namespace jb::callback
