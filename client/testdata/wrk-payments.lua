-- wrk script: the HTTP benchmark's 4-posting payment, one per request, each
-- under a new idempotency key. Pass a prefix unique to the run, or a second
-- run replays the first one's keys (and measures replays):
--
--   TRIBUTARY_ADMIN_TOKEN=trb_bench_admin_token_0123456789 tributary serve --db /tmp/w.db &
--   wrk -t2 -c16 -d10s --latency -s client/testdata/wrk-payments.lua http://127.0.0.1:8650/ -- run$RANDOM
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function init(args)
  prefix = args[1] or "w"
  counter = 0
end
request = function()
  counter = counter + 1
  local i = tid * 10000000 + counter
  local b = i % 1000
  local body = string.format('{"postings":[{"from":"@buyer:%d","to":"payee:%d","amount":"990000","currency":"USDC","path":"bench \u{2192} split 50%%"},{"from":"@buyer:%d","to":"payee:%d","amount":"297000","currency":"USDC","path":"bench \u{2192} split 15%%"},{"from":"@buyer:%d","to":"payee:%d","amount":"693000","currency":"USDC","path":"bench \u{2192} split 35%%"},{"from":"@buyer:%d","to":"platform:fee","amount":"250000","currency":"USDC","path":"bench \u{2192} fee"}]}', b, i % 997, b, (i + 1) % 997, b, (i + 2) % 997, b)
  return wrk.format("POST", "/v1/entries", {["Authorization"] = "Bearer trb_bench_admin_token_0123456789", ["Idempotency-Key"] = prefix .. "-" .. i, ["Content-Type"] = "application/json"}, body)
end
response = function(status, headers, body)
  if status ~= 201 then
    print(status, body)
    wrk.thread:stop()
  end
end
