-- wrk script of bench/platform.sh: POSTs Jumio Platform callbacks (the JSON notification of a
-- finished workflow execution, 477 bytes), each with a unique workflow execution id under one of
-- eight accounts; 9 in 10 PROCESSED, the others TOKEN_EXPIRED or SESSION_EXPIRED.
--
-- usage: wrk ... -s bench/platform.lua URL -- [RUN_ID] [PATH]
-- done() prints one line: "BENCH requests=... duration_us=... errors_connect=... ... p999_us=...".

local run_id = 0
local path = "/callbacks/jumio"
local counter = 0
local headers = { ["Content-Type"] = "application/json" }

function setup(thread)
  thread_count = (thread_count or 0) + 1
  thread:set("thread_id", thread_count)
end

function init(args)
  run_id = tonumber(args[1] or "0") or 0
  path = args[2] or path
end

local function body(execution, account, status)
  return '{"callbackSentAt":"2024-05-02T09:16:04.518Z","userReference":"user-8f3a2c",' ..
    '"workflowExecution":{"id":"' .. execution .. '","href":"https://retrieval.amer-1.jumio.ai' ..
    '/api/v1/accounts/' .. account .. '/workflow-executions/' .. execution .. '",' ..
    '"definitionKey":"10011","status":"' .. status .. '"},' ..
    '"account":{"id":"' .. account .. '","href":"https://retrieval.amer-1.jumio.ai/api/v1/' ..
    'accounts/' .. account .. '"}}'
end

function request()
  counter = counter + 1
  local execution = string.format("%08x-%04x-4%03x-a%03x-%012x", run_id, thread_id or 1, 0, 0,
    counter)
  local account = string.format("11111111-1111-4111-a111-%012d", counter % 8)
  local status = "PROCESSED"
  if counter % 10 == 3 then status = "TOKEN_EXPIRED" elseif counter % 10 == 7 then
    status = "SESSION_EXPIRED" end
  return wrk.format("POST", path, headers, body(execution, account, status))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d errors_connect=%d errors_read=%d errors_write=%d " ..
      "errors_status=%d errors_timeout=%d p50_us=%d p99_us=%d p999_us=%d\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
