-- R1: GET /api/users/me, rotating through the seeded users' access tokens.
local tokens = {}
local n = 0

function init(args)
  for _, line in ipairs(lines_of(os.getenv("BENCH_TOKENS"))) do
    local _, token = line:match("^(%d+) (.+)$")
    table.insert(tokens, "Bearer " .. token)
  end
  n = tid
end

function request()
  n = n + 1
  return wrk.format("GET", "/api/users/me", {Authorization = tokens[n % #tokens + 1]})
end
