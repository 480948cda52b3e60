-- F: POST /api/auth/refresh chains. Each thread keeps a stack of live refresh tokens: a
-- response pushes its successor, and the connection's next request pops it straight back,
-- so every token is presented exactly once. Tokens left at the end go to BENCH_TOKENS_OUT.
stack = {}

function init(args)
  local count = tonumber(os.getenv("BENCH_THREADS"))
  for i, token in ipairs(lines_of(os.getenv("BENCH_TOKENS"))) do
    if i % count == tid - 1 then
      table.insert(stack, token)
    end
  end
end

function request()
  local token = table.remove(stack) or "exhausted"
  return wrk.format("POST", "/api/auth/refresh", {["Content-Type"] = "application/json"},
    '{"refresh_token": "' .. token .. '"}')
end

function response(status, headers, body)
  local successor = body:match('"refresh_token"%s*:%s*"([^"]+)"')
  if status == 200 and successor then
    table.insert(stack, successor)
  end
end

function on_done()
  local out = io.open(os.getenv("BENCH_TOKENS_OUT"), "w")
  for _, thread in ipairs(threads) do
    for _, token in ipairs(thread:get("stack")) do
      out:write(token, "\n")
    end
  end
  out:close()
end
