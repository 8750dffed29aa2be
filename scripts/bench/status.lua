-- GET /api/v1/dossiers/{code}/status (public, no auth) over the prepared dossiers. Expects 200.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local bench = dofile(dir .. "common.lua")

local codes = bench.lines("codes.txt")

function request()
  return wrk.format("GET", "/api/v1/dossiers/" .. codes[bench.next_index(#codes)] .. "/status")
end
