-- wrk script: POST /api/public/card-status with the receipt numbers and birth dates of the file
-- in KTPEL_RECEIPTS_FILE ("NO,YYYY-MM-DD" lines); with KTPEL_STATUS_MISS set, receipt numbers
-- that exist nowhere (each a different one, so the per-number attempt limit never applies).
local rows = {}
local f = io.open(os.getenv("KTPEL_RECEIPTS_FILE"), "r")
for line in f:lines() do rows[#rows + 1] = line end
f:close()
local miss = os.getenv("KTPEL_STATUS_MISS") ~= nil
local i = 0
setup = function(thread) thread:set("offset", i); i = i + 1 end
init = function() i = offset * 1000003 end
request = function()
  i = i + 1
  local no, bd = rows[i % #rows + 1]:match("([^,]+),(.+)")
  if miss then no = string.format("NGS-20200101-%07d", i) end
  return wrk.format("POST", "/api/public/card-status", { ["Content-Type"] = "application/json" },
    string.format('{"receipt_no":"%s","birth_date":"%s"}', no, bd))
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
