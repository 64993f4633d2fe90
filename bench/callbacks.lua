-- wrk script of the benchmark: POSTs a realistic mix of Jumio callbacks, each with a unique
-- transaction reference. The bodies are built once per thread in init(); request() only splices
-- the next reference into a pre-encoded body.
--
-- Mix (per 100 requests): Netverify 71 (APPROVED_VERIFIED with a US address 34, with an EU
-- address 23; DENIED_FRAUD 6; ERROR_NOT_READABLE_ID 5; DENIED_UNSUPPORTED_ID_COUNTRY 3),
-- Authentication 13 (PASSED 10, FAILED 3), Document Verification 11 (EXTRACTED 5, UPLOADED 3,
-- DISCARDED 1, FAILED 2), dead letters 5 (unknown_kind 2, invalid_json 2, unknown_status 1).
--
-- usage: wrk ... -s bench/callbacks.lua URL -- [RUN_ID [PATH [MIX]]]
-- MIX "approved" posts only the first entry (APPROVED_VERIFIED with a US address, one topic) instead
-- of the whole mix ("all", the default).
-- With JB_BENCH_DUMP_DIR set, the first thread also writes its pool of bodies there (NNN.form).
-- done() prints one line: "BENCH requests=... duration_us=... errors_connect=... ... p999_us=...".

local PLACEHOLDER = "REFxPLACEHOLDERx"

local function encode(text)
  return (text:gsub("[^%w%-%._%*]", function(c)
    if c == " " then return "+" end
    return string.format("%%%02X", c:byte())
  end))
end

local function form(fields)
  local out = {}
  for i, field in ipairs(fields) do out[i] = encode(field[1]) .. "=" .. encode(field[2]) end
  return table.concat(out, "&")
end

local FIRST = { "JANE", "JOHN", "MARIA", "LUCAS", "EMMA", "NOAH", "SOFIA", "LIAM" }
local LAST = { "DOE", "SMITH", "MUELLER", "ROSSI", "GARCIA", "DUBOIS", "NOVAK", "BERG" }

local US_ADDRESSES = {
  '{"streetNumber":"150","streetDirection":"N","streetName":"Alberny","streetSuffix":"Dr",' ..
    '"unitDesignator":"APT","unitNumber":"7","city":"New Mexico","stateCode":"US-AL",' ..
    '"zip":"77358","zipExtension":"5555","country":"USA"}',
  '{"streetNumber":"2201","streetName":"Elm","streetSuffix":"St","city":"Springfield",' ..
    '"stateCode":"US-IL","zip":"62701","country":"USA"}',
  '{"streetNumber":"88","streetDirection":"W","streetName":"Colfax","streetSuffix":"Ave",' ..
    '"unitDesignator":"STE","unitNumber":"300","city":"Denver","stateCode":"US-CO",' ..
    '"zip":"80202","zipExtension":"1234","country":"USA"}',
}
local EU_ADDRESSES = {
  '{"streetNumber":"180","streetName":"Main Street","unitDetails":"ABC","city":"Graz",' ..
    '"province":"Steiermark","postalCode":"2424","country":"AUT"}',
  '{"streetNumber":"12","streetName":"Rue de Rivoli","city":"Paris","postalCode":"75001",' ..
    '"country":"FRA"}',
  '{"streetNumber":"5","streetName":"Unter den Linden","unitDetails":"3. OG","city":"Berlin",' ..
    '"province":"Berlin","postalCode":"10117","country":"DEU"}',
}

