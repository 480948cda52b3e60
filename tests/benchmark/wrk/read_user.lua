-- R2: GET /api/users/{id}, each seeded user reading their own record.
local requests = {}
local n = 0

function init(args)
  for _, line in ipairs(lines_of(os.getenv("BENCH_TOKENS"))) do
    local id, token = line:match("^(%d+) (.+)$")
    table.insert(requests, {path = "/api/users/" .. id, auth = "Bearer " .. token})
  end
  n = tid
end

function request()
  n = n + 1
  local chosen = requests[n % #requests + 1]
  return wrk.format("GET", chosen.path, {Authorization = chosen.auth})
end
