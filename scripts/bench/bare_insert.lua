-- POST /bench/insert: a plain Django view that stores the same JSON body as one row. Expects 201.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local bench = dofile(dir .. "common.lua")

local body = bench.read("submit.json")
local req = wrk.format("POST", "/bench/insert", {["Content-Type"] = "application/json"}, body)

function request()
  return req
end
