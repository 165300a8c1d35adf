-- wrk script of bench/load.py --driver wrk: GET paths picked at random from a file (one per
-- line, the first argument after --), as a fresh visitor that takes gzip; at the end one
-- JSON line: requests, errors, 5xx responses, and 1,000 latency quantiles (microseconds).
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  math.randomseed(1000 * id + tonumber(args[2] or "0"))
  http_5xx = 0
end

function request()
  local path = paths[math.random(#paths)]
  return wrk.format("GET", path, {["Accept-Encoding"] = "gzip, deflate"})
end

function response(status, headers, body)
  if status >= 500 then http_5xx = http_5xx + 1 end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("http_5xx") end
  local e = summary.errors
  local q = {}
  for i = 1, 1000 do q[i] = string.format("%d", latency:percentile(i / 10)) end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "http_5xx": %d, "errors": {"connect": %d, ' ..
    '"read": %d, "write": %d, "status": %d, "timeout": %d}, "max_us": %d, ' ..
    '"quantiles_us": [%s]}\n',
    summary.requests, summary.duration, failed, e.connect, e.read, e.write, e.status,
    e.timeout, latency.max, table.concat(q, ", ")))
end
