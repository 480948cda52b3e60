-- Appended to every workload script: numbers each thread and reports one JSON line at the end.
threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function lines_of(path)
  local found = {}
  for line in io.lines(path) do
    table.insert(found, line)
  end
  return found
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
      .. '"status_errors": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
  if on_done then
    on_done()
  end
end
