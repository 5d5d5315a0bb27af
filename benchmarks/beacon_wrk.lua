-- wrk script for benchmarks/beacon.py: walks the request paths in the file given after
-- `--` (one per line, in order, wrapping round) and prints a JSON summary at the end.
local paths = {}
local n = 0
local i = 0

function init(args)
  for line in io.lines(args[1]) do
    n = n + 1
    paths[n] = line
  end
end

function request()
  i = i % n + 1
  return wrk.format("GET", paths[i])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
