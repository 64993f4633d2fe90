#include "address/address.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "address/members.h"
#include "common/same_text.h"
#include "common/utf8.h"

namespace jb::address {
namespace {

using detail::country_member;

std::string_view name_of(const rapidjson::Value::ConstMemberIterator& member) {
  return {member->name.GetString(), member->name.GetStringLength()};
}

// Every member name any format has, as an index into the values read from an address.
enum Slot : int {
  kLine1,  // kLine1 + 0..4: line1..line5
  kCity = kLine1 + 5,
  kSubdivision,
  kPostalCode,
  kCountry,
  kCountryCode,
  kFormatted,
  kStreetNumber,
  kStreetDirection,
  kStreetName,
  kStreetSuffix,
  kUnitDetails,
  kUnitDesignator,
  kUnitNumber,
  kStateCode,
  kProvince,
  kZip,
  kZipExtension,
  kSlotCount,
};

struct SlotName {
  std::string_view name;
  Slot slot;
};

constexpr SlotName kSlotNames[] = {
    {"line1", kLine1},
    {"line2", static_cast<Slot>(kLine1 + 1)},
    {"line3", static_cast<Slot>(kLine1 + 2)},
    {"line4", static_cast<Slot>(kLine1 + 3)},
    {"line5", static_cast<Slot>(kLine1 + 4)},
    {"city", kCity},
    {"subdivision", kSubdivision},
    {"postalCode", kPostalCode},
    {"country", kCountry},
    {"countryCode", kCountryCode},
    {detail::kFormattedAddress, kFormatted},
    {"streetNumber", kStreetNumber},
    {"streetDirection", kStreetDirection},
    {"streetName", kStreetName},
    {"streetSuffix", kStreetSuffix},
    {"unitDetails", kUnitDetails},
    {"unitDesignator", kUnitDesignator},
    {"unitNumber", kUnitNumber},
    {"stateCode", kStateCode},
    {"province", kProvince},
    {"zip", kZip},
    {"zipExtension", kZipExtension},
};

constexpr size_t longest_name() {
  size_t longest = 0;
  for (const SlotName& entry : kSlotNames) longest = std::max(longest, entry.name.size());
  return longest;
}
constexpr size_t kLongestName = longest_name();

constexpr size_t most_names_of_one_length() {
  size_t most = 0;
  for (size_t length = 0; length <= kLongestName; ++length) {
    size_t count = 0;
    for (const SlotName& entry : kSlotNames) count += entry.name.size() == length ? 1 : 0;
    most = count > most ? count : most;
  }
  return most;
}

// The slot of a member name, or kSlotCount for a name no format has: only the names of its length
// are compared (line1..line5 share one; otherwise at most three do).
Slot slot_of(std::string_view name) {
  struct BySize {
    // Each length's names, ending at a null pointer.
    const SlotName* names[kLongestName + 1][most_names_of_one_length() + 1] = {};
  };
  static const BySize by_size = [] {
    BySize table;
    for (const SlotName& entry : kSlotNames) {
      const SlotName** list = table.names[entry.name.size()];
      while (*list != nullptr) ++list;
      *list = &entry;
    }
    return table;
  }();
  if (name.size() > kLongestName) return kSlotCount;
  for (const SlotName* const* entry = by_size.names[name.size()]; *entry != nullptr; ++entry) {
    if (same_text((*entry)->name, name)) return (*entry)->slot;
  }
  return kSlotCount;
}

using SlotSet = uint32_t;
static_assert(kSlotCount <= 32, "a SlotSet holds every slot");

constexpr SlotSet bit(int slot) {
  return SlotSet{1} << slot;
}

constexpr SlotSet kRawOnly = bit(kLine1) | bit(kLine1 + 1) | bit(kLine1 + 2) | bit(kLine1 + 3) |
                             bit(kLine1 + 4) | bit(kSubdivision);
constexpr SlotSet kUsOnly = bit(kStreetDirection) | bit(kStreetSuffix) | bit(kUnitDesignator) |
                            bit(kUnitNumber) | bit(kZip) | bit(kZipExtension) | bit(kStateCode);
constexpr SlotSet kEuStreet =
    bit(kProvince) | bit(kUnitDetails) | bit(kStreetName) | bit(kStreetNumber);
constexpr SlotSet kStreetMembers = bit(kStreetNumber) | bit(kStreetDirection) | bit(kStreetName) |
                                   bit(kStreetSuffix) | bit(kUnitDetails) | bit(kUnitDesignator) |
                                   bit(kUnitNumber);
constexpr SlotSet kUsPostalMembers = bit(kZip) | bit(kZipExtension);

// The slot of each member of an address object, in member order: looked up once per member. The
// slots live in one buffer per thread, so one MemberSlots is in use at a time on a thread.
class MemberSlots {
 public:
  explicit MemberSlots(const rapidjson::Value& address) {
    thread_local std::vector<Slot> slots;  // reused: its memory stays at the most members seen
    slots.clear();
    for (auto member = address.MemberBegin(); member != address.MemberEnd(); ++member)
      slots.push_back(slot_of(name_of(member)));
    slots_ = &slots;
  }
  Slot operator[](size_t index) const { return (*slots_)[index]; }

