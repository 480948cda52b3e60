-- I: POST /api/auth/introspect as a backend would, for the seeded access tokens in turn.
local bodies = {}
local n = 0
local basic = ""

function init(args)
  basic = "Basic " .. os.getenv("BENCH_BASIC")
  for _, line in ipairs(lines_of(os.getenv("BENCH_TOKENS"))) do
    local _, token = line:match("^(%d+) (.+)$")
    table.insert(bodies, "token=" .. token)
  end
  n = tid
end

function request()
  n = n + 1
  return wrk.format("POST", "/api/auth/introspect", {
    ["Authorization"] = basic,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, bodies[n % #bodies + 1])
end
