-- GET /bench/select?id=…: a plain Django view selecting one row by primary key. Expects 200.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local bench = dofile(dir .. "common.lua")

local rows = bench.lines("rows.txt")

function request()
  return wrk.format("GET", "/bench/select?id=" .. rows[bench.next_index(#rows)])
end
