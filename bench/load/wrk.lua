-- One endpoint under load, driven by bench/load.py through environment variables:
-- LOAD_METHOD, LOAD_HOST (the Host header), LOAD_COOKIE, LOAD_BODY_FILE and LOAD_CONTENT_TYPE
-- (POST), LOAD_OUT (where done() writes its figures as JSON). The path comes from the URL.
-- Every response's status is counted per thread; a 3xx must point at LOAD_EXPECT_LOCATION
-- (a Lua pattern), or it is counted as "badlocation" (a redirect to the login page is a lie).

wrk.method = os.getenv("LOAD_METHOD") or "GET"
wrk.headers["Host"] = os.getenv("LOAD_HOST")
wrk.headers["Cookie"] = os.getenv("LOAD_COOKIE")
local body_file = os.getenv("LOAD_BODY_FILE")
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = os.getenv("LOAD_CONTENT_TYPE")
end
local expect_location = os.getenv("LOAD_EXPECT_LOCATION") or "^$"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  badlocation = 0
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status >= 300 and status < 400 then
    local location = headers["Location"] or headers["location"] or ""
    if not string.find(location, expect_location) then
      badlocation = badlocation + 1
    end
  end
end

function done(summary, latency, requests)
  local counts = {}
  local bad = 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
    bad = bad + thread:get("badlocation")
  end
  local parts = {}
  for status, n in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  local e = summary.errors
  local out = assert(io.open(os.getenv("LOAD_OUT"), "w"))
  out:write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, '
      .. '"connect": %d, "read": %d, "write": %d, "timeout": %d, "status_errors": %d, '
      .. '"badlocation": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.timeout, e.status, bad, table.concat(parts, ", ")
  ))
  out:close()
end
