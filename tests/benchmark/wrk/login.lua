-- L: POST /api/auth/login as the seeded users in turn, with the right password.
local bodies = {}
local n = 0

function init(args)
  local password = os.getenv("BENCH_PASSWORD")
  for _, email in ipairs(lines_of(os.getenv("BENCH_EMAILS"))) do
    table.insert(bodies, '{"email": "' .. email .. '", "password": "' .. password .. '"}')
  end
  n = tid * 97
end

function request()
  n = n + 1
  return wrk.format("POST", "/api/auth/login", {["Content-Type"] = "application/json"},
    bodies[n % #bodies + 1])
end
