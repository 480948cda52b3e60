-- C: POST /api/users, every request a new email (run id, thread, counter).
local prefix = ""
local n = 0

function init(args)
  prefix = "c" .. os.getenv("BENCH_RUN") .. "-t" .. tid .. "-"
end

function request()
  n = n + 1
  local body = '{"email": "' .. prefix .. n .. '@bench.example.com", "password": "'
    .. os.getenv("BENCH_PASSWORD") .. '"}'
  return wrk.format("POST", "/api/users", {["Content-Type"] = "application/json"}, body)
end
