-- POST /api/v1/dossiers as the prepared citizens in turn, each request with its own
-- Idempotency-Key and the realistic birth-registration body. Expects 201.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local bench = dofile(dir .. "common.lua")

local tokens = bench.lines("tokens.txt")
local body = bench.read("submit.json")

function request()
  local i = bench.next_index(#tokens)
  return wrk.format("POST", "/api/v1/dossiers", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[i],
    ["Idempotency-Key"] = string.format("bench-%s-%d-%d", bench.run, thread_id, counter),
  }, body)
end
