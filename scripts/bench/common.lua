-- Shared by the scenarios of `make bench` (scripts/bench.sh): reads the inputs written by
-- `manage.py bench_prepare`, counts every response whose status is not the expected one, and
-- prints the run's figures as one JSON line ("BENCH_JSON {...}") for scripts/bench/run.py.
--
-- Environment: BENCH_DATA (folder with tokens.txt, codes.txt, rows.txt, submit.json),
-- BENCH_RUN (a tag that makes Idempotency-Keys unique across runs), BENCH_EXPECT (status).

local M = {}

M.data = os.getenv("BENCH_DATA") or "var/bench"
M.run = os.getenv("BENCH_RUN") or tostring(os.time())
M.expect = tonumber(os.getenv("BENCH_EXPECT") or "200")

function M.lines(name)
  local path = M.data .. "/" .. name
  local f = assert(io.open(path, "r"), "cannot open " .. path)
  local out = {}
  for line in f:lines() do
    if line ~= "" then out[#out + 1] = line end
  end
  f:close()
  assert(#out > 0, path .. " is empty")
  return out
end

function M.read(name)
  local path = M.data .. "/" .. name
  local f = assert(io.open(path, "r"), "cannot open " .. path)
  local s = f:read("*a")
  f:close()
  return s
end

-- Per-thread state (each wrk thread has its own Lua state; these are its globals).
thread_id = 0
counter = 0
unexpected = 0
statuses = {}

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("thread_id", #threads - 1)
end

function response(status, headers, body)
  if status ~= M.expect then
    unexpected = unexpected + 1
    local key = tostring(status)
    statuses[key] = (statuses[key] or 0) + 1
  end
end

-- The next index (1-based) into a list of n items, spreading the threads over it.
function M.next_index(n)
  counter = counter + 1
  return ((thread_id * 7919 + counter) % n) + 1
end

function done(summary, latency, requests)
  local bad, by_status = 0, {}
  for _, t in ipairs(threads) do
    bad = bad + (t:get("unexpected") or 0)
    local s = t:get("statuses") or {}
    for k, v in pairs(s) do by_status[k] = (by_status[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(by_status) do parts[#parts + 1] = string.format('"%s":%d', k, v) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"p999":%d,"mean":%.1f,"max":%d,"stdev":%.1f},' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"unexpected":%d,"unexpected_by_status":{%s},"expected_status":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.mean, latency.max, latency.stdev,
    e.connect, e.read, e.write, e.status, e.timeout,
    bad, table.concat(parts, ","), M.expect))
end

return M