local function pick(list, i) return list[(i % #list) + 1] end

local function dates(i)
  local minute = string.format("%02d", i % 60)
  return "2024-05-1" .. (i % 10) .. "T09:" .. minute .. ":07.123Z",
    "2024-05-1" .. (i % 10) .. "T09:" .. minute .. ":59.5Z"
end

local function netverify(i, status, address)
  local transaction_date, callback_date = dates(i)
  local approved = status == "APPROVED_VERIFIED"
  local check = approved and "OK" or "N/A"
  local images = "https://netverify.com/recognition/v1/idscan/" .. PLACEHOLDER
  local fields = {
    { "callBackType", "NETVERIFYID" },
    { "jumioIdScanReference", PLACEHOLDER },
    { "merchantIdScanReference", "merchant-" .. i },
    { "customerId", "customer-" .. (i * 7919 % 100000) },
    { "verificationStatus", status },
    { "idScanStatus", approved and "SUCCESS" or "ERROR" },
    { "idScanSource", pick({ "SDK", "WEB_UPLOAD", "WEB_CAM" }, i) },
    { "idCheckDataPositions", check }, { "idCheckDocumentValidation", check },
    { "idCheckHologram", check }, { "idCheckMRZcode", check }, { "idCheckMicroprint", check },
    { "idCheckSecurityFeatures", check }, { "idCheckSignature", check },
    { "transactionDate", transaction_date },
    { "callbackDate", callback_date },
    { "idType", pick({ "PASSPORT", "DRIVING_LICENSE", "ID_CARD" }, i) },
    { "idCountry", address and address:match('"country":"(%u+)"') or "USA" },
    { "idScanImage", images .. "/front" },
    { "idScanImageFace", images .. "/face" },
    { "clientIp", "203.0.113." .. (i % 250 + 1) },
  }
  if approved then
    fields[#fields + 1] = { "idFirstName", pick(FIRST, i) }
    fields[#fields + 1] = { "idLastName", pick(LAST, i * 3) }
    fields[#fields + 1] = { "idDob", "19" .. (60 + i % 40) .. "-0" .. (1 + i % 9) .. "-1" .. (i % 10) }
    fields[#fields + 1] = { "idExpiry", "2031-12-31" }
    fields[#fields + 1] = { "idNumber", string.format("P%07d", i * 104729 % 10000000) }
    fields[#fields + 1] = { "identityVerification",
      '{"similarity":"MATCH","validity":"TRUE","similarityDecision":"AUTOMATED","similarityScore":"9' ..
        (i % 10) .. '"}' }
  end
  if address then fields[#fields + 1] = { "idAddress", address } end
  if status == "DENIED_FRAUD" then
    fields[#fields + 1] = { "rejectReason",
      '{"rejectReasonCode":"100","rejectReasonDescription":"MANIPULATED_DOCUMENT",' ..
        '"rejectReasonDetails":[{"detailsCode":"1001","detailsDescription":"PHOTO"},' ..
        '{"detailsCode":"1004","detailsDescription":"DOB"}]}' }
  elseif status == "ERROR_NOT_READABLE_ID" then
    fields[#fields + 1] = { "rejectReason",
      '{"rejectReasonCode":"200","rejectReasonDescription":"NOT_READABLE_DOCUMENT",' ..
        '"rejectReasonDetails":[{"detailsCode":"2001","detailsDescription":"BLURRED"}]}' }
  end
  return fields
end

local function authentication(i, result)
  local transaction_date, callback_date = dates(i)
  local base = "https://netverify.com/api/netverify/v2/authentications/" .. PLACEHOLDER
  local liveness = {}
  for n = 1, 7 do liveness[n] = '"' .. base .. "/images/liveness/" .. n .. '"' end
  return {
    { "scanSource", pick({ "SDK", "WEB" }, i) },
    { "transactionReference", PLACEHOLDER },
    { "enrollmentTransactionReference", string.format("0b6c7e4a-1d2f-4a3b-9c8d-%012d", i) },
    { "callBackType", "NETVERIFY_AUTHENTICATION" },
    { "livenessImages", "[" .. table.concat(liveness, ",") .. "]" },
    { "idScanImageFace", base .. "/images/face" },
    { "callbackDate", callback_date },
    { "transactionDate", transaction_date },
    { "transactionResult", result },
    { "userReference", "user-" .. i },
  }
end

local function document(i, status)
  local transaction_date, callback_date = dates(i)
  local done = status ~= "FAILED"
  local fields = {
    { "timestamp", callback_date },
    { "scanReference", PLACEHOLDER },
    { "transaction", '{"customerId":"customer-' .. i .. '","date":"' .. transaction_date ..
      '","merchantScanReference":"scan-' .. i .. '","source":"DOC_SDK","status":"' ..
      (done and "DONE" or "FAILED") .. '"}' },
  }
  if done then
    local extracted = ""
    if status == "EXTRACTED" then
      extracted = '"extractedData":{"firstName":"' .. pick(FIRST, i) .. '","lastName":"' ..
        pick(LAST, i) .. '","signatureAvailable":true,"address":{"line1":"1 Main St",' ..
        '"city":"Springfield","subdivision":"US-IL","postalCode":"62701","countryCode":"USA"}},'
    end
    fields[#fields + 1] = { "document", '{"type":"UB","country":"USA",' .. extracted ..
      '"images":["https://retrieval.netverify.com/api/netverify/v2/documents/' .. PLACEHOLDER ..
      '/pages/1"],"status":"' .. status .. '"}' }
  end
  return fields
end

-- One entry per kind: how many of every 100 requests, and how to build the i-th body's fields.
local MIX = {
  { 34, function(i) return netverify(i, "APPROVED_VERIFIED", pick(US_ADDRESSES, i)) end },
  { 23, function(i) return netverify(i, "APPROVED_VERIFIED", pick(EU_ADDRESSES, i)) end },
  { 6, function(i) return netverify(i, "DENIED_FRAUD", pick(EU_ADDRESSES, i + 1)) end },
  { 5, function(i) return netverify(i, "ERROR_NOT_READABLE_ID", nil) end },
  { 3, function(i) return netverify(i, "DENIED_UNSUPPORTED_ID_COUNTRY", nil) end },
  { 10, function(i) return authentication(i, "PASSED") end },
  { 3, function(i) return authentication(i, "FAILED") end },
  { 5, function(i) return document(i, "EXTRACTED") end },
  { 3, function(i) return document(i, "UPLOADED") end },
  { 1, function(i) return document(i, "DISCARDED") end },
  { 2, function(i) return document(i, "FAILED") end },
  -- dead letters
  { 2, function(i)
    local fields = netverify(i, "APPROVED_VERIFIED", pick(US_ADDRESSES, i))
    fields[1] = { "callBackType", "NETVERIFY_V9" }
    return fields
  end },
  { 2, function(i)
    local fields = netverify(i, "APPROVED_VERIFIED", nil)
    fields[#fields + 1] = { "idAddress", '{"country":"USA","city":"Denver"' }
    return fields
  end },
  { 1, function(i) return netverify(i, "APPROVED", pick(EU_ADDRESSES, i)) end },
}

-- Shuffled so that kinds interleave, reproducibly, over this many bodies.
local POOL_SIZE = 400

local function split(text, separator)
  local parts, start = {}, 1
  while true do
    local from, to = text:find(separator, start, true)
    if not from then
      parts[#parts + 1] = text:sub(start)
      return parts
    end
    parts[#parts + 1] = text:sub(start, from - 1)
    start = to + 1
  end
end

local pool = {}
local counter = 0
local run_id = 0
local path = "/callbacks/jumio"
local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }

function setup(thread)
  thread_count = (thread_count or 0) + 1
  thread:set("thread_id", thread_count)
end

function init(args)
  run_id = tonumber(args[1] or "0") or 0
  path = args[2] or path
  local mix = MIX
  if args[3] == "approved" then
    mix = { { 100, MIX[1][2] } }
  elseif args[3] and args[3] ~= "all" then
    error("unknown mix " .. args[3] .. " (all or approved)")
  end
  local kinds = {}
  for _, entry in ipairs(mix) do
    for _ = 1, entry[1] * POOL_SIZE / 100 do kinds[#kinds + 1] = entry[2] end
  end
  math.randomseed(run_id * 131 + (thread_id or 1))
  for i = #kinds, 2, -1 do
    local j = math.random(i)
    kinds[i], kinds[j] = kinds[j], kinds[i]
  end
  for i, build in ipairs(kinds) do pool[i] = split(form(build(i)), PLACEHOLDER) end
  counter = math.random(#pool) - 1
  local dump = os.getenv("JB_BENCH_DUMP_DIR")
  if dump and thread_id == 1 then
    for i, parts in ipairs(pool) do
      local file = assert(io.open(string.format("%s/%03d.form", dump, i), "wb"))
      file:write(table.concat(parts, string.format("00000000-0000-4000-a000-%012d", i)))
      file:close()
    end
  end
end

function request()
  counter = counter + 1
  local reference = string.format("%08x-%04x-4%03x-a%03x-%012x", run_id, thread_id or 1,
    0, 0, counter)
  local body = table.concat(pool[(counter % #pool) + 1], reference)
  return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d errors_connect=%d errors_read=%d errors_write=%d " ..
      "errors_status=%d errors_timeout=%d p50_us=%d p99_us=%d p999_us=%d\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
