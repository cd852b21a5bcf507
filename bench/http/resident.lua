-- wrk script: GET /api/residents/{nik} with a session cookie, rotating over the NIKs given
-- in the env var KTPEL_NIKS (comma separated). Cookie in KTPEL_COOKIE.
local niks = {}
for n in string.gmatch(os.getenv("KTPEL_NIKS") or "", "[^,]+") do niks[#niks + 1] = n end
local cookie = os.getenv("KTPEL_COOKIE") or ""
local i = 0
request = function()
  i = i % #niks + 1
  return wrk.format("GET", "/api/residents/" .. niks[i], { ["Cookie"] = cookie })
end
local bad = 0
response = function(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d non200=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
    + summary.errors.status, summary.errors.status))
end