 private:
  const std::vector<Slot>* slots_;
};

// The string value of the first member of each name (empty when absent or not a string), as
// string_member reads them.
struct Values {
  std::string_view of[kSlotCount];

  Values(const rapidjson::Value& address, const MemberSlots& slots) {
    SlotSet seen = 0;
    size_t index = 0;
    for (auto member = address.MemberBegin(); member != address.MemberEnd(); ++member) {
      const Slot slot = slots[index++];
      if (slot == kSlotCount || (seen & bit(slot)) != 0) continue;
      seen |= bit(slot);
      if (member->value.IsString())
        of[slot] = {member->value.GetString(), member->value.GetStringLength()};
    }
  }
};

// Appends `word` after `separator` (none before the text's first word); an empty word adds
// nothing.
void append_word(detail::TextWriter& text, std::string_view word, char separator = ' ') {
  if (word.empty()) return;
  if (!text.empty()) text.put(separator);
  text.put(word);
}

// The street line of the US and EU street members: "streetNumber streetDirection streetName
// streetSuffix unitDetails unitDesignator. unitNumber". US members alone give Jumio's US line1, EU
// members alone its EU line1.
void street_line(const Values& values, detail::TextBuffer* line) {
  constexpr Slot kWords[] = {kStreetNumber, kStreetDirection, kStreetName, kStreetSuffix,
                             kUnitDetails};
  const std::string_view designator = values.of[kUnitDesignator];
  const std::string_view number = values.of[kUnitNumber];
  std::size_t bound = designator.size() + number.size() + 3;  // ' ', '.' and ' ' around them
  for (Slot slot : kWords) bound += values.of[slot].size() + 1;
  detail::TextWriter text(line, bound);
  for (Slot slot : kWords) append_word(text, values.of[slot]);
  if (designator.empty() && number.empty()) return;
  if (!text.empty()) text.put(' ');
  text.put(designator);
  if (!designator.empty() && designator.back() != '.') text.put('.');
  if (!number.empty()) {
    if (!designator.empty()) text.put(' ');
    text.put(number);
  }
}

// "zip-zipExtension", either alone when the other is absent.
void us_postal_code(const Values& values, detail::TextBuffer* code) {
  const std::string_view zip = values.of[kZip];
  const std::string_view extension = values.of[kZipExtension];
  code->clear();
  detail::TextWriter text(code, zip.size() + 1 + extension.size());
  text.put(zip);
  append_word(text, extension, '-');
}

// The Raw members, before they are written, and the input members whose values they hold. Parts
// refer to the address's values or to the composed street line and US postal code.
struct RawParts {
  std::string_view lines[5];
  std::string_view city;
  std::string_view subdivision;
  std::string_view postal_code;
  std::string_view country;
  SlotSet used = 0;

