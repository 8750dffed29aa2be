-- GET one of the pages listed in $BENCH_DATA/$BENCH_PATHS (one path per line, written by
-- `manage.py bench_landing`), in turn, as an anonymous visitor: no cookie. Expects 200.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local bench = dofile(dir .. "common.lua")

local paths = bench.lines(os.getenv("BENCH_PATHS") or "paths-home.txt")

function request()
  return wrk.format("GET", paths[bench.next_index(#paths)])
end
