-- Counts the answers that are not 200 or 204 (a redirect to the sign-in page would look fast), per thread,
-- and prints their total when wrk is done. The same script runs for the bare framework, so both pay its cost.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
  last = 0
end

function response(status, headers, body)
  if status ~= 200 and status ~= 204 then
    bad = bad + 1
    last = status
  end
end

function done(summary, latency, requests)
  local total, seen = 0, 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("bad")
    if thread:get("last") ~= 0 then seen = thread:get("last") end
  end
  io.write(string.format("UNEXPECTED %d %d\n", total, seen))
end