  // Sets *part to the first candidate with a value and records the members it came from.
  struct Candidate {
    std::string_view value;
    SlotSet members;
  };
  void fill(std::string_view* part, std::initializer_list<Candidate> candidates) {
    for (const Candidate& candidate : candidates) {
      if (candidate.value.empty()) continue;
      *part = candidate.value;
      used |= candidate.members;
      return;
    }
  }
};

// Every member of every format goes to the Raw member it converts to. Where two could fill the same
// Raw member, the detected format's own member wins and the other is left out: Raw lines before the
// US/EU street line (which takes the first empty line), subdivision before stateCode before
// province (detection makes the first present one the detected format's), the detected format's
// postal code before the other's, the kind's own country member before the other kind's.
// *street and *us_postal hold the composed parts the result refers to.
RawParts raw_parts(const Values& values, Format format, CountryKey country_key,
                   detail::TextBuffer* street, detail::TextBuffer* us_postal) {
  RawParts parts;
  street_line(values, street);
  bool street_placed = street->empty();
  for (int index = 0; index < 5; ++index) {
    parts.fill(&parts.lines[index], {{values.of[kLine1 + index], bit(kLine1 + index)}});
    if (parts.lines[index].empty() && !street_placed) {
      parts.fill(&parts.lines[index], {{street->view(), kStreetMembers}});
      street_placed = true;
    }
  }
  parts.fill(&parts.city, {{values.of[kCity], bit(kCity)}});
  parts.fill(&parts.subdivision, {{values.of[kSubdivision], bit(kSubdivision)},
                                  {values.of[kStateCode], bit(kStateCode)},
                                  {values.of[kProvince], bit(kProvince)}});
  us_postal_code(values, us_postal);
  if (format == Format::us) {
    parts.fill(&parts.postal_code,
               {{us_postal->view(), kUsPostalMembers}, {values.of[kPostalCode], bit(kPostalCode)}});
  } else {
    parts.fill(&parts.postal_code,
               {{values.of[kPostalCode], bit(kPostalCode)}, {us_postal->view(), kUsPostalMembers}});
  }
  const Slot own = country_key == CountryKey::country ? kCountry : kCountryCode;
  const Slot other = country_key == CountryKey::country ? kCountryCode : kCountry;
  parts.fill(&parts.country, {{values.of[own], bit(own)}, {values.of[other], bit(other)}});
  return parts;
}

class ObjectWriter {
 public:
  ObjectWriter(rapidjson::Value* out, rapidjson::Document::AllocatorType& allocator)
      : out_(out), allocator_(allocator) {}

  // `name` is a constant: it is referred to, not copied.
  void add_if_present(std::string_view name, std::string_view value) {
    if (!value.empty()) add(name, value);
  }

  void add(std::string_view name, std::string_view value) {
    out_->AddMember(
        rapidjson::Value(
            rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()))),
        rapidjson::Value(value.data(), static_cast<rapidjson::SizeType>(value.size()), allocator_),
        allocator_);
  }

 private:
  rapidjson::Value* out_;
  rapidjson::Document::AllocatorType& allocator_;
};

void write_raw(const RawParts& parts, CountryKey country_key, ObjectWriter* writer) {
  static constexpr std::string_view kLineNames[] = {"line1", "line2", "line3", "line4", "line5"};
  for (std::size_t index = 0; index < 5; ++index) {
    writer->add_if_present(kLineNames[index], parts.lines[index]);
  }
  writer->add_if_present("city", parts.city);
  writer->add_if_present("subdivision", parts.subdivision);
  writer->add_if_present("postalCode", parts.postal_code);
  writer->add_if_present(country_member(country_key), parts.country);
}

bool all_members_are_strings(const rapidjson::Value& address, std::string* not_a_string) {
  for (auto member = address.MemberBegin(); member != address.MemberEnd(); ++member) {
    if (!member->value.IsString()) {
      *not_a_string = std::string(name_of(member));
      return false;
    }
  }
  return true;
}

// detail::is_member's answer for each slot's name, per format and country key.
struct SlotLimits {
  bool member[kSlotCount];
  std::size_t max_length[kSlotCount];
};

const SlotLimits& slot_limits(Format format, CountryKey country_key) {
  static const auto limits = [] {
    std::array<SlotLimits, 6> all{};
    for (Format each_format : {Format::us, Format::eu, Format::raw}) {
      for (CountryKey key : {CountryKey::country, CountryKey::country_code}) {
        SlotLimits& of = all[static_cast<size_t>(each_format) * 2 + static_cast<size_t>(key)];
        for (const SlotName& entry : kSlotNames) {
          of.member[entry.slot] =
              detail::is_member(each_format, key, entry.name, &of.max_length[entry.slot]);
        }
      }
    }
    return all;
  }();
  return limits[static_cast<size_t>(format) * 2 + static_cast<size_t>(country_key)];
}

// Every member is a slot's or no format's: is_member is true only for slot names.
void check_members(const rapidjson::Value& address, const MemberSlots& slots, Format format,
                   CountryKey country_key, Conversion* conversion) {
  const SlotLimits& limits = slot_limits(format, country_key);
  size_t index = 0;
  for (auto member = address.MemberBegin(); member != address.MemberEnd(); ++member) {
    std::string_view name = name_of(member);
    const Slot slot = slots[index++];
    if (slot == kSlotCount || !limits.member[slot]) {
      conversion->unknown_members.emplace_back(name);
      continue;
    }
    const std::size_t max_length = limits.max_length[slot];
    std::string_view value(member->value.GetString(), member->value.GetStringLength());
    if (max_length != 0 && value.size() > max_length && utf8_length(value) > max_length) {
      conversion->too_long.emplace_back(name);
    }
  }
}

// detect_format of an object whose members' slots are known.
Format detect_format(const rapidjson::Value& address, const MemberSlots& slots) {
  SlotSet present = 0;
  for (size_t index = 0; index < address.MemberCount(); ++index) {
    const Slot slot = slots[index];
    if (slot == kSlotCount) continue;
    if ((bit(slot) & kRawOnly) != 0) return Format::raw;
    present |= bit(slot);
  }
  if ((present & kUsOnly) != 0) return Format::us;
  return (present & kEuStreet) != 0 ? Format::eu : Format::raw;
}

}  // namespace

Format detect_format(const rapidjson::Value& address) {
  if (!address.IsObject()) return Format::raw;
  return detect_format(address, MemberSlots(address));
}

bool to_raw(const rapidjson::Value& address, CountryKey country_key, rapidjson::Value* out,
            rapidjson::Document::AllocatorType& allocator, Conversion* conversion) {
  Conversion ignored;
  if (conversion == nullptr) conversion = &ignored;
  out->SetObject();
  if (!address.IsObject()) return false;
  if (!all_members_are_strings(address, &conversion->not_a_string)) return false;

  const MemberSlots slots(address);
  Format format = detect_format(address, slots);
  check_members(address, slots, format, country_key, conversion);

  const Values values(address, slots);
  // Texts built here are copied into `out` by the writer, so one set of buffers per thread serves
  // every conversion (their memory kept).
  thread_local detail::TextBuffer street, us_postal, formatted;
  street.clear();
  us_postal.clear();
  formatted.clear();
  RawParts parts = raw_parts(values, format, country_key, &street, &us_postal);
  ObjectWriter writer(out, allocator);
  write_raw(parts, country_key, &writer);
  detail::format_address(parts.lines, parts.city, parts.subdivision, parts.postal_code,
                         parts.country, &formatted);
  writer.add(detail::kFormattedAddress, formatted.view());
  // Values are read from the first member of a name; a repeated name (which the callback stage
  // refuses before converting) is dropped.
  SlotSet seen = 0;
  size_t index = 0;
  for (auto member = address.MemberBegin(); member != address.MemberEnd(); ++member) {
    const Slot slot = slots[index++];
    const bool repeated = slot != kSlotCount && (seen & bit(slot)) != 0;
    if (slot != kSlotCount) seen |= bit(slot);
    if (slot == kFormatted || member->value.GetStringLength() == 0) continue;
    if (repeated || slot == kSlotCount || (parts.used & bit(slot)) == 0) {
      conversion->dropped.emplace_back(name_of(member));
    }
  }
  return true;
}

}  // namespace jb::address
